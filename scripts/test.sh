#!/usr/bin/env bash
# scripts/test.sh: set up and build when needed, then run every test through ctest.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
cd "$root/${CPHFLEET_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
