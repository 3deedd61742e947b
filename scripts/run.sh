#!/usr/bin/env bash
# The README's main-job command: install what is missing, build, then run the whole
# research loop (ideas -> novelty -> experiments -> plots -> notes -> paper -> review)
# on the fast numpy template with two ideas. No LLM is reachable offline, so the model
# replies come from the scripted cassette cassettes/numpy_fast/cassette.jsonl (written
# by the scientist developers, replayed by (idea, stage, role, turn)); experiments,
# LaTeX, the citation library and review parsing are all real. Idempotent: every run
# writes a new results/demo-<time>/ batch.
#
# To run live instead: set OPENAI_API_KEY (or ANTHROPIC_API_KEY, or --base-url for a
# local server) and drop --replay, e.g.
#   build/dev/bin/scientist run --template templates/numpy_fast --num-ideas 2 --model gpt-4o
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh dev
BIN=build/dev/bin/scientist
RESULTS="results/demo-$(date +%Y%m%d_%H%M%S)"
echo "run: replaying the scripted cassette (no provider is called); results in $RESULTS"
"$BIN" --config cassettes/numpy_fast/scientist.toml run \
  --template templates/numpy_fast --num-ideas 2 \
  --replay cassettes/numpy_fast/cassette.jsonl --engine local \
  --results "$RESULTS" "$@"
"$BIN" status "$RESULTS"
