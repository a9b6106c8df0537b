#!/usr/bin/env bash
# Shaper (ES) against tabular-PPO co-players in the finite IPD: Hybrid's `shape bench` against the PyTorch peer
# shared/peers/shaper_ipd.py on the same work (P x O x E x outer x inner Shaper steps per generation), in one run.
# The peer pins PyTorch to one thread (as written); Hybrid is measured on one thread and on every core.
# Usage: [SIZES=small] benchmarks/shaper-vs-peer.sh [SMALL_GENERATIONS=5] [LARGE_GENERATIONS=1]   (needs python3-torch and a Release build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$root/../shared/peers}
small_gens=${1:-5}
large_gens=${2:-1}
hybrid="dotnet $root/artifacts/bin/Release/hybrid.dll shape bench"
for size in ${SIZES:-small large}; do   # SIZES=small for the quick one only
  case $size in small) set -- 128 4 2 50 50 "$small_gens" ;; *) set -- 1000 10 2 100 100 "$large_gens" ;; esac  # pop opps envs outer inner generations
  peer=$(cd "$peers" && /usr/bin/python3 shaper_ipd.py "$@" 2>&1 >/dev/null | grep -o '^[0-9]* steps/s' | cut -d' ' -f1)
  # shape bench times the generations after the first (which includes the JIT compilation) when it runs two or more
  one=$($hybrid --pop "$1" --opps "$2" --envs "$3" --outer "$4" --inner "$5" --generations "$6" --threads 1 --json 2>/dev/null | grep -o '"steps_per_second":[0-9.]*' | cut -d: -f2)
  all=$($hybrid --pop "$1" --opps "$2" --envs "$3" --outer "$4" --inner "$5" --generations "$6" --json 2>/dev/null | grep -o '"steps_per_second":[0-9.]*' | cut -d: -f2)
  printf 'P=%s O=%s E=%s %sx%s, %s generations: peer %.3g steps/s (1 thread); hybrid %.3g (1 thread, ratio %.1f), %.3g (%s cores, ratio %.1f)\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$peer" "$one" "$(echo "$one / $peer" | bc -l)" "$all" "$(nproc)" "$(echo "$all / $peer" | bc -l)"
done
