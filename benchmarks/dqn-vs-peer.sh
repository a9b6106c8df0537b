#!/usr/bin/env bash
# DQN on MinAtar Breakout (dopamine's settings, one environment), ours against the PyTorch peer (benchmarks/dqn_peer.py),
# alternately in one run, one thread each: training from scratch (acting, environment, replay, learning) and learning
# alone, for ours on the managed MinAtar kernel (the default) and on TorchSharp's modules (torch_only). Needs a Release
# build (dotnet build -c Release) and /usr/bin/python3 with torch and OpenBLAS (apt-get install python3-torch
# libopenblas0-pthread; without OpenBLAS, Debian's torch multiplies with the reference BLAS, ten times slower).
# usage: benchmarks/dqn-vs-peer.sh [ROUNDS] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}; steps=${2:-20000}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
hybrid="dotnet artifacts/bin/Release/hybrid.dll"
for r in $(seq 1 "$rounds"); do
  echo "round $r"
  $hybrid bench dqn --steps "$steps" | tail -2
  /usr/bin/python3 benchmarks/dqn_peer.py full 4 3 "$steps"
  /usr/bin/python3 benchmarks/dqn_peer.py learn 4 3 "$steps"
  $hybrid bench dqn --steps "$steps" --torch-only | tail -2
done
echo "3 seeds batched"
$hybrid bench dqn --steps "$steps" --seeds 3 | tail -2
/usr/bin/python3 benchmarks/dqn_peer.py full 4 3 "$steps" 3
