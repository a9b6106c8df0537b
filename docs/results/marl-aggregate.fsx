// Min-max normalised aggregates (rliable's statistics, thesis chapter 5 figure 4's protocol on two MPE tasks) of the
// value-based MARL evidence runs against IPPO and MAPPO, from the per-seed scores `hybrid eval --run DIR` printed
// (copied below, so the figures are reproducible without the run directories). Per task, a score is normalised as
// (score - random) / (best - random), best being the highest per-seed score of any algorithm on the task (JaxMARL's
// min-max normalisation, with the random policy as the low end); each algorithm's 3 seeds x 2 tasks matrix then gets
// the mean, median, IQM and optimality gap with stratified bootstrap 95% intervals (ScoreStatistics, 50,000 replicates).
//   dotnet build src/Scaling -c Release && dotnet fsi docs/results/marl-aggregate.fsx
#r "../../artifacts/bin/Release/Hybrid.Kernel.dll"
#r "../../artifacts/bin/Release/Hybrid.Scaling.dll"
open Hybrid.Scaling.Training

let tasks = [| "MPE_simple_spread_v3"; "MPE_simple_speaker_listener_v4" |]
let random = [| -27.28; -40.938 |]
// algorithm -> per task, per seed (seeds 0, 1, 2)
let scores =
    [ "IQL",   [| [| -19.32; -19.42; -18.80 |]; [| -17.302; -17.020; -17.049 |] |]
      "VDN",   [| [| -18.38; -18.62; -18.87 |]; [| -17.569; -16.582; -16.678 |] |]
      "QMIX",  [| [| -18.86; -18.83; -18.32 |]; [| -14.699; -8.679; -13.631 |] |]
      "IPPO",  [| [| -18.84; -19.00; -18.79 |]; [| -15.802; -15.709; -15.723 |] |]
      "MAPPO", [| [| -18.61; -18.89; -18.63 |]; [| -15.835; -15.694; -15.735 |] |]
      "PQN-VDN", [| [| -10.438; -10.777; -10.950 |]; [| -16.808; -16.786; -17.159 |] |] ]

let best = Array.init tasks.Length (fun m -> scores |> List.collect (fun (_, s) -> List.ofArray s.[m]) |> List.max)
printfn "per task: random %A, best %A" random best
printfn "%-8s %-28s %-28s %-28s %s" "algo" "mean [95%]" "median [95%]" "IQM [95%]" "optimality gap [95%]"
for name, s in scores do
    let matrix = Array2D.init 3 tasks.Length (fun n m -> s.[m].[n])
    let normalised = ScoreStatistics.Normalise(matrix, random, best)
    let show (f: double[,] -> double) =
        let e = ScoreStatistics.Bootstrap(normalised, System.Func<double[,], double> f, 50_000, 0.95, 0UL)
        sprintf "%.3f [%.3f, %.3f]" e.Value e.Lower e.Upper
    printfn "%-8s %-28s %-28s %-28s %s" name (show ScoreStatistics.Mean) (show ScoreStatistics.Median) (show ScoreStatistics.InterquartileMean) (show (fun x -> ScoreStatistics.OptimalityGap(x, 1.0)))
