#!/usr/bin/env bash
# QMIX on MPE simple-spread shapes, ours against the PyTorch peer (benchmarks/qmix_peer.py), alternately in one run,
# one thread each. Needs a Release build and /usr/bin/python3 with torch (apt-get install python3-torch; install
# libopenblas0-pthread too, or Debian's torch multiplies with the reference BLAS, ten times slower).
# usage: benchmarks/qmix-vs-peer.sh [ROUNDS] [UPDATES]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}; updates=${2:-100}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
for r in $(seq 1 "$rounds"); do
  echo "round $r"
  dotnet artifacts/bin/Release/hybrid.dll bench qlearn --algo qmix --updates "$updates" | tail -2
  /usr/bin/python3 benchmarks/qmix_peer.py full $((updates * 208))
  /usr/bin/python3 benchmarks/qmix_peer.py learn $((updates * 208))
done
dotnet artifacts/bin/Release/hybrid.dll bench qlearn --algo qmix --updates "$updates" --seeds 3 | tail -2
