#!/bin/sh
# Lab conformance (06_transfer.yml): writes its arguments into /srv and reports.
printf '%s\n' "$@" > /srv/script-marker
echo "wrote $# args on $(hostname)"
echo "a warning" >&2
pwd
