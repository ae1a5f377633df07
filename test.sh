#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, then every test project under a virtual display.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# GPU tests run on whatever EGL offers (llvmpipe without a GPU) and fail rather than skip when it offers nothing.
# Window tests need a display: xvfb-run provides one.
status=0
xvfb-run -a -s "-screen 0 1280x800x24" dotnet test Playground.sln -c Release "$@" 2>&1 | tee "$log" || status=$?
# One closing line for the whole suite, summed over the test assemblies.
grep -E "^(Passed|Failed)! +- Failed: " "$log" | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' |
  awk '{f+=$1; p+=$2; s+=$3} END {printf "tests: %d passed, %d failed, %d skipped\n", p, f, s}'
exit "$status"
