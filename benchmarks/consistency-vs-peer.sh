#!/usr/bin/env bash
# Times the deterministic consistency tables in Hybrid and in the PyTorch peer (shared/peers/cola_reference.py)
# on the same work (same game, alphas, HOLA orders 1-6, samples), alternating the two, and prints per round
# the compute time each program reports ("elapsed", after start-up and imports), the wall time of the whole
# command, and the ratios. Needs python3-torch (Debian) and a Release build (dotnet build -c Release).
# Usage: benchmarks/consistency-vs-peer.sh [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$root/../shared/peers}
rounds=${1:-3}
alphas=1,0.5,0.3,0.1,0.01
orders=1,2,3,4,5,6
# Runs a command; prints "<reported elapsed> <wall seconds>".
timed() {
  local start end err
  err=$(mktemp)
  start=$(date +%s.%N); "$@" > /dev/null 2> "$err"; end=$(date +%s.%N)
  echo "$(grep -o 'elapsed [0-9.]*' "$err" | tail -1 | cut -d' ' -f2) $(echo "$end - $start" | bc)"
  rm -f "$err"
}
for game_samples in "tandem 1000" "ipd 250"; do
  set -- $game_samples
  for round in $(seq "$rounds"); do
    read -r peer_c peer_w < <(cd "$peers" && timed /usr/bin/python3 cola_reference.py "$1" "$alphas" "$orders" "$2")
    read -r ours_c ours_w < <(timed dotnet "$root/artifacts/bin/Release/hybrid.dll" consistency --game "$1" --alphas "$alphas" --orders "$orders" --samples "$2" --rules none)
    printf '%-6s samples=%-4s round=%s  compute: peer %6.2fs hybrid %5.2fs ratio %4.1f   wall: peer %6.2fs hybrid %5.2fs ratio %4.1f\n' \
      "$1" "$2" "$round" "$peer_c" "$ours_c" "$(echo "$peer_c / $ours_c" | bc -l)" "$peer_w" "$ours_w" "$(echo "$peer_w / $ours_w" | bc -l)"
  done
done
