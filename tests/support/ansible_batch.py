"""Run the real ansible-inventory CLI for many jobs in one Python process.

Importing ansible-core costs about a second; each job forks after the import, so it runs
the unmodified InventoryCLI code path in a clean copy of the process. Ansible reads its
configuration at import time, so jobs that need different settings belong in different
batches (the caller sets ANSIBLE_* in this process's environment).

Input (argv[1]): a JSON list of jobs {"args": [...], "cwd": "...", "out": "...", "err": "..."}.
Each job's exit code is written to out + ".rc".
"""
import json
import os
import sys

from ansible.cli.inventory import InventoryCLI  # noqa: E402  (import once, before forking)


def run_job(job):
    os.chdir(job["cwd"])
    out = os.open(job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(err, 2)
    code = 0
    try:
        InventoryCLI.cli_executor(["ansible-inventory"] + job["args"])
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
        job = running.pop(pid)
        with open(job["out"] + ".rc", "w") as f:
            f.write(str(os.waitstatus_to_exitcode(status)))


if __name__ == "__main__":
    main()
