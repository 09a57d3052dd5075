#!/usr/bin/env bash
# scripts/bench.sh [cphfleet_bench options]: builds cphfleet and the benchmark driver (Release), then
# runs the performance scenarios of README "Performance" against `cphfleet emulator` on 127.0.0.1 and
# prints one table of figures against their goals. Not part of CI; about a minute on 2 cores once built.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build_dir=${CPHFLEET_BUILD_DIR:-build}
command -v openssl >/dev/null || { echo "bench: needs the openssl command (TLS scenario)" >&2; exit 2; }
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CPHFLEET_CMAKE_ARGS:-} >&2
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
if [ "$build_type" != "Release" ]; then
  echo "bench: $build_dir is a '$build_type' build; figures are only meaningful for Release" >&2
fi
# Only what the bench runs: the test binary is not needed.
cmake --build "$build_dir" --target cphfleet cphfleet_bench -j "$(nproc)" >&2
exec "$build_dir/cphfleet_bench" --binary "$build_dir/cphfleet" "$@"
