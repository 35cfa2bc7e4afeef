#!/usr/bin/env bash
# Installs the Debian packages the tests use as real peers, when missing: chromium (the
# acknowledgement page and the console in a real browser, driven by playwright-core) with a CJK
# font (fonts-wqy-zenhei, so Chinese renders in screenshots). Does not start any service.
set -euo pipefail
packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
[[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]] || packages+=(fonts-wqy-zenhei)
[[ ${#packages[@]} -eq 0 ]] && exit 0
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing ${packages[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
