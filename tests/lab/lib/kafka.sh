# The lab's Kafka: roller-lab-kafka (tests/lab/kafka/) runs librdkafka's mock cluster with one
# broker per lab broker host on loopback; the hosts' confluent-server units drive it through
# a control socket. See docs/lab.md for how broker state shows in metadata.

kafka_bin_built() { printf '%s/target/debug/roller-lab-kafka' "$lab_repo"; }

# Uses LAB_KAFKA_BIN (the test suite passes the binary cargo built) or builds it.
kafka_build() {
  if [ -n "${LAB_KAFKA_BIN:-}" ]; then
    [ -x "$LAB_KAFKA_BIN" ] || die "LAB_KAFKA_BIN=$LAB_KAFKA_BIN is not executable"
    return 0
  fi
  (cd "$lab_repo" && cargo build --quiet --features lab --bin roller-lab-kafka)
}

kafka_up() { # one mock broker per broker host, with the host's broker.id
  local d="$lab_dir/kafka" bin="${LAB_KAFKA_BIN:-$(kafka_bin_built)}" ids="" h
  for h in $(lab_hosts); do
    [ -s "$(host_dir "$h")/broker_id" ] && ids="$ids${ids:+,}$(cat "$(host_dir "$h")/broker_id")"
  done
  mkdir -p "$d"
  # A copy, so that rebuilding roller never pulls the binary from under a running lab.
  cp "$bin" "$d/roller-lab-kafka"
  setsid "$d/roller-lab-kafka" serve --broker-ids "$ids" --dir "$d" \
    --catch-up-ms "$(lab_setting kafka-catch-up-ms 1000)" </dev/null 7>&- >>"$d/kafka.log" 2>&1 &
  echo $! >"$d/pid"
}

kafka_wait() {
  local i
  for i in $(seq 200); do
    [ -s "$lab_dir/kafka/bootstrap" ] && [ -S "$lab_dir/kafka/control.sock" ] && return 0
    kill -0 "$(cat "$lab_dir/kafka/pid")" 2>/dev/null || die "roller-lab-kafka exited: see $lab_dir/kafka/kafka.log"
    sleep 0.05
  done
  die "roller-lab-kafka did not start: see $lab_dir/kafka/kafka.log"
}

kafka_down() {
  stop_group "$lab_dir/kafka/pid"
}
