#!/usr/bin/env bash
# Run every fuzz target in fuzz/ (`cargo fuzz list`: the playbook loader, the templating, the
# inventory loader, the keytab parser) for a bounded time (FUZZ_SECONDS per target, default 30).
# cargo-fuzz needs nightly's sanitizer flags; RUSTC_BOOTSTRAP lets the machine's stable
# toolchain accept them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"
seconds="${FUZZ_SECONDS:-30}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked --quiet cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
targets="$(cargo fuzz list)"
[ -n "$targets" ] || { echo "fuzz: no targets" >&2; exit 1; }
for target in $targets; do
  mkdir -p "corpus/$target" "artifacts/$target"
  # Work on a copy so the committed seed corpus stays small.
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp -r "corpus/$target/." "$work/"
  cargo fuzz run --sanitizer none "$target" "$work" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 2>&1 | tail -n 3
  rm -rf "$work"
  trap - EXIT
  echo "fuzz: $target ran ${seconds}s without a crash"
done
