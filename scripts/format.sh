#!/usr/bin/env bash
# scripts/format.sh [--check]: formats every C++ file git tracks under src/ and tests/ with clang-format
# and the repository's .clang-format. --check changes nothing: it lists each file clang-format would
# change and exits 1 if there is any (.ci/run runs it before the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
tool=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$tool" ]; then
  echo "format: clang-format is not installed (scripts/setup.sh --packages installs it)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
if [ "${1:-}" = "--check" ]; then
  changed=0
  for f in "${files[@]}"; do
    if ! "$tool" --style=file "$f" | cmp -s - "$f"; then
      echo "format: $f is not formatted (run scripts/format.sh)" >&2
      changed=1
    fi
  done
  [ "$changed" -eq 0 ] && echo "format: ${#files[@]} files formatted as .clang-format says"
  exit "$changed"
fi
"$tool" --style=file -i "${files[@]}"
