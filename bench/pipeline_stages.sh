#!/usr/bin/env bash
# Benchmark: the whole research loop on the fast template, replaying the scripted
# cassette (so LLM replies take no time and what is measured is scientist itself plus
# the real sandboxed runs, plot.py and LaTeX). Prints the batch wall time, the wall
# time of each stage summed over the ideas, and the orchestration overhead (the time
# not spent in experiment runs, plot.py or pdflatex/bibtex). Usage:
# bench/pipeline_stages.sh [--num-ideas N]   (default 2, the cassette's ideas)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh dev >/dev/null
BIN=build/dev/bin/scientist
OUT=$(mktemp -d /tmp/bench_pipeline.XXXXXX)
chmod 755 "$OUT"  # runs use their own uid when scientist runs as root
start=$(date +%s.%N)
"$BIN" --config cassettes/numpy_fast/scientist.toml run --template templates/numpy_fast \
  --num-ideas 2 --replay cassettes/numpy_fast/cassette.jsonl --engine local \
  --results "$OUT/batch" "$@" >"$OUT/run.log" 2>&1
end=$(date +%s.%N)
# One paper rebuilt from scratch (a copy of an idea without its LaTeX build products)
# stands for the LaTeX share of each writeup.
idea=$(ls -d "$OUT"/batch/*/ | head -1)
cp -r "$idea" "$OUT/idea_copy"
rm -f "$OUT"/idea_copy/latex/template.{aux,bbl,blg,fdb_latexmk,fls,log,out,pdf}
latex_start=$(date +%s.%N)
"$BIN" latex build "$OUT/idea_copy/latex" >"$OUT/latex.log" 2>&1
latex_end=$(date +%s.%N)
/usr/bin/python3 - "$OUT/batch" "$start" "$end" "$latex_start" "$latex_end" <<'PY'
import glob, json, os, sys
batch = sys.argv[1]
start, end, latex_start, latex_end = map(float, sys.argv[2:])
summary = json.load(open(os.path.join(batch, "summary.json")))
ideas = summary["ideas"]
stages = {}
for idea in ideas:
    for stage, seconds in idea.get("stage_wall_s", {}).items():
        stages[stage] = stages.get(stage, 0.0) + seconds
runs = sum(json.load(open(p))["wall_s"] for p in glob.glob(os.path.join(batch, "*", "attempts", "run_*", "attempt.json")))
plots = sum(a["wall_s"] for p in glob.glob(os.path.join(batch, "*", "plot_result.json"))
            for a in json.load(open(p))["attempts"] if "wall_s" in a)
latex = (latex_end - latex_start) * len(ideas)
wall = end - start
print(f"batch wall time           {wall:8.2f} s  ({len(ideas)} ideas, {summary['status']})")
print("stage wall time, summed over ideas:")
for stage, seconds in stages.items():
    print(f"  {stage:23s} {seconds:8.2f} s")
print(f"sandboxed experiment runs {runs:8.2f} s")
print(f"sandboxed plot.py         {plots:8.2f} s")
print(f"LaTeX build from scratch  {latex:8.2f} s  ({latex / len(ideas):.2f} s per paper)")
print(f"everything else           {wall - runs - plots - latex:8.2f} s  (orchestration, checks, bookkeeping)")
PY
echo "artifacts: $OUT/batch"
