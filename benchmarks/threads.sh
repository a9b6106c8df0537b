#!/usr/bin/env bash
# Training speed with libtorch's intra-op threads (OMP_NUM_THREADS 1 or 2, OpenMP's default active waiting or
# OMP_WAIT_POLICY=PASSIVE) on an idle machine and with one busy process on another core, for PPO on Breakout and
# GRU IPPO on the Switch Riddle (one seed each). The `train` default follows from this table (docs/benchmarks.md).
# usage: benchmarks/threads.sh   (after dotnet build -c Release; nothing else running)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
busy=""
trap 'rm -rf "$out"; [[ -n $busy ]] && kill $busy 2>/dev/null || true' EXIT
# algo env extra-settings steps
specs=("ppo minatar_breakout - 131072" "ippo switch_riddle recurrent=true 32768")
settings=("1 active" "2 active" "2 passive")
printf '%-6s %-16s %-8s %-8s %-8s %10s\n' algo env machine threads waiting steps/s
for load in idle busy; do
  if [[ $load == busy ]]; then python3 -c 'while True: pass' & busy=$!; fi
  for spec in "${specs[@]}"; do
    read -r algo env extra steps <<< "$spec"
    sets=(); [[ $extra != - ]] && sets=(--set "$extra")
    for setting in "${settings[@]}"; do
      read -r threads wait <<< "$setting"
      policy=(); [[ $wait == passive ]] && policy=(OMP_WAIT_POLICY=PASSIVE)
      json=$(env OMP_NUM_THREADS="$threads" "${policy[@]}" dotnet artifacts/bin/Release/hybrid.dll train --algo "$algo" --env "$env" \
        "${sets[@]}" --steps "$steps" --out "$out/$algo-$load-$threads-$wait" --json --no-tensorboard 2>/dev/null)
      sps=$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["steps_per_second"]))' "$json")
      printf '%-6s %-16s %-8s %-8s %-8s %10s\n' "$algo" "$env" "$load" "$threads" "$wait" "$sps"
    done
  done
  if [[ -n $busy ]]; then kill $busy; busy=""; fi
done
