#!/usr/bin/env bash
# Installs Debian's prometheus-alertmanager package (Alertmanager 0.25 on bookworm, binary
# /usr/bin/prometheus-alertmanager) when it is missing: the real peer of the Alertmanager channel's
# tests. Does not start Debian's service: test/support/alertmanager.ts starts a private one per test
# on free ports.
set -euo pipefail
command -v prometheus-alertmanager >/dev/null 2>&1 && exit 0
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing prometheus-alertmanager from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
# Keep the package's own service from starting: invoke-rc.d asks /usr/sbin/policy-rc.d, and exit
# status 101 means "action forbidden" (README.policy-rc.d of init-system-helpers). Only when the
# machine has no policy of its own, and only for this install.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  own_policy=1
fi
cleanup() { [[ -z $own_policy ]] || $sudo rm -f "$policy"; }
trap cleanup EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
