#!/usr/bin/env python3
"""Where a playbook run's time went, from a stamped output of tests/bench/measure.py.

    breakdown.py OUT_FILE [HOST_DIR...]

Prints one line per task name, longest first: the summed time from its `TASK [...]` header
to the next header (or the recap) over the whole run, and with HOST_DIRs how much of it
the physical waits (waits.py: outages, systemctl on the hosts) covered and the rest, the
tool's own time. All in ms.
"""
import sys

from waits import clip, intervals, union_length


def main():
    spans, task, since = [], None, None
    with open(sys.argv[1]) as f:
        for line in f:
            stamp, _, text = line.rstrip("\n").partition(" ")
            if text.startswith(("TASK [", "PLAY [", "PLAY RECAP")):
                if task is not None:
                    spans.append((task, since, int(stamp)))
                task = text.rstrip("* ") if text.startswith("TASK [") else None
                since = int(stamp)
    waits = []
    if spans and len(sys.argv) > 2:
        outages, service = intervals(spans[0][1], spans[-1][2], sys.argv[2:])
        waits = outages + service
    totals = {}
    for name, a, b in spans:
        t = totals.setdefault(name, [0, 0])
        t[0] += b - a
        t[1] += union_length(clip(waits, a, b))
    print(f"{'total':>8} {'waits':>8} {'tool':>8}  task (ms, summed over the run)")
    for name, (total, waited) in sorted(totals.items(), key=lambda kv: -(kv[1][0] - kv[1][1])):
        print(f"{total:8d} {waited:8d} {total - waited:8d}  {name}")


if __name__ == "__main__":
    main()
