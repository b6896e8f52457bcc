# Shared definitions for the lab scripts: where things live and what the hosts are called.
# Sourced by tests/lab/lab and by the per-host scripts; defines no side effects.

lab_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
lab_tools="$lab_repo/tests/lab"
# One lab per machine: the names below (bridge, namespaces) are machine-wide, the state
# directory is where this lab's files live.
lab_dir="${LAB_DIR:-$lab_repo/.lab}"
lab_bridge="rlab-br"
lab_net_prefix="198.18.0"
lab_gateway="$lab_net_prefix.1"
lab_domain="lab.test"
lab_realm="LAB.TEST"
# Serializes lab commands that change machine state (two `lab up` must not interleave). The
# lock is held on fd 7: every daemon the lab starts closes it (7>&-), or it would keep the lock.
lab_cmd_lock="/run/lock/roller-lab.cmd.lock"

log() { printf 'lab: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

now_ms() { date +%s%3N; }

# Host directory of a host given by FQDN or short name (broker1 or broker1.lab.test).
host_fqdn() { local h="$1"; [[ "$h" == *.* ]] || h="$h.$lab_domain"; printf '%s' "$h"; }
host_dir() { printf '%s/hosts/%s' "$lab_dir" "$(host_fqdn "$1")"; }
host_addr() { cat "$(host_dir "$1")/addr"; }
host_netns() { cat "$(host_dir "$1")/netns"; }
host_veth() { cat "$(host_dir "$1")/netns"; } # the bridge side of a host's veth has its netns name

# All hosts of the running lab, one FQDN per line, in creation order.
lab_hosts() { [ -f "$lab_dir/hosts.list" ] && cat "$lab_dir/hosts.list"; return 0; }

require_host() {
  local d; d="$(host_dir "$1")"
  [ -f "$d/addr" ] || die "no such lab host: $1 (hosts: $(lab_hosts | tr '\n' ' '))"
}

# PID (in the jumphost's view) of a host's init, the process whose PID namespace is the host.
host_init_pid() {
  local f; f="$(host_dir "$1")/init.pid"
  [ -s "$f" ] && alive "$(cat "$f")" && cat "$f"
}

lab_setting() { # lab_setting NAME DEFAULT
  local f="$lab_dir/settings/$1"
  if [ -s "$f" ]; then cat "$f"; else printf '%s' "$2"; fi
}

# Whether PID runs. A zombie does not: the lab's daemons are orphans, reaped whenever the
# machine's init gets to it, and `kill -0` succeeds on a zombie.
alive() { # PID
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# Stops the process group of a daemon the lab started with setsid (PID = group leader):
# TERM, a moment to exit, then KILL. Its children (e.g. a timer's sleep) go with it.
stop_group() { # PIDFILE
  local pid
  [ -s "$1" ] || return 0
  pid="$(cat "$1")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 40); do alive "$pid" || return 0; sleep 0.05; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  return 0
}
