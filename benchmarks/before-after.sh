#!/usr/bin/env bash
# Speed of two builds of Hybrid on the same work, alternating in one run: PPO-family training (the runs of
# benchmarks/train-speed.sh, 1 and 4 seeds), COLA training (bench cola), HOLA levels (bench hola) and environment
# steps (bench envs). Used to check that a refactoring keeps every speed figure of docs/benchmarks.md.
# usage: benchmarks/before-after.sh OLD_CHECKOUT [NEW_CHECKOUT=.] [ROUNDS=2]   (both built with dotnet build -c Release)
# Run it alone on the machine (libtorch's threads and the JIT's timings are disturbed by other processes).
set -euo pipefail
old=$(cd "$1" && pwd); new=$(cd "${2:-.}" && pwd); rounds=${3:-2}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
run() { local root=$1; shift; (cd "$out" && dotnet "$root/artifacts/bin/Release/hybrid.dll" "$@" 2>/dev/null); }
value() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(round(eval(sys.argv[1], {}, {"d": d})))' "$1"; }
specs=(
  "ppo minatar_breakout - 8192 12"
  "ippo MPE_simple_spread_v3 - 2048 30"
  "mappo MPE_simple_spread_v3 - 2048 30"
  "ippo switch_riddle recurrent=true 8192 3"
)
printf '%-6s %-22s %-16s %5s %6s %10s %10s %8s\n' algo env settings seeds round old new new/old
for spec in "${specs[@]}"; do
  read -r algo env extra per updates <<< "$spec"
  sets=(); [[ $extra != - ]] && sets=(--set "$extra")
  for seeds in 1 4; do
    for r in $(seq 1 "$rounds"); do
      declare -A sps=()
      for which in old new; do
        root=$([ $which = old ] && echo "$old" || echo "$new")
        dir="$out/$which-$algo-$env-$seeds-$r"
        sps[$which]=$(run "$root" train --algo "$algo" --env "$env" "${sets[@]}" --seeds "$seeds" --steps $((per * updates)) --out "$dir" --json --no-tensorboard | value 'd["steps_per_second"]')
      done
      printf '%-6s %-22s %-16s %5s %6s %10s %10s %8.2f\n' "$algo" "$env" "$extra" "$seeds" "$r" "${sps[old]}" "${sps[new]}" "$(echo "${sps[new]} / ${sps[old]}" | bc -l)"
    done
  done
done
echo
echo "COLA training, aggregate steps/s over 10 runs (bench cola):"
for game in "tandem 10000" "ipd 1500"; do
  read -r g steps <<< "$game"
  for r in $(seq 1 "$rounds"); do
    o=$(run "$old" bench cola --game "$g" --steps "$steps" --runs 10 --json | value 'd["steps_per_second"]')
    n=$(run "$new" bench cola --game "$g" --steps "$steps" --runs 10 --json | value 'd["steps_per_second"]')
    printf '  %-7s round %s  old %7s  new %7s  new/old %.2f\n' "$g" "$r" "$o" "$n" "$(echo "$n / $o" | bc -l)"
  done
done
echo
echo "HOLA levels 0..6 on the IPD, 250 points, total seconds (bench hola):"
for r in $(seq 1 "$rounds"); do
  o=$(run "$old" bench hola --game ipd --max-order 6 --json | value '1000 * sum(d["level_seconds"])')
  n=$(run "$new" bench hola --game ipd --max-order 6 --json | value '1000 * sum(d["level_seconds"])')
  printf '  round %s  old %6s ms  new %6s ms  new/old %.2f\n' "$r" "$o" "$n" "$(echo "$n / $o" | bc -l)"
done
echo
echo "Environments, steps/s at 10,000 environments (bench envs):"
for env in coin_game MPE_simple_spread_v3 minatar_breakout; do
  o=$(run "$old" bench envs --env "$env" --num-envs 10000 --steps 300 --json | value 'd["steps_per_second"]')
  n=$(run "$new" bench envs --env "$env" --num-envs 10000 --steps 300 --json | value 'd["steps_per_second"]')
  printf '  %-22s old %10s  new %10s  new/old %.2f\n' "$env" "$o" "$n" "$(echo "$n / $o" | bc -l)"
done
