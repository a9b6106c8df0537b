// Model-free opponent shaping in the finite IPD (thesis chapter 4): a Shaper (Haiku GRU, 1104 parameters) trained by
// OpenES against tabular-PPO naive learners with pax's settings, then evaluated in one trial against 20 fresh
// co-players: reward per step of both, state visitation and P(C | state), the extortion the thesis reports (Table 2:
// Shaper -0.1, co-player -2.8 per step at pax's scale). Full mode trains with the library's defaults (population 1000,
// 4 co-players, 2 environments, 50 x 50 steps, 300 generations: about 10 minutes on 2 cores); fast mode 15 small
// generations, which only shows the pipeline.
// Run: dotnet build -c Release && dotnet fsi notebooks/shaping.fsx    (HYBRID_FAST=1 for the fast mode)
#load "setup.fsx"
#r "../artifacts/bin/Release/Hybrid.Scaling.dll"
#r "../artifacts/bin/Release/Hybrid.Shaping.dll"
open System
open Plotly.NET
open Hybrid.Shaping.Training
open Setup

let dir = outputDir "shaping"
printfn "Shaping notebook (%s mode)" (if fast then "fast" else "full")

let config = ShapeConfig.For(ShapeMethod.Shaper, "ipd")
if fast then
    config.PopSize <- 16
    config.Coplayers <- 2
    config.Outer <- 10
    config.Generations <- 15
printfn "training: population %d x %d co-players x %d envs, %d x %d steps, %d generations (ES lr %g)"
    config.PopSize config.Coplayers config.Envs config.Outer config.Inner config.Generations config.LrateInit

let trainer = new ShapeTrainer(config)
let clock = Diagnostics.Stopwatch.StartNew()
let curve =
    [| for g in 1 .. config.Generations do
         let m = trainer.Step()
         if g % (max 1 (config.Generations / 10)) = 0 then
             printfn "generation %4d: Shaper %.3f, co-player %.3f per step, DC %.2f, DD %.2f (%.0f s)" m.Generation m.FitnessMean m.CoPlayerReward m.Stats.[2] m.Stats.[3] clock.Elapsed.TotalSeconds
         yield m |]
let steps = float trainer.StepsPerGeneration * float config.Generations
printfn "%.3g Shaper steps in %.0f s (%.3g steps/s)" steps clock.Elapsed.TotalSeconds (steps / clock.Elapsed.TotalSeconds)

let e = ShapeEvaluation.Evaluate(config, trainer.Best, "tabular", 20, ShapeRun.EvaluationSeed config, config.EvaluationEpisodes)
printfn "\nevaluation: one trial of %d x %d steps against 20 fresh tabular-PPO co-players" e.Outer e.Inner
printfn "| | Shaper | co-player |"
printfn "|---|---|---|"
printfn "| reward per step (ours) | %.3f ± %.3f | %.3f ± %.3f |" e.ShaperReward e.ShaperRewardStd e.CoPlayerReward e.CoPlayerRewardStd
printfn "| reward per step (thesis Table 2, pax's scale) | -0.1 ± 0.02 | -2.8 ± 0.05 |"
printfn "visitation (Shaper's view): %s" (String.Join(", ", [ for j in 0 .. 3 -> sprintf "%s %.2f" EvaluationResult.States.[j] e.Visitation.[j] ]))
printfn "P(C | state), co-players: %s" (String.Join(", ", [ for j in 0 .. 4 -> sprintf "%s %.2f" EvaluationResult.States.[j] e.CoPlayerProbCooperate.[j] ]))

check "the evaluation's visitation fractions sum to one" (abs (Array.sum e.Visitation - 1.0) < 1e-9) (sprintf "%.12f" (Array.sum e.Visitation))
check "rewards per step lie in the IPD's payoff range" (e.ShaperReward >= -3.0 && e.ShaperReward <= 0.0 && e.CoPlayerReward >= -3.0 && e.CoPlayerReward <= 0.0) ""
claim "the Shaper extorts its co-players (spec: Shaper > -1.0, co-player < -2.0 per step, DC the most visited state)"
    (e.ShaperReward > -1.0 && e.CoPlayerReward < -2.0 && e.MostVisited = "DC") (sprintf "%.3f, %.3f, most visited %s" e.ShaperReward e.CoPlayerReward e.MostVisited)

