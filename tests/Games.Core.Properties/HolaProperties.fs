/// Appendix A (proposition A.1) and propositions 4.3 / C.3: HOLA in the Tandem game and where it converges.
module Hybrid.Games.Properties.HolaProperties

open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Hybrid.Games
open Hybrid.Games.Analysis
open Hybrid.Games.Catalog
open Hybrid.Games.Properties.Generators
open Hybrid.Games.Rules

[<Property(MaxTest = 25)>]
let ``A.1: in Tandem at alpha = 1, HOLA-n(x, y) = 2^(n+2) - 2(1 + x + y) for n = 0..8`` () =
    let game = Tandem()
    Prop.forAll (Arb.fromGen (pointsOf game 10.0 6)) (fun points ->
        use scope = torch.NewDisposeScope()
        let theta = split game points
        let levels = HolaRule.Sequence(game, theta, rate 1.0, 8)
        let x = values theta.[0]
        let y = values theta.[1]
        [ 0 .. 8 ] |> List.forall (fun n ->
            let expected = Array.map2 (fun a b -> 2.0 ** float (n + 2) - 2.0 * (1.0 + a + b)) x y
            close 1e-12 expected (values levels.[n].[0]) && close 1e-12 expected (values levels.[n].[1])))

let residualNorms (game: DifferentiableGame) theta alpha taylor =
    let leaves = Autodiff.Leaves theta
    // The residual is computed from its definition on the same leaves, differentiating through h^n itself.
    let hs = HolaRule.Sequence(game, leaves, rate alpha, 8, taylor)
    [| for n in 0 .. 7 ->
        let r =
            if taylor then Consistency.TaylorResidual(game, leaves, hs.[n], rate alpha)
            else Consistency.Residual(game, leaves, hs.[n], rate alpha)
        concat r |> Array.map (fun v -> v * v) |> Array.sum |> sqrt |]

let converging (game: DifferentiableGame) spread alphaHigh taylor =
    let cases = Gen.zip (pointsOf game spread 4) (floatIn 0.01 alphaHigh)
    Prop.forAll (Arb.fromGen cases) (fun (points, alpha) ->
        use scope = torch.NewDisposeScope()
        let r = residualNorms game (split game points) alpha taylor
        // Eight orders gain at least two digits over the largest residual seen. (Not monotone: at a given
        // order the affine residual of a point can pass close to zero and grow again.)
        r.[7] <= 1e-2 * Array.max r + 1e-13
        |> Prop.label (sprintf "alpha %g, residual norms %A" alpha r))

[<Property(MaxTest = 20)>]
let ``4.3: where HOLA converges (Tandem, alpha <= 0.1) the consistency residual of HOLA-n goes to 0`` () =
    converging (Tandem()) 1.0 0.1 false

[<Property(MaxTest = 15)>]
let ``4.3: the same holds in Matching Pennies below its threshold (alpha <= 0.5)`` () =
    converging (MatchingPennies()) 7.0 0.5 false

[<Property(MaxTest = 20)>]
let ``C.3: Taylor HOLA's Taylor consistency residual goes to 0 in Tandem for alpha <= 0.1`` () =
    converging (Tandem()) 1.0 0.1 true

[<Property(MaxTest = 15)>]
let ``A.1 consequence: at alpha = 1 the residual of HOLA-n doubles with every order`` () =
    let game = Tandem()
    Prop.forAll (Arb.fromGen (pointsOf game 1.0 4)) (fun points ->
        use scope = torch.NewDisposeScope()
        let r = residualNorms game (split game points) 1.0 false
        Array.pairwise r |> Array.forall (fun (a, b) -> abs (b / a - 2.0) < 1e-9))
