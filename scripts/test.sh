#!/usr/bin/env bash
# The README's test command: install, build, check layering, run the whole CTest
# suite (unit, golden, integration, e2e). The output ends with CTest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh dev
bash scripts/check_layers.sh
cd build/dev
# CTest prints the lists of skipped and failed tests after its summary line; the summary
# is repeated last so that the output ends with it.
set +e
ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@" 2>&1 | tee ctest-output.log
rc=${PIPESTATUS[0]}
grep -E '^[0-9]+% tests passed' ctest-output.log | tail -n 1
exit "$rc"
