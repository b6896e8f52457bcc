#!/usr/bin/env bash
# Install the reference implementation (ansible-core from PyPI) into .venv/ in the repo.
# Idempotent and safe to call from several test processes at once.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"
ansible_version="2.19.14"
mkdir -p "$repo/target"
exec 9>"$repo/target/.venv.lock"
flock 9
if [ -x "$venv/bin/ansible-inventory" ] && "$venv/bin/python" -c "import ansible.release as r, sys; sys.exit(r.__version__ != '$ansible_version')" 2>/dev/null; then
  exit 0
fi
if ! python3 -m venv "$venv" 2>/dev/null; then
  # Debian's python3 needs its venv module from a separate package.
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "ansible-core==$ansible_version"
