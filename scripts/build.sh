#!/usr/bin/env bash
# Installs missing Debian packages, then configures and builds scientist with the
# given CMake preset (default: dev). Idempotent; needs neither git nor .git.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${1:-dev}"
bash scripts/install_deps.sh
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET" -j "$(nproc)"
