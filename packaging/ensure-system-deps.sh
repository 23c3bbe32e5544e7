#!/usr/bin/env bash
# Installs the Debian/Ubuntu libraries Qt needs (and fonts, so text is not empty boxes).
# As root it installs what is missing; otherwise it prints the exact apt line and stops.
# Usage: ensure-system-deps.sh [extra-package ...]
set -euo pipefail

packages=(libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-shape0 fontconfig fonts-dejavu-core "$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian/Ubuntu system: install Qt's runtime libraries with your package manager." >&2
  exit 0
fi

python_bin=${PYTHON:-python3}
if ! "$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv python3-pip)
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "cvcdesk needs these system packages first. Run:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
$line -qq
