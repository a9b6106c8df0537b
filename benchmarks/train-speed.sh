#!/usr/bin/env bash
# Steps per second of whole training runs (environment + learning), one seed and four seeds trained together, and
# the learning phase of one PPO update against a PyTorch peer doing the same work (benchmarks/ppo_learn_peer.py).
# usage: benchmarks/train-speed.sh   (after dotnet build -c Release; the peer needs /usr/bin/python3 with torch)
# Run it alone on the machine: libtorch's threads in two processes slow each other down several times over.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# algo env extra-settings steps-per-update updates
specs=(
  "ppo minatar_breakout - 8192 16"
  "ippo MPE_simple_spread_v3 - 2048 40"
  "mappo MPE_simple_spread_v3 - 2048 40"
  "ippo switch_riddle recurrent=true 8192 3"
)
printf '%-6s %-22s %-16s %6s %14s %22s\n' algo env settings seeds steps/s "learning s/update"
for spec in "${specs[@]}"; do
  read -r algo env extra per updates <<< "$spec"
  sets=(); [[ $extra != - ]] && sets=(--set "$extra")
  for seeds in 1 4; do
    dir="$out/$algo-$env-$seeds"
    json=$(dotnet artifacts/bin/Release/hybrid.dll train --algo "$algo" --env "$env" "${sets[@]}" --seeds "$seeds" \
      --steps $((per * updates)) --out "$dir" --json --no-tensorboard 2>/dev/null)
    sps=$(python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])["steps_per_second"]))' "$json")
    # Learning time per update (wall time minus rollout), mean over updates after the first.
    learn=$(awk -F, -v s="$seeds" 'NR > 1 && $1 > 1 && $3 == 0 { t += $14 - $15; n++ } END { printf "%.3f", t / n }' "$dir/metrics.csv")
    printf '%-6s %-22s %-16s %6s %14s %22s\n' "$algo" "$env" "$extra" "$seeds" "$sps" "$learn"
  done
done
echo "PyTorch peer, learning phase of one PPO update on Breakout's shapes (400 inputs, 3 actions):"
for seeds in 1 4; do /usr/bin/python3 benchmarks/ppo_learn_peer.py 400 3 "$seeds" 5; done
