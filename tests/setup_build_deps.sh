#!/usr/bin/env bash
# The system packages roller's build needs (as root, on Debian): librdkafka is compiled
# from source with OpenSSL and Cyrus SASL (Kerberos/GSSAPI), docs/decisions/rdkafka.md.
# GSSAPI at run time also needs the SASL GSSAPI plugin. Installs only what is missing;
# without root it only says what to install.
set -euo pipefail

packages=(gcc make pkg-config libssl-dev libsasl2-dev libsasl2-modules-gssapi-mit)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "roller's build needs: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
