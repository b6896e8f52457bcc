#!/usr/bin/env bash
# Installs the validators the report tests (tests/reports.rs) check roller's files with,
# into target/report-tools/ (idempotent, safe to run from several test processes at once):
# - junit-10.xsd, the JUnit schema of Jenkins' xUnit plugin, as pytest's source
#   distribution on PyPI ships it (pytest validates its own JUnit XML against it), and
#   xmlschema (PyPI) into the repo's venv to validate against it;
# - promtool from Debian's prometheus package (`promtool check metrics`), unpacked from the
#   .deb without installing the package (no Prometheus server, no service).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$repo/target/report-tools"
pytest_version="8.4.2"
xmlschema_version="4.3.2"

bash "$repo/tests/setup_venv.sh"
mkdir -p "$tools"
exec 7>"$tools/.lock"
flock 7
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! "$repo/.venv/bin/python" -c "import importlib.metadata as m, sys
sys.exit(m.version('xmlschema') != '$xmlschema_version')" 2>/dev/null; then
  "$repo/.venv/bin/python" -m pip install --quiet --disable-pip-version-check "xmlschema==$xmlschema_version"
fi

if [ ! -s "$tools/junit-10.xsd" ]; then
  "$repo/.venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
    --no-binary :all: "pytest==$pytest_version" -d "$work"
  tar -xzf "$work/pytest-$pytest_version.tar.gz" -C "$work" \
    "pytest-$pytest_version/testing/example_scripts/junit-10.xsd"
  mv "$work/pytest-$pytest_version/testing/example_scripts/junit-10.xsd" "$tools/junit-10.xsd"
fi

if [ ! -x "$tools/promtool" ]; then
  if ! (cd "$work" && apt-get download prometheus >/dev/null 2>&1); then
    apt-get update -qq
    (cd "$work" && apt-get download prometheus >/dev/null 2>&1)
  fi
  dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -O ./usr/bin/promtool >"$work/promtool"
  chmod +x "$work/promtool"
  mv "$work/promtool" "$tools/promtool"
fi
