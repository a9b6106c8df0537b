// Parity check of chapter 4's M-FOS: the original M-FOS (pax's Hyper agent, PPO) against exact-gradient naive
// learners on the infinite IPD (pax cfg ipd/inf_mfos_v_nl), with two naive learners together as the baseline.
// Build first (dotnet build src/Shaping -c Release), then, one libtorch thread (see README):
//   OMP_NUM_THREADS=1 dotnet fsi benchmarks/infinite-mfos-parity.fsx [envs] [updates] [seed]
// Defaults: 1000 environments, 160 updates, seed 0 (pax: 4000 environments, 10^4 updates).
#r "../artifacts/bin/Release/TorchSharp.dll"
#r "../artifacts/bin/Release/Hybrid.Kernel.dll"
#r "../artifacts/bin/Release/Hybrid.Games.Core.dll"
#r "../artifacts/bin/Release/Hybrid.Scaling.dll"
#r "../artifacts/bin/Release/Hybrid.Shaping.dll"

open System
open System.Diagnostics
open Hybrid.Shaping.Infinite

Hybrid.Kernel.TorchNative.Load() |> ignore

let arg i fallback = if fsi.CommandLineArgs.Length > i then fsi.CommandLineArgs.[i] else fallback
let envs = int (arg 1 "1000")
let updates = int (arg 2 "160")
let seed = int64 (arg 3 "0")
let config = InfiniteMfosConfig(Envs = envs, Updates = updates)
let every = max 1 (updates / 40)

let clock = Stopwatch.StartNew()
let result =
    InfiniteMfos.Train(config, seed, fun m ->
        if m.Update % every = 0 || m.Update <= 3 then
            printfn "update %4d  M-FOS %7.4f  NL %7.4f  (last step %7.4f %7.4f)  entropy %6.3f  scale %5.3f  value loss %9.3f  %5.2f s"
                m.Update m.MfosReward m.NlReward m.MfosRewardLast m.NlRewardLast m.Entropy m.MeanScale m.ValueLoss m.Seconds)
let minutes = clock.Elapsed.TotalMinutes

let tail = result.Updates |> Seq.skip (max 0 (updates - 10)) |> Seq.toArray
let pair = NaivePair.Run(envs, config.MetaSteps, config.NlLr, config.GameGamma, config.Start, uint64 seed)
let fmt (p: float[]) = p |> Array.map (sprintf "%.3f") |> String.concat ", "
printfn ""
printfn "infinite IPD, %d envs x %d meta-steps, %d updates, seed %d: %.1f min" envs config.MetaSteps updates seed minutes
printfn "M-FOS reward per step (first update):    %.4f   NL %.4f" result.Updates.[0].MfosReward result.Updates.[0].NlReward
printfn "M-FOS reward per step (last 10 updates): %.4f   NL %.4f" (tail |> Array.averageBy (fun u -> u.MfosReward)) (tail |> Array.averageBy (fun u -> u.NlReward))
printfn "at the last meta-step (last 10 updates): %.4f   NL %.4f" (tail |> Array.averageBy (fun u -> u.MfosRewardLast)) (tail |> Array.averageBy (fun u -> u.NlRewardLast))
printfn "NL vs NL over %d steps, reward per step:  %.4f   %.4f" config.MetaSteps (Array.average pair.FirstReward) (Array.average pair.SecondReward)
printfn "final P(C | CC, CD, DC, DD, start), own view, mean over envs:"
printfn "  M-FOS [%s]" (fmt result.MeanMfosPolicy)
printfn "  NL    [%s]" (fmt result.MeanNlPolicy)
