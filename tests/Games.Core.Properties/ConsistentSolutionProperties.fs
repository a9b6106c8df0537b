/// Propositions 4.5, 4.6 and 4.7 (appendices E, F, G): linear consistent solutions.
module Hybrid.Games.Properties.ConsistentSolutionProperties

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Hybrid.Games
open Hybrid.Games.Analysis
open Hybrid.Games.Catalog
open Hybrid.Games.Properties.Generators
open Hybrid.Games.Rules
open Hybrid.Kernel

/// f1 = f2 = a x + b y + c with the +/- solution of appendix E.
let tandemLinear alpha sign =
    let a = (sign * sqrt (1.0 + 8.0 * alpha) - 1.0 - 4.0 * alpha) / (4.0 * alpha)
    let b = -2.0 * alpha * (1.0 + a) / (1.0 + 2.0 * alpha * (1.0 + a))
    let c = 2.0 * alpha / (1.0 + 2.0 * alpha * (1.0 + a))
    FunctionRule(sprintf "linear%+.0f" sign, Func<_, _>(fun (t: Collections.Generic.IReadOnlyList<torch.Tensor>) ->
        use sa = a.ToScalar()
        use sb = b.ToScalar()
        use sc = c.ToScalar()
        let f = t.[0].mul(sa).Plus(t.[1].mul(sb)).Plus(sc)
        [| f; f.clone() |]))

let residualMax (game: DifferentiableGame) (rule: ILearningRule) (theta: torch.Tensor[]) alpha =
    Consistency.Residual(game, rule, theta, rate alpha) |> concat |> Array.fold (fun m v -> max m (abs v)) 0.0

[<Property(MaxTest = 50)>]
let ``4.5: for any alpha > 0 both linear solutions satisfy the Tandem consistency equations to 1e-10`` () =
    let cases = Gen.zip (pointsOf (Tandem()) 10.0 5) (floatIn 0.001 10.0)
    Prop.forAll (Arb.fromGen cases) (fun (points, alpha) ->
        use scope = torch.NewDisposeScope()
        let game = Tandem()
        let theta = split game points
        let plus = residualMax game (tandemLinear alpha 1.0) theta alpha
        let minus = residualMax game (tandemLinear alpha -1.0) theta alpha
        (plus < 1e-10 && minus < 1e-10) |> Prop.label (sprintf "alpha %g: residuals %g %g" alpha plus minus))

[<Property(MaxTest = 50)>]
let ``4.6: the consistent solution f = -2(x+y+1) at alpha = 1 moves every stable fixed point (x, 1-x)`` () =
    Prop.forAll (Arb.fromGen (floatIn -100.0 100.0)) (fun x ->
        use scope = torch.NewDisposeScope()
        let game = Tandem()
        let rule = FunctionRule("f", Func<_, _>(fun (t: Collections.Generic.IReadOnlyList<torch.Tensor>) ->
            use minusTwo = (-2.0).ToScalar()
            let f = t.[0].Plus(t.[1]).Plus(Keep.One).mul(minusTwo)
            [| f; f.clone() |]))
        let point = torch.tensor([| x; 1.0 - x |], dtype = torch.ScalarType.Float64).reshape(1L, 2L)
        let classified = FixedPoints.Classify(game, point).[0]
        let theta = game.Split point
        let update = rule.Update(game, theta, rate 1.0) |> concat
        classified.Kind = FixedPointKind.Stable
        && residualMax game rule theta 1.0 < 1e-12
        && abs (update.[0] + 4.0) < 1e-9 && abs (update.[1] + 4.0) < 1e-9)

/// The linear consistent solution of the Hamiltonian game (appendix G).
let hamiltonianConsistent alpha =
    let s = -alpha / (1.0 + 2.0 * alpha * alpha)
    FunctionRule("consistent", Func<_, _>(fun (t: Collections.Generic.IReadOnlyList<torch.Tensor>) ->
        use scale = s.ToScalar()
        use twoAlpha = (2.0 * alpha).ToScalar()
        [| t.[1].Plus(t.[0].mul(twoAlpha)).mul(scale); (-t.[0]).Plus(t.[1].mul(twoAlpha)).mul(scale) |]))

let lambda alpha = 1.0 - alpha * alpha * (3.0 + 4.0 * alpha * alpha) / (1.0 + 2.0 * alpha * alpha) ** 2.0

let squaredNorms (theta: torch.Tensor[]) (h: torch.Tensor[]) =
    let before = Array.map2 (fun x y -> x * x + y * y) (values theta.[0]) (values theta.[1])
    let x1 = values (theta.[0].Plus(h.[0]))
    let y1 = values (theta.[1].Plus(h.[1]))
    before, Array.map2 (fun x y -> x * x + y * y) x1 y1

[<Property(MaxTest = 50)>]
let ``4.7: in the Hamiltonian game p-LOLA with alpha > 1 grows ||theta||^2 by at least 1 - alpha^2 + alpha^4 per step`` () =
    let game = Hamiltonian()
    let cases = Gen.zip3 (pointsOf game 1.0 5) (floatIn 1.0001 5.0) (floatIn 0.0 1.0)
    Prop.forAll (Arb.fromGen cases) (fun (points, alpha, p) ->
        use scope = torch.NewDisposeScope()
        let theta = split game points
        let before, after = squaredNorms theta (PLolaRule(p).Update(game, theta, rate alpha))
        let bound = 1.0 - alpha * alpha + alpha ** 4.0
        bound > 1.0 && Array.forall2 (fun b a -> a >= bound * b * (1.0 - 1e-12)) before after)

[<Property(MaxTest = 50)>]
let ``4.7: the linear consistent solution shrinks ||theta||^2 by exactly lambda(alpha), and lambda decreases in alpha`` () =
    let game = Hamiltonian()
    let cases = Gen.zip3 (pointsOf game 1.0 5) (floatIn 0.01 10.0) (floatIn 0.01 10.0)
    Prop.forAll (Arb.fromGen cases) (fun (points, a1, a2) ->
        use scope = torch.NewDisposeScope()
        let theta = split game points
        let measured alpha =
            let rule = hamiltonianConsistent alpha
            let before, after = squaredNorms theta (rule.Update(game, theta, rate alpha))
            residualMax game rule theta alpha, Array.map2 (fun a b -> a / b) after before
        let r1, ratio1 = measured a1
        let r2, ratio2 = measured a2
        let exact = Array.forall (fun v -> abs (v - lambda a1) < 1e-12) ratio1 && Array.forall (fun v -> abs (v - lambda a2) < 1e-12) ratio2
        let ordered = a1 = a2 || ((a1 < a2) = (ratio1.[0] > ratio2.[0]))
        (r1 < 1e-12 && r2 < 1e-12 && exact && ordered && ratio1.[0] < 1.0)
        |> Prop.label (sprintf "alphas %g %g: ratios %g %g, lambda %g %g" a1 a2 ratio1.[0] ratio2.[0] (lambda a1) (lambda a2)))
