#!/usr/bin/env bash
# Installs the Debian/Ubuntu libraries Qt needs (and fonts, so text is not empty boxes).
# As root it installs what is missing; otherwise it prints the exact apt line and stops.
# Usage: ensure-system-deps.sh [--test] [--package] [extra-package ...]
#   --test     also PostgreSQL, for the tests that run the services on a throwaway server.
#              Those tests are skipped where it is missing, so failing to get it stops nothing.
#   --package  also what PyInstaller needs to build the bundle (binutils; the shared
#              libpython of Debian's Python).
set -euo pipefail

python_bin=${PYTHON:-python3}
optional=()
build=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --test) optional+=(postgresql); shift ;;
    --package)
      build+=(binutils)
      # Debian's own Python keeps its shared library in a separate package.
      if [[ "$("$python_bin" -c 'import sys; print(sys.base_prefix)' 2>/dev/null)" == /usr ]]; then
        build+=("libpython$("$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
      fi
      shift ;;
    *) break ;;
  esac
done

packages=(libegl1 libgl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-shape0 fontconfig fonts-dejavu-core ${build[@]+"${build[@]}"} "$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian/Ubuntu system: install Qt's runtime libraries with your package manager." >&2
  exit 0
fi

if ! "$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv python3-pip)
fi

not_installed() {
  local package status
  for package in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || echo "$package"
  done
}

mapfile -t missing < <(not_installed "${packages[@]}")
mapfile -t missing_optional < <(not_installed ${optional[@]+"${optional[@]}"})
[[ ${#missing[@]} -eq 0 && ${#missing_optional[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  if [[ ${#missing_optional[@]} -gt 0 ]]; then
    echo "Tests that need PostgreSQL will be skipped. To run them too:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing_optional[*]}" >&2
  fi
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "cvcdesk needs these system packages first. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "Installing system packages: ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [[ ${#missing_optional[@]} -gt 0 ]]; then
  echo "Installing for the tests: ${missing_optional[*]}"
  # Debian would start a server of its own on port 5432: the tests start their own instead.
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef \
    -o Dpkg::Options::=--force-confold "${missing_optional[@]}" \
    || echo "Could not install ${missing_optional[*]}: the tests that need it will be skipped." >&2
fi
