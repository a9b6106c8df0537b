/// Shared generators and tensor helpers for the property tests.
module Hybrid.Games.Properties.Generators

open System
open FsCheck.FSharp
open TorchSharp
open Hybrid.Games
open Hybrid.Games.Rules
open Hybrid.Kernel

/// A float drawn uniformly from [lo, hi] (FsCheck shrinks towards lo).
let floatIn lo hi =
    Gen.choose (0, 1_000_000) |> Gen.map (fun i -> lo + (hi - lo) * float i / 1e6)

/// Between 1 and n points of a game's region scaled by `spread`, as lists of per-player rows.
let pointsOf (game: DifferentiableGame) spread n =
    gen {
        let! count = Gen.choose (1, n)
        let d = game.TotalParameters
        let! values = Gen.listOfLength (count * d) (floatIn (-spread) spread)
        return (count, Array.ofList values)
    }

/// A [count, D] tensor split per player.
let split (game: DifferentiableGame) (count: int, values: float[]) =
    let flat = torch.tensor(values, dtype = torch.ScalarType.Float64).reshape(int64 count, int64 game.TotalParameters)
    game.Split flat

let values (t: torch.Tensor) = t.detach().cpu().contiguous().data<float>().ToArray()

let concat (ts: torch.Tensor[]) = DifferentiableGame.Concat ts |> values

let rate (alpha: float) = LearningRuleExtensions.Rate alpha

/// Max absolute difference between two arrays.
let maxDiff (a: float[]) (b: float[]) = Array.map2 (fun x y -> abs (x - y)) a b |> Array.fold max 0.0

/// True when the arrays agree to `tol` relative to their magnitude (and absolutely near zero).
let close tol (a: float[]) (b: float[]) =
    let scale = Array.append a b |> Array.fold (fun m x -> max m (abs x)) 1.0
    maxDiff a b <= tol * scale

/// A random smooth two-player game: cubic polynomials plus a tanh coupling, with random coefficients
/// and 1 or 2 parameters per player, used where a statement holds for all differentiable games.
type RandomGame = { Size: int; Coefficients: float[] }

let randomGame =
    gen {
        let! size = Gen.choose (1, 2)
        let! coefficients = Gen.listOfLength 14 (floatIn -2.0 2.0)
        return { Size = size; Coefficients = Array.ofList coefficients }
    }

let build (g: RandomGame) : DifferentiableGame =
    let c = g.Coefficients
    let loss (k: int) (x: torch.Tensor) (y: torch.Tensor) =
        let o = 7 * k
        // Held for exactly this call: a Scalar that TorchSharp reads must outlive the native call.
        let w = Array.init 7 (fun i -> c.[o + i].ToScalar())
        try
            let xy = x * y
            x.Square().mul(w.[0]).Plus(y.Square().mul(w.[1])).Plus(xy.mul(w.[2])).Plus(x.mul(w.[3]))
             .Plus(xy.mul(w.[4]) * x).Plus(xy.mul(w.[5]) * y).Plus(torch.tanh(x - y.mul(Keep.Two)).mul(w.[6])).sum(1L)
        finally
            for s in w do s.Dispose()
    Catalog.CustomGame.TwoPlayer("random", g.Size, Region.Unit, Func<_, _, _>(loss 0), Func<_, _, _>(loss 1))
