#!/usr/bin/env bash
# Installs the Debian packages the tests use as real peers, when missing, and starts none of
# their services (the tests start private ones on free ports):
# - chromium with a CJK font (fonts-wqy-zenhei): the acknowledgement page and the console in a
#   real browser, driven by playwright-core, with Chinese legible in screenshots;
# - prometheus-alertmanager (Alertmanager 0.25 on bookworm): the Alertmanager channel's peer.
set -euo pipefail
packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]] || packages+=(fonts-wqy-zenhei)
command -v prometheus-alertmanager >/dev/null 2>&1 || packages+=(prometheus-alertmanager)
[[ ${#packages[@]} -eq 0 ]] && exit 0
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing ${packages[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
# Keep a package's own service from starting: invoke-rc.d asks /usr/sbin/policy-rc.d, and exit
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
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
