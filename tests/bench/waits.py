#!/usr/bin/env python3
"""The physical waits of one benchmark run, from the lab hosts' event logs.

    waits.py FROM_MS TO_MS HOST_DIR...

Prints "physical_s=S outage_s=S service_s=S": the wall-clock time within [FROM, TO] during
which some host was out (from its power request to sshd up again) or its service manager
was running (systemctl, from begin to end as recorded on the host), each instant counted
once; outage_s is the part covered by outages, service_s the rest.
"""
import sys


def union_length(intervals):
    total, end = 0, None
    for a, b in sorted(intervals):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total


def intervals(start, stop, host_dirs):
    """(outages, service manager runs) within [start, stop], as (from_ms, to_ms) lists."""
    outages, service = [], []
    for host_dir in host_dirs:
        requested, begun = None, {}
        with open(f"{host_dir}/events") as f:
            for line in f:
                words = line.split()
                if len(words) < 2 or not start <= int(words[0]) <= stop:
                    continue
                at, event = int(words[0]), words[1]
                if event == "power-request":
                    requested = at
                elif event == "up" and requested is not None:
                    outages.append((requested, at))
                    requested = None
                elif event == "systemctl-begin":
                    begun[words[2]] = at
                elif event == "systemctl-end" and words[2] in begun:
                    service.append((begun.pop(words[2]), at))
    return outages, service


def clip(spans, start, stop):
    return [(max(a, start), min(b, stop)) for a, b in spans if b > start and a < stop]


def main():
    outages, service = intervals(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
    outage = union_length(outages)
    physical = union_length(outages + service)
    print(f"physical_s={physical / 1000} outage_s={outage / 1000} service_s={(physical - outage) / 1000}")


if __name__ == "__main__":
    main()
