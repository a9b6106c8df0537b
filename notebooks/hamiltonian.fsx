// The Hamiltonian game, L1 = xy, L2 = -xy (thesis 4.4, appendix G, appendix I.2 table 4 and figure 7).
// Reproduces proposition 4.7 (LOLA and SOS diverge for alpha > 1; the linear consistent solution converges,
// faster as alpha grows), the LOLA/HOLA/COLA consistency table and learning curves, with library calls only.
// Run: dotnet build -c Release && dotnet fsi notebooks/hamiltonian.fsx    (HYBRID_FAST=1 for the fast mode)
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

let game = Hamiltonian()
let dir = outputDir "hamiltonian"
let rate (a: float) = LearningRuleExtensions.Rate a
printfn "Hamiltonian notebook (%s mode)" (if fast then "fast" else "full")

let points = game.SampleRegion(200L, new torch.Generator(1UL))
let squaredNorms (t: torch.Tensor[]) (h: torch.Tensor[]) =
    let x, y = values t.[0], values t.[1]
    let x1, y1 = values (t.[0] + h.[0]), values (t.[1] + h.[1])
    Array.init x.Length (fun k -> (x1.[k] * x1.[k] + y1.[k] * y1.[k]) / (x.[k] * x.[k] + y.[k] * y.[k]))

// Proposition 4.7, first half: p-LOLA (LOLA p = 1, LookAhead p = 0, SOS in between) grows ||theta||^2 by at least 1 - a^2 + a^4.
for alpha in [ 1.2; 2.0 ] do
    for (name, rule) in [ "Taylor LOLA", PLolaRule.TaylorLola() :> ILearningRule; "SOS", SosRule() :> ILearningRule; "p-LOLA 0.5", PLolaRule(0.5) :> ILearningRule ] do
        let growth = squaredNorms points (rule.Update(game, points, rate alpha)) |> Array.min
        let bound = 1.0 - alpha ** 2.0 + alpha ** 4.0
        check (sprintf "4.7: %s at alpha %g grows ||theta||^2 by >= %.3f per step" name alpha bound) (growth >= bound * (1.0 - 1e-12)) (sprintf "smallest factor %.4f" growth)

// Second half: f = -a/(1+2a^2) (y + 2ax, -x + 2ay) is consistent and shrinks ||theta||^2 by exactly lambda(a), decreasing in a.
let lambda a = 1.0 - a * a * (3.0 + 4.0 * a * a) / (1.0 + 2.0 * a * a) ** 2.0
let consistent a =
    let s = -a / (1.0 + 2.0 * a * a)
    FunctionRule("consistent", Func<_, _>(fun (t: Collections.Generic.IReadOnlyList<torch.Tensor>) -> [| s * (t.[1] + 2.0 * a * t.[0]); s * (-t.[0] + 2.0 * a * t.[1]) |]))
let alphas = [ 0.1; 0.5; 1.0; 2.0; 5.0 ]
let factors =
    [ for a in alphas do
        let rule = consistent a
        let residual = Consistency.Residual(game, rule, points, rate a) |> Array.collect values |> Array.map abs |> Array.max
        let factor = squaredNorms points (rule.Update(game, points, rate a))
        check (sprintf "4.7: the linear solution is consistent and shrinks by lambda(%g) = %.4f" a (lambda a))
            (residual < 1e-12 && factor |> Array.forall (fun f -> abs (f - lambda a) < 1e-12)) (sprintf "residual %.1e" residual)
        yield factor.[0] ]
check "4.7: the contraction factor decreases as alpha grows" (factors |> List.pairwise |> List.forall (fun (a, b) -> b < a)) (sprintf "%A" factors)

// Table 4 (appendix I.2; its numbers are withheld from our copy of the thesis): LOLA, HOLA3, HOLA6 and COLA.
let tableAlphas = [| 0.9; 0.5; 0.4; 0.1; 0.05 |]
let settings = colaSettings game 3000
let runs = if fast then 2 else 10
let rows = ConsistencyTable.Compute(game, tableAlphas, [| 1; 3; 6 |], PointSource.Sampled(1000, 0L), Array.empty<string>, cola = ColaTableOptions(runs, settings))
let table = Text.StringBuilder()
table.AppendLine("| alpha | LOLA | HOLA3 | HOLA6 | COLA (mean ± std) | cos LOLA | cos HOLA3 | cos HOLA6 |").AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|") |> ignore
for r in rows do
    let c = r.Cola
    let f = TableComparison.F
    table.AppendLine(sprintf "| %s | %s | %s | %s | %s ± %s | %.2f | %.2f | %.2f |" (f r.Alpha) (f r.Losses.["lola_exact"]) (f r.Losses.["hola_3"]) (f r.Losses.["hola_6"])
                         (f c.Mean) (f c.Std) c.Cosine.["lola_exact"] c.Cosine.["hola_3"] c.Cosine.["hola_6"]) |> ignore
printfn "%s" (table.ToString())
IO.File.WriteAllText(IO.Path.Combine(dir, "table4.md"), table.ToString())
let threshold = rows |> Seq.filter (fun r -> r.Losses.["hola_6"] < r.Losses.["hola_1"]) |> Seq.map (fun r -> r.Alpha) |> Seq.toList
printfn "HOLA gets more consistent with the order at alpha in %A (thesis: threshold between 0.1 and 0.4)" threshold

// Figure 7: learning curves (distance to the origin) at alpha = 0.1 for every rule, and COLA at 0.9.
let learning = LearningOptions(Steps = (if fast then 60 else 300), Seeds = (if fast then 3 else 10), InitStd = 1.0)
let curve (name: string) (rule: ILearningRule) alpha =
    let run = LearningRun.Run(game, rule, alpha, learning)
    let steps = int run.Parameters.shape.[0]
    let norms = [| for s in 0 .. steps - 1 -> run.Parameters.[s].square().sum(1L).sqrt().mean().item<float>() |]
    Chart.Line([ 0 .. steps - 1 ], norms |> Array.map (fun v -> min 10.0 v), Name = sprintf "%s (alpha %g)" name alpha), norms.[steps - 1]
let colaAt alpha = (rows |> Seq.find (fun r -> r.Alpha = alpha)).Cola.Rules.[0] :> ILearningRule
let curves =
    [ for name in [ "lola_exact"; "lola_taylor"; "hola_8"; "cgd"; "sos" ] -> curve name (RuleRegistry.Create name) 0.1
      yield curve "cola" (colaAt 0.1) 0.1
      yield curve "cola" (colaAt 0.9) 0.9 ]
let colaLow, colaHigh = snd curves.[5], snd curves.[6]
claim "I.2: COLA converges towards the origin faster at alpha 0.9 than at 0.1" (colaHigh < colaLow) (sprintf "final mean ||theta|| %.2e vs %.2e" colaHigh colaLow)
curves |> List.map fst |> Chart.combine |> Chart.withTitle "Hamiltonian game: mean ||theta|| over steps (clipped at 10)" |> Chart.withSize (1000, 600)
|> save dir "learning-curves.html"

finish ()
