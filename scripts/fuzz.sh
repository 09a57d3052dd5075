#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: fuzzes every parser of outside input (tests/fuzz/<name>_fuzz.cpp) for
# SECONDS each (default 60), with libFuzzer, ASan and UBSan. Installs clang 16 when missing and builds
# into build-fuzz/. Each target starts from a copy of its seed corpus (tests/fuzz/corpus/<name>/, never
# grown by a run). A crash, a hang, a sanitizer report or an escaped exception is kept with its log in
# build-fuzz/findings/<name>/ and fails the script; it then becomes a regression test and a seed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]  (seconds per target, a positive integer)" >&2
  exit 2
fi

scripts/setup.sh --fuzz --packages
build_dir=${CPHFLEET_FUZZ_BUILD_DIR:-build-fuzz}
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS=-O1 -DCPHFLEET_FUZZ=ON -DCPHFLEET_TESTS=OFF >&2
fi
cmake --build "$build_dir" -j "$(nproc)" --target cphfleet_fuzz >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-16
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=0
for corpus in tests/fuzz/corpus/*/; do
  name=$(basename "$corpus")
  findings="$build_dir/findings/$name"
  mkdir -p "$findings"
  cp -r "$corpus" "$work/$name"
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
  log="$work/$name.log"
  # -timeout: no input of a few KB takes a second to read; -rss_limit_mb: nor 1 GiB of memory.
  if "$build_dir/tests/fuzz/${name}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$findings/" "${dict[@]}" "$work/$name" >"$log" 2>&1; then
    runs=$(grep -o '^stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $name: $runs runs in ${seconds}s, nothing found"
  else
    failed=1
    runs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#' || true)
    what=$(grep -m 1 -E '^==[0-9]+==ERROR|runtime error:|^==[0-9]+== ERROR|terminate called|ALARM|out-of-memory|deadly signal' "$log" || echo "see the log")
    input=$(grep -o "Test unit written to .*" "$log" | tail -n 1 | sed 's/Test unit written to //' || true)
    cp "$log" "$findings/$name.log"
    echo "fuzz: $name: FOUND after ${runs:-?} runs: $what"
    echo "fuzz: $name: input ${input:-(none written)}, log $findings/$name.log"
  fi
done
exit "$failed"
