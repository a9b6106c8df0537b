#!/usr/bin/env bash
# Records the golden metrics of short PPO-family runs (fixed seeds) that GoldenRunTests reproduces exactly.
# Recorded with the trainer as it was before the Scaling-core redesign (commit 5471a3c); rerun only to record
# deliberately changed numbers, and say why in the commit.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=$(mktemp -d)
hybrid() { OMP_NUM_THREADS=1 dotnet artifacts/bin/Release/hybrid.dll "$@"; }
record() {
  local name=$1; shift
  hybrid train "$@" --seeds 2 --out "$out/$name" --no-tensorboard > /dev/null
  cp "$out/$name/metrics.csv" "tests/Cli.Tests/Golden/$name.csv"
}
common="--set num_envs=8 --set update_epochs=2 --set num_minibatches=4 --set seed=3"
record ppo_breakout --algo ppo --env minatar_breakout $common --set num_steps=32 --set total_timesteps=768
record ippo_spread --algo ippo --env MPE_simple_spread_v3 $common --set num_steps=25 --set total_timesteps=600
record ippo_spread_agent_id --algo ippo --env MPE_simple_spread_v3 $common --set num_steps=25 --set total_timesteps=600 --set agent_id=true
record mappo_spread --algo mappo --env MPE_simple_spread_v3 $common --set num_steps=25 --set total_timesteps=600
record ippo_spread_continuous --algo ippo --env MPE_simple_spread_continuous_v3 $common --set num_steps=25 --set total_timesteps=600
record ippo_gru_switch_riddle --algo ippo --env switch_riddle $common --set num_steps=32 --set total_timesteps=768 --set recurrent=true --set gru_hidden=16 --set hidden=16
record mappo_gru_spread --algo mappo --env MPE_simple_spread_v3 $common --set num_steps=25 --set total_timesteps=600 --set recurrent=true --set gru_hidden=16 --set hidden=16
rm -rf "$out"
