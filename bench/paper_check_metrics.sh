#!/usr/bin/env bash
# Benchmark: `scientist paper check` on an idea whose run_0/final_info.json reports N
# metrics (one dataset), for N = 10k, 20k, 50k, 100k (or the counts given), with a short
# paper quoting a few of them. Prints the wall time of each check; a check that runs
# past BENCH_TIMEOUT_S (default 300) is printed as such. SCIENTIST_BIN=PATH measures
# that binary instead of building and measuring the dev tree's (e.g. an older build, for
# a before/after comparison). Usage: bench/paper_check_metrics.sh [N...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SCIENTIST_BIN:-}" ]; then
  bash scripts/build.sh dev >/dev/null
fi
BIN=${SCIENTIST_BIN:-$PWD/build/dev/bin/scientist}
OUT=$(mktemp -d /tmp/bench_paper_check.XXXXXX)
timeout_s=${BENCH_TIMEOUT_S:-300}
keep=0
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10000 20000 50000 100000)
printf '%10s %12s %s\n' metrics check_s result
for n in "${counts[@]}"; do
  idea="$OUT/idea_$n"
  mkdir -p "$idea/run_0" "$idea/latex"
  /usr/bin/python3 - "$idea" "$n" <<'PY'
import json, os, sys
idea, n = sys.argv[1], int(sys.argv[2])
means = {f"metric_{i}": round(0.5 + (i % 997) / 2000.0, 6) for i in range(n)}
json.dump({"bench": {"means": means}}, open(os.path.join(idea, "run_0", "final_info.json"), "w"))
open(os.path.join(idea, "latex", "template.tex"), "w").write(
    "\\documentclass{article}\n\\begin{document}\n"
    "Our method reaches 0.5005 on the first metric and 0.9975 on another.\n"
    "Over 12 settings the mean is 0.73 and the gain is 4.2\\%.\n"
    "\\end{document}\n")
PY
  start=$(date +%s.%N)
  set +e
  timeout "$timeout_s" "$BIN" paper check "$idea" >"$OUT/check_$n.log" 2>&1
  rc=$?
  set -e
  end=$(date +%s.%N)
  case $rc in
    0|1) result="exit $rc ($(tail -1 "$OUT/check_$n.log"))" ;;
    124) result="timed out after ${timeout_s} s" ;;
    *) result="exit $rc (see $OUT/check_$n.log)"; keep=1 ;;
  esac
  printf '%10d %12.2f %s\n' "$n" "$(echo "$end - $start" | bc)" "$result"
done
[ "$keep" = 1 ] || rm -rf "$OUT"
