#!/usr/bin/env bash
# scripts/setup.sh [--packages | TARGET...]: installs what cphfleet needs (Debian 12 packages) and builds
# it into build/ (Release): the given targets, or everything (the tests too). --packages only installs.
# Idempotent: installs only what is missing, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config openssl
          libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
          libtomlplusplus-dev libfmt-dev libgtest-dev libssl-dev libcli11-dev clang-format)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

[ "${1:-}" = "--packages" ] && exit 0

build_dir=${CPHFLEET_BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CPHFLEET_CMAKE_ARGS:-} >&2
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}" >&2
