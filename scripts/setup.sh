#!/usr/bin/env bash
# scripts/setup.sh [--fuzz] [--packages | TARGET...]: installs what cphfleet needs (Debian 12 packages;
# promtool, node_exporter and chromium only for the tests that check the metrics and the HTML report)
# and builds it into build/ (Release): the given targets, or everything (the tests too). --packages only
# installs. --fuzz also installs clang 16 with libFuzzer and its symbolizer (scripts/fuzz.sh).
# Idempotent: installs only what is missing, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config openssl
          libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
          libtomlplusplus-dev libfmt-dev libgtest-dev libssl-dev libcli11-dev clang-format
          prometheus prometheus-node-exporter chromium systemd man-db python3-yaml zsh)
# prometheus (promtool), prometheus-node-exporter and chromium are for the tests of the metrics and the
# HTML report; systemd (systemd-analyze verify), man-db (man -l), python3-yaml (the CronJob's YAML) and
# zsh (zsh -n on its completion script) for the tests of deploy/, the man page and the completions; none
# of them needs a running service.
packages_only=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --packages) packages_only=1 ;;
    --fuzz) packages+=(clang-16 libclang-rt-16-dev llvm-16) ;;
    *) targets+=(--target "$arg") ;;
  esac
done
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

[ "$packages_only" -eq 1 ] && exit 0

build_dir=${CPHFLEET_BUILD_DIR:-build}
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CPHFLEET_CMAKE_ARGS:-} >&2
fi
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}" >&2
