#!/usr/bin/env python3
"""Runs one command for tests/bench/run and measures it.

    measure.py PREFIX [--tree] -- COMMAND...

Writes PREFIX.out (each stdout line as "MILLISECONDS LINE", stamped when it arrives: the
tools print a task's result when they have it) and PREFIX.err, and prints one line

    wall=SECONDS cpu=SECONDS rc=CODE maxrss_kb=KB [tree_pss_kb=KB]

wall is from spawn to exit (monotonic clock); cpu the user + system time of the command and
the descendants it waited for (not its ssh masters, which outlive it); maxrss_kb is the command's peak resident set
from wait4 (the largest of the process and the descendants it waited for, not a sum);
with --tree, tree_pss_kb is the peak over samples every 50 ms of the summed PSS of the
command and all its descendants (shared pages counted once), which costs CPU, so the
benchmark takes it in a run of its own.
"""
import os
import subprocess
import sys
import threading
import time


def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    args = sys.argv[1:]
    prefix = args.pop(0)
    tree = False
    while args and args[0] != "--":
        if args.pop(0) == "--tree":
            tree = True
    command = args[1:]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(prefix + ".err", "wb") as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env
        )
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.wait(0.05):
                total = sum(pss_kb(p) for p in descendants(proc.pid))
                peak[0] = max(peak[0], total)

        sampler = threading.Thread(target=sample, daemon=True)
        if tree:
            sampler.start()
        with open(prefix + ".out", "w") as out:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                out.write(f"{time.time_ns() // 1_000_000} {line}\n")
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
    cpu = usage.ru_utime + usage.ru_stime
    result = f"wall={wall:.4f} cpu={cpu:.4f} rc={proc.returncode} maxrss_kb={usage.ru_maxrss}"
    if tree:
        sampler.join()
        result += f" tree_pss_kb={peak[0]}"
    print(result)


if __name__ == "__main__":
    main()
