#!/usr/bin/env bash
# The README's main-job command: install, build, pre-flight (doctor), then run the
# research loop on the fast template. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh dev
BIN=build/dev/bin/scientist
"$BIN" --help
"$BIN" doctor
