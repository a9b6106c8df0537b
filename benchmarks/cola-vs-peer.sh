#!/usr/bin/env bash
# Aggregate COLA training throughput (steps per second over all runs) of Hybrid, runs batched, against the
# PyTorch peer shared/peers/cola_train.py, runs one after another, on the same game, alpha and number of runs.
# COLA training evaluates the IPD by its closed-form value (ColaTrainer; the linear solve's numbers to round-off).
# Usage: benchmarks/cola-vs-peer.sh [ROUNDS]   (needs python3-torch and a Release build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$root/../shared/peers}
rounds=${1:-2}
for spec in "tandem 1 2000 10000 -" "ipd 1 300 3000 -"; do
  set -- $spec   # game alpha peer-steps hybrid-steps ipd-value
  value=(); label=$1
  if [ "$5" != "-" ]; then value=(--ipd-value "$5"); label="$1/$5"; fi
  for round in $(seq "$rounds"); do
    peer=$(cd "$peers" && /usr/bin/python3 cola_train.py "$1" "$2" "$3" 10 | grep -o '[0-9]* steps/s' | cut -d' ' -f1)
    ours=$(dotnet "$root/artifacts/bin/Release/hybrid.dll" bench cola --game "$1" "${value[@]}" --alpha "$2" --steps "$4" --runs 10 | grep -o '[0-9]* steps/s' | cut -d' ' -f1)
    printf '%-16s alpha=%s runs=10 round=%s  peer %6s steps/s (%s steps each)  hybrid %6s steps/s (%s steps each)  ratio %.1f\n' \
      "$label" "$2" "$round" "$peer" "$3" "$ours" "$4" "$(echo "$ours / $peer" | bc -l)"
  done
done
