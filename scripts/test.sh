#!/usr/bin/env bash
# The README's test command: install, build, check layering, run the whole CTest
# suite (unit, golden, integration, e2e). The output ends with CTest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh dev
bash scripts/check_layers.sh
cd build/dev
exec ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@"
