# Faults that Kafka operations teams induce in stress tests. Each one is undone by
# `lab heal HOST [KIND]`, by its own timer (`--for SECONDS`, default 60), and by `lab down`.

fault_default_seconds=60

# Arms a timer that heals fault KIND on HOST after SECONDS; a new fault replaces the timer.
fault_timer() { # HOST KIND SECONDS
  local f; f="$lab_dir/faults/$(host_fqdn "$1").$2.timer"
  fault_timer_cancel "$1" "$2"
  mkdir -p "$lab_dir/faults"
  LAB_DIR="$lab_dir" setsid bash -c "sleep $3; rm -f '$f'; exec '$lab_tools/lab' heal '$1' '$2'" \
    </dev/null 7>&- >>"$lab_dir/faults/timers.log" 2>&1 &
  echo $! >"$f"
}

fault_timer_cancel() { # HOST KIND
  local f; f="$lab_dir/faults/$(host_fqdn "$1").$2.timer"
  stop_group "$f"
  rm -f "$f"
}

fault_delay() { # HOST DELAY (e.g. 200ms, 1.5s)
  local seconds ns pidfile
  case "$2" in
    *ms) seconds="$(awk -v v="${2%ms}" 'BEGIN { print v / 1000 }')" ;;
    *s) seconds="${2%s}" ;;
    *) seconds="" ;;
  esac
  [[ "$seconds" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "delay: expected a time such as 200ms, got '$2'"
  heal_delay "$1"
  ns="$(host_netns "$1")"
  pidfile="$(host_dir "$1")/faults/delay"
  # Every packet the host sends waits DELAY in host/delayer.py (this kernel has no
  # sch_netem; see docs/lab.md), so each round trip to the host takes DELAY longer.
  local python=/usr/bin/python3 ready="$pidfile.ready"
  [ -x "$python" ] || python=python3
  ip netns exec "$ns" setsid "$python" "$lab_tools/host/delayer.py" "$seconds" "$ready" \
    </dev/null 7>&- >>"$(host_dir "$1")/var-log/delayer.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.05; done
  [ -e "$ready" ] || die "delay: the delayer did not start (see $(host_dir "$1")/var-log/delayer.log)"
  ip netns exec "$ns" iptables -A OUTPUT -j NFQUEUE --queue-num 0 --queue-bypass
}
heal_delay() {
  local ns pidfile; ns="$(host_netns "$1")"; pidfile="$(host_dir "$1")/faults/delay"
  ip netns exec "$ns" iptables -F OUTPUT 2>/dev/null
  [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  rm -f "$pidfile" "$pidfile.ready"
  return 0
}

# A cut host keeps running but nothing reaches it, nor leaves it: its cable is pulled.
fault_cut() { ip link set "$(host_veth "$1")" down; }
heal_cut() { ip link set "$(host_veth "$1")" up 2>/dev/null; return 0; }

# sshd and its sessions die and stay dead until healed; the host and its units keep running.
fault_kill_sshd() {
  touch "$(host_dir "$1")/faults/sshd-killed"
  local init; init="$(host_init_pid "$1")" || return 0
  pkill -KILL --ns "$init" --nslist pid -x sshd || true
}
heal_kill_sshd() { rm -f "$(host_dir "$1")/faults/sshd-killed"; }

# The host's next reboot goes down and does not come back until healed.
fault_hang_reboot() { touch "$(host_dir "$1")/faults/hang-reboot"; }
heal_hang_reboot() { rm -f "$(host_dir "$1")/faults/hang-reboot"; }

# The broker's next start leaves it out of the in-sync replicas (see docs/lab.md).
fault_unhealthy() {
  [ -s "$(host_dir "$1")/broker_id" ] || die "unhealthy: $1 is not a broker"
  touch "$(host_dir "$1")/faults/unhealthy"
}
heal_unhealthy() {
  local d; d="$(host_dir "$1")"
  rm -f "$d/faults/unhealthy"
  # A broker held out by the fault catches up now, if its service runs.
  [ -s "$d/broker_id" ] && "$lab_tools/host/kafka-ctl" heal "$(cat "$d/broker_id")"
  return 0
}

fault_kinds="delay cut kill-sshd hang-reboot unhealthy"

fault_heal() { # HOST [KIND]
  local kind
  for kind in ${2:-$fault_kinds}; do
    case " $fault_kinds " in *" $kind "*) ;; *) die "heal: unknown fault '$kind' ($fault_kinds)" ;; esac
    fault_timer_cancel "$1" "$kind"
    "heal_${kind//-/_}" "$1"
  done
}
