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

import importlib

from ansible.cli.playbook import PlaybookCLI  # noqa: E402  (import once, before forking)

# Modules every job imports lazily (plugins: inventory, connection, callback, strategy,
# actions...). Importing them once here, before forking, saves each job that time;
# ansible's plugin loader reuses a module already in sys.modules.
WARM = [
    "ansible._internal._errors._task_timeout",
    "ansible._internal._json._profiles._inventory_legacy",
    "ansible.executor.process",
    "ansible.executor.process.worker",
    "ansible.executor.task_executor",
    "ansible.module_utils.connection",
    "ansible.modules",
    "ansible.playbook.handler",
    "ansible.playbook.handler_task_include",
    "ansible.playbook.included_file",
    "ansible.playbook.role.include",
    "ansible.playbook.role_include",
    "ansible.playbook.task_include",
    "ansible.plugins.action.assert",
    "ansible.plugins.action.command",
    "ansible.plugins.action.debug",
    "ansible.plugins.action.group_by",
    "ansible.plugins.action.pause",
    "ansible.plugins.become.su",
    "ansible.plugins.become.sudo",
    "ansible.plugins.cache",
    "ansible.plugins.cache.memory",
    "ansible.plugins.callback.default",
    "ansible.plugins.callback.junit",
    "ansible.plugins.callback.minimal",
    "ansible.plugins.callback.oneline",
    "ansible.plugins.callback.tree",
    "ansible.plugins.connection",
    "ansible.plugins.connection._paramiko_ssh",
    "ansible.plugins.connection.local",
    "ansible.plugins.connection.paramiko_ssh",
    "ansible.plugins.connection.psrp",
    "ansible.plugins.connection.ssh",
    "ansible.plugins.connection.winrm",
    "ansible.plugins.doc_fragments",
    "ansible.plugins.doc_fragments.connection_pipelining",
    "ansible.plugins.doc_fragments.default_callback",
    "ansible.plugins.doc_fragments.result_format_callback",
    "ansible.plugins.doc_fragments.shell_common",
    "ansible.plugins.doc_fragments.shell_windows",
    "ansible.plugins.doc_fragments.vars_plugin_staging",
    "ansible.plugins.inventory",
    "ansible.plugins.inventory.auto",
    "ansible.plugins.inventory.host_list",
    "ansible.plugins.inventory.ini",
    "ansible.plugins.inventory.script",
    "ansible.plugins.inventory.toml",
    "ansible.plugins.inventory.yaml",
    "ansible.plugins.shell",
    "ansible.plugins.shell.cmd",
    "ansible.plugins.shell.powershell",
    "ansible.plugins.shell.sh",
    "ansible.plugins.strategy",
    "ansible.plugins.strategy.linear",
    "ansible.plugins.vars",
    "ansible.plugins.vars.host_group_vars",
    "ansible.utils._junit_xml",
    "ansible.utils.hashing",
    "ansible.utils.shlex",
]


def warm_up():
    for name in WARM:
        try:
            importlib.import_module(name)
        except Exception:  # an optional dependency missing: the job imports it (or not) itself
            pass
    if os.environ.get("ROLLER_BATCH_WARM_DEFS", "1") != "1":
        return
    # Loading a plugin class registers its configuration definitions, parsed from its
    # DOCUMENTATION YAML, once per process (the loader skips plugins already registered).
    # No collection loader is needed for builtin plugins; nothing else is initialized.
    # Not vars_loader: ansible primes its enabled vars plugins only while vars_loader has no
    # search paths yet, so touching it here would silently drop host_vars/group_vars.
    # (Checked: every conformance job prints the same with and without this warm-up.)
    from ansible import constants as C
    from ansible.plugins import loader

    for _ in loader.callback_loader.all(class_only=True):
        pass
    for plugin_loader, names in [
        (loader.inventory_loader, C.INVENTORY_ENABLED),
        (loader.connection_loader, ["local", "ssh"]),
        (loader.shell_loader, ["sh"]),
        (loader.become_loader, ["sudo", "su"]),
        (loader.cache_loader, ["memory"]),
    ]:
        for name in names:
            try:
                plugin_loader.get(name, class_only=True)
            except Exception:
                pass


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
    if os.environ.get("ROLLER_BATCH_WARM", "1") == "1":
        warm_up()
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
