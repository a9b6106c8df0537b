/// The IPD's closed-form value is the linear-solve value, with the same derivatives (IpdValue.ClosedForm).
module Hybrid.Games.Properties.IpdProperties

open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Hybrid.Games
open Hybrid.Games.Catalog
open Hybrid.Games.Properties.Generators
open Hybrid.Games.Rules

let private reference = IteratedPrisonersDilemma()

/// Up to 4 points of [-8, 8]^10 (beyond the logit box, where the policies saturate) and a discount in [0.3, 0.99].
let private pointsAndDiscount =
    gen {
        let! points = pointsOf reference 8.0 4
        let! gamma = floatIn 0.3 0.99
        return (points, gamma)
    }

[<Property(MaxTest = 50)>]
let ``closed-form IPD losses and gradients equal the linear solve's`` () =
    Prop.forAll (Arb.fromGen pointsAndDiscount) (fun (points, gamma) ->
        use scope = torch.NewDisposeScope()
        let solve = IteratedPrisonersDilemma(gamma)
        let closed = IteratedPrisonersDilemma(gamma, IpdValue.ClosedForm)
        let lossesAndGradients (game: DifferentiableGame) =
            let theta = Autodiff.Leaves(split reference points)
            game.Losses theta
            |> Array.map (fun loss -> Array.append (values loss) (theta |> Array.map (fun t -> Autodiff.Grad(loss, t)) |> concat))
        Array.forall2 (close 1e-11) (lossesAndGradients solve) (lossesAndGradients closed))

[<Property(MaxTest = 15)>]
let ``HOLA-0 to HOLA-3 on the closed-form IPD equal the linear solve's`` () =
    Prop.forAll (Arb.fromGen (Gen.zip (pointsOf reference 7.0 3) (floatIn 0.03 1.0))) (fun (points, alpha) ->
        use scope = torch.NewDisposeScope()
        let levels (game: DifferentiableGame) = HolaRule.Sequence(game, split reference points, rate alpha, 3)
        let a = levels reference
        let b = levels (IteratedPrisonersDilemma(0.96, IpdValue.ClosedForm))
        [ 0 .. 3 ] |> List.forall (fun n -> close 1e-10 (concat a.[n]) (concat b.[n])))