// What the co-players allow: hand-written strategies that teach for k episodes (tit-for-tat) and then defect, against
// the same tabular-PPO learners. With Adam lr 1 a learner turns nearly deterministic after one update and keeps what it
// learned in states it no longer explores, which is what a Shaper exploits: a teacher that switches to defection
// keeps a share of co-players cooperating (extortion needs all of them stuck at C).
type Teacher(k: int, teach: float32[], later: float32[]) =
    let mutable episode = 0
    interface Hybrid.Shaping.ISeat with
        member _.BeginTrial(_, _) = episode <- 0
        member _.BeginEpisode e = episode <- e
        member _.Act(obs, p) = for r in 0 .. obs.Length - 1 do p.[r] <- (if episode < k then teach else later).[int obs.[r]]
        member _.Observe(_, _, _, _) = ()
        member _.EndEpisode _ = ()
let titForTat, defect = [| 1f; 0f; 1f; 0f; 1f |], [| 0f; 0f; 0f; 0f; 0f |]
printfn "\nhand-written teachers against 20 x 2 fresh tabular-PPO co-players, one trial of %d x %d steps:" config.Outer config.Inner
printfn "| strategy | Shaper's seat | co-player | CC | CD | DC | DD |"
printfn "|---|---|---|---|---|---|---|"
let teacherLayout = Hybrid.Shaping.TrialLayout(20, 2)
for name, k, a, b in [ "always tit-for-tat", Int32.MaxValue, titForTat, titForTat; "always defect", 0, defect, defect
                       "tit-for-tat for 1 episode, then defect", 1, titForTat, defect; "tit-for-tat for 2 episodes, then defect", 2, titForTat, defect
                       "tit-for-tat for 10 episodes, then defect", 10, titForTat, defect ] do
    let learners = Hybrid.Shaping.CoPlayers.TabularPpoSeat(config.CoPlayerConfig, teacherLayout)
    let record = Hybrid.Shaping.Trials.TrialRecord(teacherLayout, config.Outer, config.Inner, false)
    Hybrid.Shaping.Trials.MatrixTrial(config.Game, teacherLayout, config.Outer, config.Inner)
        .Run(Teacher(k, a, b), learners, Hybrid.Shaping.TrialNoise(3UL, config.Outer, config.Inner, teacherLayout.Rows), record)
    let v = record.Visits |> Array.map (fun x -> float x / float (Array.sum record.Visits))
    printfn "| %s | %.3f | %.3f | %.2f | %.2f | %.2f | %.2f |" name record.RowPerStep record.ColumnPerStep v.[0] v.[1] v.[2] v.[3]

let gens = curve |> Array.map (fun m -> float m.Generation)
Chart.combine [
    Chart.Line(gens, curve |> Array.map (fun m -> m.FitnessMean), Name = "Shaper (population mean)")
    Chart.Line(gens, curve |> Array.map (fun m -> m.CoPlayerReward), Name = "co-players") ]
|> Chart.withXAxisStyle "generation" |> Chart.withYAxisStyle "reward per step" |> Chart.withTitle "Shaper training in the IPD"
|> save dir "training.html"
Chart.combine [
    Chart.Column(e.Visitation, [ "CC"; "CD"; "DC"; "DD" ], Name = "whole trial")
    Chart.Column(e.VisitationLastHalf, [ "CC"; "CD"; "DC"; "DD" ], Name = "second half") ]
|> Chart.withYAxisStyle "fraction of steps" |> Chart.withTitle "State visitation against fresh co-players (Shaper's view)"
|> save dir "visitation.html"
let episodes = [| 1.0 .. float e.Outer |]
Chart.combine [
    Chart.Line(episodes, e.ShaperRewardByEpisode, Name = "Shaper")
    Chart.Line(episodes, e.CoPlayerRewardByEpisode, Name = "co-players") ]
|> Chart.withXAxisStyle "episode of the evaluation trial" |> Chart.withYAxisStyle "reward per step" |> Chart.withTitle "One trial against fresh co-players"
|> save dir "evaluation.html"
trainer.Dispose()
finish ()
