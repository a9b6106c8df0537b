// The infinitely iterated Prisoner's Dilemma (thesis 5-6, table 3, figures 3 and 13): consistency table 3a with
// COLA and table 3b, and the learning outcomes at alpha = 1 (LOLA and SOS find tit-for-tat-like cooperation,
// naive learning and CGD defect), with each rule's final policy.
// Run: dotnet build -c Release && dotnet fsi notebooks/ipd.fsx          (HYBRID_FAST=1 for the fast mode)
#load "setup.fsx"
open System
open Plotly.NET
open TorchSharp
open Hybrid.Games
open Hybrid.Games.Analysis
open Hybrid.Games.Catalog
open Hybrid.Games.Cola
open Hybrid.Games.Reproduction
open Hybrid.Games.Rules
open Hybrid.Games.Tables
open Setup

let game = IteratedPrisonersDilemma()
let dir = outputDir "ipd"
printfn "IPD notebook (%s mode)" (if fast then "fast" else "full")

// Table 3a/3b: LOLA, HOLA2, HOLA4 and COLA at alpha 1 and 0.03, 250 points.
let runs = if fast then 2 else 10
let rows = ConsistencyTable.Compute(game, PaperTables.Ipd.Alphas, [| 1; 2; 4 |], PointSource.Sampled(250, 0L), Array.empty<string>,
                                    cola = ColaTableOptions(runs, colaSettings game 1500))
let paperCola = dict [ 1.0, "1.06 ± 0.09"; 0.03, "0.16 ± 0.02" ]
let paperCos = dict [ 1.0, "0.73 / 0.63 / 0.46"; 0.03, "0.97 / 0.97 / 0.97" ]
let table = Text.StringBuilder()
table.AppendLine("| alpha | LOLA paper / ours | HOLA2 paper / ours | HOLA4 paper / ours | COLA paper | COLA ours | cos LOLA/HOLA2/HOLA4 paper | ours |")
     .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|") |> ignore
for r in rows do
    let f = TableComparison.F
    let p = PaperTables.Ipd.Columns
    let i = Array.IndexOf(PaperTables.Ipd.Alphas, r.Alpha)
    let c = r.Cola
    table.AppendLine(sprintf "| %s | %s / %s | %s / %s | %s / %s | %s | %s ± %s | %s | %.2f / %.2f / %.2f |" (f r.Alpha)
                         (f p.["LOLA"].[i]) (f r.Losses.["lola_exact"]) (f p.["HOLA2"].[i]) (f r.Losses.["hola_2"]) (f p.["HOLA4"].[i]) (f r.Losses.["hola_4"])
                         paperCola.[r.Alpha] (f c.Mean) (f c.Std) paperCos.[r.Alpha] c.Cosine.["lola_exact"] c.Cosine.["hola_2"] c.Cosine.["hola_4"]) |> ignore
printfn "%s" (table.ToString())
IO.File.WriteAllText(IO.Path.Combine(dir, "table3.md"), table.ToString())
let colaAtOne = (rows |> Seq.find (fun r -> r.Alpha = 1.0)).Cola
claim "6: at alpha = 1 COLA is far more consistent than HOLA-2 and HOLA-4" (colaAtOne.Mean < rows.[0].Losses.["hola_2"] && colaAtOne.Mean < rows.[0].Losses.["hola_4"])
    (sprintf "COLA %.3g vs HOLA2 %.3g, HOLA4 %.3g" colaAtOne.Mean rows.[0].Losses.["hola_2"] rows.[0].Losses.["hola_4"])

// Figure 13: learning at alpha = 1 from theta_0 ~ N(0, 1), 10 seeds (3 in fast mode).
let learning = LearningOptions(Steps = (if fast then 100 else 300), Seeds = (if fast then 3 else 10), InitStd = 1.0)
let outcomes =
    [ for name in [ "naive"; "cgd"; "lola_taylor"; "lola_exact"; "sos" ] ->
        name, LearningRun.Run(game, RuleRegistry.Create name, 1.0, learning) ]
let meanFinal (run: LearningTrajectory) = run.FinalLosses() |> Array.averageBy (fun l -> (l.[0] + l.[1]) / 2.0)
// Own-perspective policy of player 1: P(C) at start and after CC, CD, DC, DD (tit-for-tat: 1, 1, 0, 1, 0).
let policy (run: LearningTrajectory) =
    let final = run.Parameters.[-1L]
    Array.init 5 (fun k -> final.select(1, int64 k).sigmoid().mean().item<float>())
for (name, run) in outcomes do
    printfn "%-12s mean final loss %.2f (25 = mutual cooperation, 50 = mutual defection); policy of player 1 %A" name (meanFinal run) (policy run |> Array.map (fun p -> Math.Round(p, 2)))
let lossOf name = outcomes |> List.find (fun (n, _) -> n = name) |> snd |> meanFinal
let titForTatLike name =
    let p = outcomes |> List.find (fun (n, _) -> n = name) |> snd |> policy
    p.[1] > 0.8 && p.[2] < 0.5 && lossOf name < 32.0
for name in [ "naive"; "cgd" ] do
    claim (sprintf "6/I.6: %s defects at alpha = 1" name) (lossOf name > 45.0) (sprintf "mean final loss %.2f" (lossOf name))
for name in [ "lola_taylor"; "lola_exact"; "sos" ] do
    claim (sprintf "6/I.6: %s finds tit-for-tat-like cooperation at alpha = 1" name) (titForTatLike name) (sprintf "mean final loss %.2f" (lossOf name))

let curves =
    [ for (name, run) in outcomes ->
        let steps = int run.Losses.shape.[0]
        Chart.Line([ 0 .. steps - 1 ], [| for s in 0 .. steps - 1 -> run.Losses.[int64 s].mean().item<float>() |], Name = name) ]
    |> Chart.combine
let policies =
    [ for (name, run) in outcomes -> Chart.Column(values = policy run, Keys = [ "start"; "CC"; "CD"; "DC"; "DD" ], Name = name + " policy") ]
    |> Chart.combine
[ curves; policies ] |> Chart.Grid(2, 1) |> Chart.withSize (1000, 900)
|> Chart.withTitle "IPD, alpha 1: mean loss per step (top); final P(cooperate) of player 1 (bottom)"
|> save dir "learning-and-policies.html"

finish ()
