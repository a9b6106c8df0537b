// The Tandem game, L1 = (x+y)^2 - 2x, L2 = (x+y)^2 - 2y (thesis chapter 3, appendices A, D, E, F, I.1).
// Reproduces proposition A.1, the Tandem parts of propositions 4.4-4.6, table 1a (LOLA/HOLA and COLA),
// table 1b, the gradient fields of figure 5 and the learning curves of figure 4b, with library calls only.
// Run: dotnet build -c Release && dotnet fsi notebooks/tandem.fsx        (HYBRID_FAST=1 for the fast mode)
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
open Setup

let game = Tandem()
let dir = outputDir "tandem"
printfn "Tandem notebook (%s mode)" (if fast then "fast" else "full")

// A grid of points on Theta = [-1, 1]^2.
let side = 11
let grid = [| for i in 0 .. side - 1 do for j in 0 .. side - 1 -> [| -1.0 + 2.0 * float i / float (side - 1); -1.0 + 2.0 * float j / float (side - 1) |] |]
let gx, gy = grid |> Array.map (fun p -> p.[0]), grid |> Array.map (fun p -> p.[1])
let theta () = game.Split(tensor (Array.concat grid) (int64 grid.Length) 2L)
let rate (a: float) = LearningRuleExtensions.Rate a

// Proposition A.1: at alpha = 1, HOLA-n(x, y) = 2^(n+2) - 2(1 + x + y).
let levels = HolaRule.Sequence(game, theta (), rate 1.0, 6)
let a1Error =
    [ for n in 0 .. 6 do
        let h = values levels.[n].[0]
        yield! Array.mapi (fun k v -> abs (v - (2.0 ** float (n + 2) - 2.0 * (1.0 + gx.[k] + gy.[k])))) h ] |> List.max
check "A.1: HOLA-n = 2^(n+2) - 2(1+x+y) at alpha = 1, n = 0..6" (a1Error < 1e-9) (sprintf "max error %.1e" a1Error)

// Proposition 4.4: LCGD = LookAhead; Taylor LOLA - LCGD = alpha^2 chi with chi = 4(x+y)(1,1); CGD is not consistent.
for alpha in [ 0.1; 0.3; 1.0 ] do
    let t = theta ()
    let lcgd = CgdRule(1).Update(game, t, rate alpha) |> DifferentiableGame.Concat |> values
    let la = PLolaRule.LookAhead().Update(game, t, rate alpha) |> DifferentiableGame.Concat |> values
    let tl = PLolaRule.TaylorLola().Update(game, t, rate alpha).[0] |> values
    let diff = Array.map2 (fun a b -> abs (a - b)) lcgd la |> Array.max
    let chiErr = Array.mapi (fun k v -> abs (v - lcgd.[2 * k] - alpha * alpha * 4.0 * (gx.[k] + gy.[k]))) tl |> Array.max
    check (sprintf "4.4: LCGD = LookAhead and Taylor LOLA - LCGD = alpha^2 chi at alpha = %g" alpha) (diff < 1e-12 && chiErr < 1e-12) (sprintf "%.1e, %.1e" diff chiErr)
    let r = Consistency.Residual(game, CgdRule(), t, rate alpha).[0] |> values
    let exactErr = Array.mapi (fun k v -> abs (v - 4.0 * alpha * alpha * (gx.[k] + gy.[k] + 2.0 * alpha) / (1.0 + 2.0 * alpha) ** 2.0)) r |> Array.max
    check (sprintf "4.4: CGD's residual is 4 a^2 (x+y+2a)/(1+2a)^2 at alpha = %g (so CGD != iLOLA)" alpha) (exactErr < 1e-12) (sprintf "max error %.1e" exactErr)

// Propositions 4.5 / 4.6: two linear consistent solutions at alpha = 1; f = -2(x+y+1) moves every SFP (x, 1-x).
let linear (f: torch.Tensor -> torch.Tensor -> torch.Tensor) =
    FunctionRule("linear", Func<_, _>(fun (t: Collections.Generic.IReadOnlyList<torch.Tensor>) -> let v = f t.[0] t.[1] in [| v; v.clone() |]))
for (name, rule) in [ "-2(x+y+1)", linear (fun x y -> -2.0 * (x + y + 1.0)); "-(x+y-2)/2", linear (fun x y -> -0.5 * (x + y - 2.0)) ] do
    let r = Consistency.Residual(game, rule, theta (), rate 1.0) |> Array.collect values |> Array.map abs |> Array.max
    check (sprintf "4.5: f = %s is consistent at alpha = 1" name) (r < 1e-12) (sprintf "max residual %.1e" r)
let sfp = tensor [| 0.3; 0.7 |] 1L 2L
let moved = linear(fun x y -> -2.0 * (x + y + 1.0)).Update(game, game.Split sfp, rate 1.0) |> DifferentiableGame.Concat |> values
check "4.6: (0.3, 0.7) is a stable fixed point and f = -2(x+y+1) moves it by (-4, -4)"
    ((FixedPoints.Classify(game, sfp).[0].Kind = FixedPointKind.Stable) && abs (moved.[0] + 4.0) < 1e-12) (sprintf "update %A" moved)

// Table 1a (LOLA/HOLA and COLA), table 1b, figures 1d/4b/5 and the thesis' claims: the library's Tandem study.
let results = StudyRunner.Run(Studies.Tandem, StudyOptions(Fast = fast))
let report = StudyReport.Markdown results
IO.File.WriteAllText(IO.Path.Combine(dir, "report.md"), report)
printfn "%s" report
for c in results.Claims do claim (sprintf "(%s) %s" c.Source c.Statement) c.Holds c.Detail

finish ()
