#!/usr/bin/env bash
# scripts/run.sh ARGS...: set up and build when needed, then run build/cphfleet ARGS...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" cphfleet
exec "$root/${CPHFLEET_BUILD_DIR:-build}/cphfleet" "$@"
