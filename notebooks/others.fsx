// The remaining games of chapter 3: Matching Pennies (table 2, figure 2), Ultimatum (figure 10), Chicken
// (figure 12) and Balduzzi (table 5, figure 6): consistency tables with COLA and the learning-outcome claims.
// Run: dotnet build -c Release && dotnet fsi notebooks/others.fsx       (HYBRID_FAST=1 for the fast mode)
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

let dir = outputDir "others"
printfn "Other games notebook (%s mode)" (if fast then "fast" else "full")
let runs = if fast then 2 else 10

/// Consistency table with COLA for a game; returns the rows and prints them as Markdown.
let table (game: DifferentiableGame) (alphas: float[]) (orders: int[]) fastSteps =
    let rows = ConsistencyTable.Compute(game, alphas, orders, PointSource.Sampled(1000, 0L), [| "sos"; "cgd" |], cola = ColaTableOptions(runs, colaSettings game fastSteps))
    let f = TableComparison.F
    let sb = Text.StringBuilder()
    sb.AppendLine(sprintf "### %s" game.Name) |> ignore
    sb.Append("| alpha | LOLA |") |> ignore
    for n in orders do sb.Append(sprintf " HOLA%d |" n) |> ignore
    sb.AppendLine(" SOS | CGD | COLA | cos LOLA | cos HOLA |") |> ignore
    sb.AppendLine("|" + String.replicate (orders.Length + 7) "---:|") |> ignore
    for r in rows do
        sb.Append(sprintf "| %s | %s |" (f r.Alpha) (f r.Losses.["lola_exact"])) |> ignore
        for n in orders do sb.Append(sprintf " %s |" (f r.Losses.[sprintf "hola_%d" n])) |> ignore
        sb.AppendLine(sprintf " %s | %s | %s ± %s | %.2f | %.2f |" (f r.Losses.["sos"]) (f r.Losses.["cgd"]) (f r.Cola.Mean) (f r.Cola.Std)
                          r.Cola.Cosine.["lola_exact"] r.Cola.Cosine.[sprintf "hola_%d" (Array.last orders)]) |> ignore
    printfn "%s" (sb.ToString())
    IO.File.AppendAllText(IO.Path.Combine(dir, "tables.md"), sb.ToString() + "\n")
    rows

IO.File.WriteAllText(IO.Path.Combine(dir, "tables.md"), "# Consistency tables with COLA (mean over 1,000 points; COLA mean ± std over runs)\n\n")
let colaRule (rows: Collections.Generic.IReadOnlyList<ConsistencyRow>) alpha = (rows |> Seq.find (fun r -> r.Alpha = alpha)).Cola.Rules

/// Final mean loss of player `player` over seeds for a rule (COLA: run k for seed k).
let outcome (game: DifferentiableGame) (name: string) (rules: ILearningRule list) alpha (options: LearningOptions) =
    LearningOutcomes.Run(game, name, Collections.Generic.List<ILearningRule>(rules), alpha, options)

let learning steps = LearningOptions(Steps = (if fast then steps / 4 else steps), Seeds = (if fast then 3 else 10), InitStd = 1.0)
let rulesAt (rows: Collections.Generic.IReadOnlyList<ConsistencyRow>) alpha =
    [ for name in [ "lola_exact"; "lola_taylor"; "hola_4"; "sos"; "cgd" ] -> name, [ RuleRegistry.Create name ] ]
    @ [ ("cola", colaRule rows alpha |> Seq.map (fun r -> r :> ILearningRule) |> List.ofSeq) ]

// Matching Pennies: table 2a (alphas 10, 5, 1, 0.5, 0.01) and figure 2: at alpha = 10 COLA's losses settle, LOLA/HOLA's keep moving.
let mp = MatchingPennies()
let mpRows = table mp [| 10.0; 5.0; 1.0; 0.5; 0.01 |] [| 2; 4 |] 2000
let spread (o: OutcomeRow) = o.FinalLosses |> Array.map (fun l -> abs l.[0]) |> Array.average
let mpOutcomes = [ for (name, rules) in rulesAt mpRows 10.0 -> outcome mp name rules 10.0 (learning 200) ]
for o in mpOutcomes do printfn "MP alpha 10 %-12s mean |L1| at the end %.3g, diverged %d" o.Rule (spread o) o.Diverged
let mpCola = mpOutcomes |> List.find (fun o -> o.Rule = "cola")
claim "6/figure 2: at alpha = 10 in MP, COLA ends nearer the equilibrium (L = 0) than LOLA and HOLA4"
    (spread mpCola < spread (mpOutcomes |> List.find (fun o -> o.Rule = "lola_exact")) && spread mpCola < spread (mpOutcomes |> List.find (fun o -> o.Rule = "hola_4")))
    (sprintf "COLA %.3g" (spread mpCola))

