using Hybrid.Shaping.Training;
using Xunit;

namespace Hybrid.Shaping.Tests;

/// <summary>
/// Three generations of each meta-agent, pinned at the commit whose build produced docs/reproduction/shaping.md
/// (bc3c6b4): an optimisation of the kernels that changed any number would show here first. Training is chaotic, so
/// a change of rounding anywhere moves these; the tolerance only absorbs the last bits of a sum.
/// </summary>
public class GoldenTests
{
    [Theory]
    [InlineData(ShapeMethod.Shaper, new[] { -2.1565104166666664, -1.1510416666666667, -1.9049479166666667, -1.3385416666666667, -1.5835937500000001, -1.44296875 })]
    [InlineData(ShapeMethod.Mfos, new[] { -2.154166666666667, -1.1541666666666666, -1.9583333333333335, -1.2833333333333334, -1.45234375, -1.44921875 })]
    [InlineData(ShapeMethod.Gs, new[] { -2.154166666666667, -1.1541666666666666, -1.9583333333333335, -1.2833333333333334, -1.4333333333333333, -1.4583333333333335 })]
    public void ThreeGenerationsReproduceTheRecordedNumbers(ShapeMethod method, double[] expected)
    {
        var c = ShapeConfig.For(method, "ipd");
        c.PopSize = 8; c.Coplayers = 2; c.Outer = 6; c.Inner = 20; c.Generations = 3;
        using var t = new ShapeTrainer(c);
        var got = Enumerable.Range(0, 3).SelectMany(_ => { var g = t.Step(); return new[] { g.FitnessMean, g.CoPlayerReward }; }).ToArray();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 1e-9);
    }
}
