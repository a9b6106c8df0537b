/// The IL checks of Hybrid.TestSupport on the property tests and the libraries they run.
module Hybrid.Games.Properties.CodeChecks

open Xunit
open Hybrid.TestSupport

type private Marker = class end

[<Fact>]
let ``the property tests and the libraries they use never hand libtorch a temporary Scalar`` () =
    let assemblies = ScalarLifetime.WithHybridReferences(typeof<Marker>.Assembly)
    Assert.Contains(typeof<Hybrid.Games.DifferentiableGame>.Assembly, assemblies)
    let offenders = ScalarLifetime.Offenders(assemblies)
    Assert.True(offenders.Count = 0, ScalarLifetime.Advice + "\n" + String.concat "\n" offenders)
