#!/usr/bin/env python3
"""Prints the benchmark table of tests/bench/run from its results file.

    table.py RESULTS

RESULTS has one sample per line, "MEASURE TOOL VALUE" (tool: ansible or roller), and
"# KEY: TEXT" lines (machine, tools, command) printed under the table ("##" comments). Each cell is the
median of the samples; a goal is met or not on the medians.
"""
import statistics
import sys


def load(path):
    samples, meta = {}, []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.startswith("##"):  # a comment
                continue
            if line.startswith("#"):
                meta.append(line.lstrip("# "))
                continue
            measure, tool, value = line.split()
            samples.setdefault((measure, tool), []).append(float(value))
    return samples, meta


def median(samples, measure, tool):
    values = samples.get((measure, tool))
    return statistics.median(values) if values else None


def fmt(value, unit, digits=2):
    return "–" if value is None else f"{value:.{digits}f} {unit}"


def verdict(ok):
    if ok is None:
        return "not run"
    return "**met**" if ok else "**not met**"


def rows(s):
    m = lambda measure, tool: median(s, measure, tool)  # noqa: E731

    a, r = m("overhead_ms", "ansible"), m("overhead_ms", "roller")
    ratio = a / r if a is not None and r else None
    yield (
        "per host-task overhead: 3 hosts × 50 `command: true`, serial 1",
        fmt(a, "ms", 1),
        fmt(r, "ms", 2),
        "roller ≥ 50× faster",
        None if ratio is None else f"{ratio:.0f}× — {verdict(ratio >= 50)}",
    )

    def roll(tool):
        wall, pct = m("roll_wall_s", tool), m("roll_above_pct", tool)
        if wall is None:
            return "–"
        return (
            f"{wall:.1f} s: outages {m('roll_outage_s', tool):.1f} s + service manager "
            f"{m('roll_service_s', tool):.1f} s + {m('roll_above_s', tool):.2f} s above the "
            f"waits ({pct:.1f} %)"
        )

    pct = m("roll_above_pct", "roller")
    yield (
        "full 3-host roll (stop, update, reboot with a 3 s outage, start, health)",
        roll("ansible"),
        roll("roller"),
        "roller's time above the physical waits (outages, systemctl on the hosts) ≤ 5 %",
        verdict(None if pct is None else pct <= 5),
    )

    r = m("reboot_notice_s", "roller")
    yield (
        "reboot back → next step (sshd accepting → the tool has the reboot's result)",
        fmt(m("reboot_notice_s", "ansible"), "s"),
        fmt(r, "s"),
        "≤ 1 s",
        verdict(None if r is None else r <= 1),
    )

    r = m("isr_health_s", "roller")
    yield (
        "broker back in ISR → health ok",
        "n/a (no Kafka health check)",
        fmt(r, "s"),
        "≤ 1 s",
        verdict(None if r is None else r <= 1),
    )

    def with_cpu(measure, tool, digits):
        wall, cpu = m(measure, tool), m(measure.replace("_s", "_cpu_s"), tool)
        if wall is None or cpu is None:
            return fmt(wall, "s", digits)
        return f"{wall:.{digits}f} s (CPU {cpu:.{digits}f} s)"

    r = m("inventory_s", "roller")
    yield (
        "`inventory --list` on the 93 cp-ansible samples (one process per file)",
        with_cpu("inventory_s", "ansible", 2),
        with_cpu("inventory_s", "roller", 3),
        "roller < 1 s total",
        verdict(None if r is None else r < 1),
    )

    def fan(tool):
        wall = m("fanout_wall_s", tool)
        if wall is None:
            return "–"
        text = f"{wall:.2f} s (CPU {m('fanout_cpu_s', tool):.2f} s), {m('fanout_rss_mb', tool):.0f} MB peak RSS"
        tree = m("fanout_tree_mb", tool)
        if tree is not None:
            text += f" ({tree:.0f} MB PSS with its ssh processes)"
        return text

    wall, rss = m("fanout_wall_s", "roller"), m("fanout_rss_mb", "roller")
    yield (
        "fan-out: 100 lab hosts, forks 100, one `command` task",
        fan("ansible"),
        fan("roller"),
        "roller ≤ 2 s, < 100 MB",
        verdict(None if wall is None else wall <= 2 and rss < 100),
    )


def main():
    samples, meta = load(sys.argv[1])
    print("| measure | Ansible | roller | goal | result |")
    print("|---|---|---|---|---|")
    for measure, ansible, roller, goal, result in rows(samples):
        print(f"| {measure} | {ansible} | {roller} | {goal} | {result or 'not run'} |")
    if meta:
        print()
        for line in meta:
            print(f"- {line}")


if __name__ == "__main__":
    main()
