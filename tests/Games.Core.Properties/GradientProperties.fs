/// Every game's autodiff gradients agree with central finite differences (gradcheck style).
module Hybrid.Games.Properties.GradientProperties

open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open TorchSharp
open Hybrid.Games
open Hybrid.Games.Catalog
open Hybrid.Games.Properties.Generators

let gradcheck (name: string) =
    let game = GameRegistry.Create name
    Prop.forAll (Arb.fromGen (pointsOf game (game.Region.High * 0.9) 3)) (fun (count, flat) ->
        use scope = torch.NewDisposeScope()
        let theta = Autodiff.Leaves(split game (count, flat))
        let losses = game.Losses theta
        let step = 1e-6
        let d = game.TotalParameters
        let mutable ok = true
        let mutable worst = 0.0
        for i in 0 .. game.PlayerCount - 1 do
            // Full gradient of L^i with respect to all parameters, in concatenated order.
            let analytic = theta |> Array.map (fun t -> Autodiff.Grad(losses.[i], t)) |> concat
            for k in 0 .. d - 1 do
                let shifted delta =
                    let moved = Array.init (count * d) (fun j -> if j % d = k then flat.[j] + delta else flat.[j])
                    values (game.Loss(i, split game (count, moved)))
                let plus = shifted step
                let minus = shifted -step
                for s in 0 .. count - 1 do
                    let numeric = (plus.[s] - minus.[s]) / (2.0 * step)
                    let exact = analytic.[s * d + k]
                    let err = abs (numeric - exact) / (1.0 + abs exact)
                    worst <- max worst err
                    if err > 1e-6 then ok <- false
        ok |> Prop.label (sprintf "%s: worst relative error %g" name worst))

[<Property(MaxTest = 20)>]
let ``Tandem gradients agree with finite differences`` () = gradcheck "tandem"

[<Property(MaxTest = 20)>]
let ``Hamiltonian gradients agree with finite differences`` () = gradcheck "hamiltonian"

[<Property(MaxTest = 20)>]
let ``Balduzzi gradients agree with finite differences`` () = gradcheck "balduzzi"

[<Property(MaxTest = 20)>]
let ``Matching Pennies gradients agree with finite differences`` () = gradcheck "mp"

[<Property(MaxTest = 20)>]
let ``Ultimatum gradients agree with finite differences`` () = gradcheck "ultimatum"

[<Property(MaxTest = 20)>]
let ``Chicken gradients agree with finite differences`` () = gradcheck "chicken"

[<Property(MaxTest = 20)>]
let ``IPD gradients agree with finite differences`` () = gradcheck "ipd"
