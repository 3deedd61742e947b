#!/usr/bin/env bash
# Benchmark: wall time of each shipped template's baseline (experiment.py -> run_0, then
# plot.py), run for real in the sandbox by `scientist template baseline --force`, and
# the headline metrics it produced. Prints one row per template; numbers are this
# machine's (note its cores). Usage: bench/template_baselines.sh [TEMPLATE...]
# (default: all of templates/). The heavy torch templates take minutes each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh dev >/dev/null
BIN=build/dev/bin/scientist
templates=("$@")
[ ${#templates[@]} -gt 0 ] || templates=(templates/*/)
echo "machine: $(nproc) CPU cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-16s %12s %10s %10s\n' template experiment_s plot_s total_s
for t in "${templates[@]}"; do
  t=${t%/}
  start=$(date +%s.%N)
  if ! "$BIN" template baseline "$t" --force >"/tmp/bench_baseline_$(basename "$t").log" 2>&1; then
    printf '%-16s failed: see /tmp/bench_baseline_%s.log\n' "$(basename "$t")" "$(basename "$t")"
    continue
  fi
  end=$(date +%s.%N)
  /usr/bin/python3 - "$t" "$start" "$end" <<'PY'
import json, os, sys
t, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
b = json.load(open(os.path.join(t, "run_0", "baseline.json")))
print(f"{os.path.basename(t):16s} {b['run_wall_s']:12.1f} {b['plot_wall_s']:10.1f} {end - start:10.1f}")
PY
done
