#!/usr/bin/env bash
# Installs Debian's influxdb package (InfluxDB 1.x, `influxd`) when it is missing, and, for the
# v2-write-path tests, Debian's victoria-metrics when asked with --with-victoria-metrics.
# Does not start the services: app/local-influxd.ts starts a private influxd per run.
set -euo pipefail
packages=()
command -v influxd >/dev/null 2>&1 || packages+=(influxdb)
if [[ "${1:-}" == "--with-victoria-metrics" ]]; then
  command -v victoria-metrics >/dev/null 2>&1 || packages+=(victoria-metrics)
fi
[[ ${#packages[@]} -eq 0 ]] && exit 0
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "installing ${packages[*]} from Debian's packages" >&2
# Keep the package's own service from starting: Clearwater runs influxd itself on a free port.
export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