// Ultimatum: only COLA finds the fair split consistently at a high look-ahead rate (figure 10d, alpha = 5); all find
// the unfair split at a low one (alpha = 0.2). p_fair = sigmoid(theta_1).
let ultimatum = Ultimatum()
let ultRows = table ultimatum [| 5.0; 1.1; 0.7; 0.3; 0.2; 0.1 |] [| 2; 4 |] 2000
let fairness (o: OutcomeRow) = o.FinalParameters |> Array.averageBy (fun p -> 1.0 / (1.0 + exp -p.[0]))
for alpha in [ 5.0; 0.2 ] do
    let os = [ for (name, rules) in rulesAt ultRows alpha -> outcome ultimatum name rules alpha (learning 200) ]
    for o in os do printfn "Ultimatum alpha %g %-12s mean P(fair) %.2f" alpha o.Rule (fairness o)
    let cola = os |> List.find (fun o -> o.Rule = "cola")
    let others = os |> List.filter (fun o -> o.Rule <> "cola" && o.Rule <> "hola_4")
    if alpha = 5.0 then
        claim "6/figure 10: at alpha = 5 only COLA finds the fair split (P(fair) > 0.9; SOS, LOLA and CGD below)"
            (fairness cola > 0.9 && others |> List.forall (fun o -> fairness o < 0.9)) (sprintf "COLA %.2f; %s" (fairness cola) (String.Join(", ", others |> List.map (fun o -> sprintf "%s %.2f" o.Rule (fairness o)))))
    else
        claim "I.4: at alpha = 0.2 every rule finds the unfair split (P(fair) < 0.5)" (os |> List.forall (fun o -> fairness o < 0.5)) (String.Join(", ", os |> List.map (fun o -> sprintf "%s %.2f" o.Rule (fairness o))))

// Chicken: Taylor LOLA and SOS crash while exact LOLA, HOLA, CGD and COLA swerve (figure 12d, alpha = 0.5).
let chicken = Chicken()
let chickenRows = table chicken [| 1.0; 0.5; 0.1; 0.05; 0.01 |] [| 2; 4 |] 2000
let crash (o: OutcomeRow) = o.FinalParameters |> Array.averageBy (fun p -> (1.0 - 1.0 / (1.0 + exp -p.[0])) * (1.0 - 1.0 / (1.0 + exp -p.[1])))
let chickenOutcomes = [ for (name, rules) in rulesAt chickenRows 0.5 -> outcome chicken name rules 0.5 (learning 200) ]
for o in chickenOutcomes do printfn "Chicken alpha 0.5 %-12s mean P(crash) %.3f" o.Rule (crash o)
let crashes name = crash (chickenOutcomes |> List.find (fun o -> o.Rule = name)) > 0.5
claim "I.5: at alpha = 0.5 Taylor LOLA and SOS crash" (crashes "lola_taylor" && crashes "sos") ""
claim "I.5: at alpha = 0.5 exact LOLA, HOLA4, CGD and COLA swerve" ([ "lola_exact"; "hola_4"; "cgd"; "cola" ] |> List.forall (crashes >> not)) ""

// Balduzzi: table 5 (alphas 0.9, 0.1, 0.05, 0.03, 0.01; threshold around 0.02 in the thesis).
let balduzzi = Balduzzi()
let baldRows = table balduzzi [| 0.9; 0.1; 0.05; 0.03; 0.01 |] [| 3; 6 |] 3000
let improving = baldRows |> Seq.filter (fun r -> r.Losses.["hola_6"] < r.Losses.["lola_exact"]) |> Seq.map (fun r -> r.Alpha) |> List.ofSeq
printfn "Balduzzi: HOLA gets more consistent with the order at alpha in %A (thesis: threshold around 0.02)" improving

// Charts: P(fair) in the Ultimatum game over steps at alpha = 5, and P(crash) in Chicken at alpha = 0.5, per rule.
let probabilityCurves (game: DifferentiableGame) (rows: Collections.Generic.IReadOnlyList<ConsistencyRow>) alpha (measure: torch.Tensor -> float) (title: string) =
    [ for (name, rules) in rulesAt rows alpha ->
        let run = LearningRun.Run(game, List.head rules, alpha, learning 200)
        let steps = int run.Parameters.shape.[0]
        Chart.Line([ 0 .. steps - 1 ], [| for s in 0 .. steps - 1 -> measure run.Parameters.[int64 s] |], Name = name) ]
    |> Chart.combine
[ probabilityCurves ultimatum ultRows 5.0 (fun p -> p.select(1, 0L).sigmoid().mean().item<float>()) "Ultimatum, alpha = 5: P(fair split), mean over seeds"
  probabilityCurves chicken chickenRows 0.5 (fun p -> ((1.0 - p.select(1, 0L).sigmoid()) * (1.0 - p.select(1, 1L).sigmoid())).mean().item<float>()) "Chicken, alpha = 0.5: P(crash), mean over seeds" ]
|> Chart.Grid(2, 1) |> Chart.withSize (1000, 900)
|> Chart.withTitle "Ultimatum alpha 5: P(fair) (top); Chicken alpha 0.5: P(crash) (bottom)"
|> save dir "outcomes.html"

finish ()
