"""Run the real ansible-playbook CLI for many jobs from one pre-imported Python process.

Importing ansible-core costs about a second; each job forks after the import and runs the
unmodified PlaybookCLI code path in a clean copy of the process (ansible-playbook forks its
own workers from there with the 'fork' multiprocessing context, as it always does).
Ansible reads its configuration at import time, so every job shares the environment this
process was started with.

Input (argv[1]): a JSON list of jobs {"args": [...], "cwd": "...", "out": "...", "err": "..."}.
Each job's exit code is written to out + ".rc". ROLLER_BATCH_PARALLEL jobs run at once.
"""
import json
import os
import sys

from ansible.cli.playbook import PlaybookCLI  # noqa: E402  (import once, before forking)


def run_job(job):
    os.chdir(job["cwd"])
    stdin = os.open(os.devnull, os.O_RDONLY)
    out = os.open(job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(stdin, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    code = 0
    try:
        PlaybookCLI.cli_executor(["ansible-playbook"] + job["args"])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    parallel = max(1, int(os.environ.get("ROLLER_BATCH_PARALLEL", "2")))
    running = {}
    pending = list(jobs)
    while pending or running:
        while pending and len(running) < parallel:
            job = pending.pop(0)
            pid = os.fork()
            if pid == 0:
                try:
                    code = run_job(job)
                except BaseException:  # pragma: no cover - reported through the rc file
                    code = 250
                os._exit(code)
            running[pid] = job
        pid, status = os.wait()
        if pid not in running:
            continue
        job = running.pop(pid)
        with open(job["out"] + ".rc", "w") as f:
            f.write(str(os.waitstatus_to_exitcode(status)))


if __name__ == "__main__":
    main()
