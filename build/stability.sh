#!/usr/bin/env bash
# Runs the CI job (.ci/run: the README's test command and the notebooks in fast mode) N times in a row from one
# fresh clone of this repository's HEAD, and reports each run. A native crash (the libtorch Scalar-lifetime aborts,
# "Unknown scalar type", SIGSEGV) or any failing test fails the run; the script exits 1 if any run failed.
# usage: build/stability.sh [N=10] [log directory]
set -uo pipefail
runs=${1:-10}
logs=${2:-$(mktemp -d)}
mkdir -p "$logs"
repo=$(cd "$(dirname "$0")/.." && pwd)
clone=$(mktemp -d)/hybrid
git clone --quiet "$repo" "$clone"
echo "commit $(git -C "$clone" rev-parse --short HEAD), $runs runs, logs in $logs"
failed=0
for k in $(seq 1 "$runs"); do
  start=$(date +%s)
  if (cd "$clone" && bash .ci/run) > "$logs/run-$k.log" 2>&1; then status=passed; else status=FAILED; failed=$((failed + 1)); fi
  summary=$(grep -E '^tests: ' "$logs/run-$k.log" | tail -1)
  crashes=$(grep -cE 'Unknown scalar type|Expected false to be true|Segmentation fault|core dumped|Test host process crashed|The active test run was aborted' "$logs/run-$k.log")
  echo "run $k: $status in $(( $(date +%s) - start )) s; ${summary:-no summary}; native crash messages: $crashes"
done
echo "$((runs - failed)) of $runs runs passed"
rm -rf "$(dirname "$clone")"
[ "$failed" -eq 0 ]
