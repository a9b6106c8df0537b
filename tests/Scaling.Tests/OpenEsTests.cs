using Hybrid.Scaling.Algorithms;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Tests;

/// <summary>OpenES against evosax's definitions, worked by hand.</summary>
public class OpenEsTests
{
    static double[] Values(Tensor t) => t.to(ScalarType.Float64).contiguous().data<double>().ToArray();

    [Fact]
    public void AskDrawsAntitheticPairsAroundTheMean()
    {
        using var es = new OpenEs(3, new OpenEsConfig { PopSize = 6, InitMin = -1, InitMax = 1 }, seed: 7, dtype: ScalarType.Float64);
        var mean = Values(es.Mean);
        Assert.All(mean, x => Assert.InRange(x, -1, 1));
        var x = es.Ask();
        Assert.Equal(new long[] { 6, 3 }, x.shape);
        for (var i = 0; i < 3; i++)
            for (var d = 0; d < 3; d++)
                Assert.Equal(2 * mean[d], x[i, d].item<double>() + x[i + 3, d].item<double>(), 12);
        Assert.NotEqual(x[0, 0].item<double>(), x[1, 0].item<double>());
        // Same seed, same population.
        using var twin = new OpenEs(3, new OpenEsConfig { PopSize = 6, InitMin = -1, InitMax = 1 }, seed: 7, dtype: ScalarType.Float64);
        Assert.Equal(Values(x), Values(twin.Ask()));
    }

    [Fact]
    public void FitnessShapingNegatesPenalisesRanksAndCentres()
    {
        var x = tensor(new double[] { 1, 1, 0, 0, 2, 0, 0, 0 }).view(4, 2);
        var fitness = new double[] { 1, 3, 2, 2 };
        // Maximising: -fitness, minus its mean (2): 1, -1, 0, 0.
        Assert.Equal(new double[] { 1, -1, 0, 0 }, OpenEs.Shape(x, fitness, new OpenEsConfig()));
        // Weight decay 0.1 x mean(x^2) is added after the negation: -0.9, -3, -1.8, -2.
        Assert.Equal(new[] { -0.9, -3, -1.8, -2 }, OpenEs.Shape(x, fitness, new OpenEsConfig { WDecay = 0.1, MeanReduce = false }), (a, b) => Math.Abs(a - b) < 1e-12);
        // Centred ranks of (-1, -3, -2, -2), ties in index order: ranks 3, 0, 1, 2 -> r / 3 - 0.5.
        Assert.Equal(new[] { 0.5, -0.5, -1.0 / 6, 1.0 / 6 }, OpenEs.Shape(x, fitness, new OpenEsConfig { CenteredRank = true }), (a, b) => Math.Abs(a - b) < 1e-12);
        var z = OpenEs.Shape(x, fitness, new OpenEsConfig { ZScore = true, MeanReduce = false });
        Assert.Equal(0, z.Average(), 12);
        Assert.Equal(1, Math.Sqrt(z.Average(v => v * v)), 6);
        Assert.Throws<ArgumentException>(() => new OpenEs(2, new OpenEsConfig { CenteredRank = true, ZScore = true }, 0));
        Assert.Throws<ArgumentException>(() => new OpenEs(2, new OpenEsConfig { PopSize = 5 }, 0));
    }

    [Fact]
    public void TellTakesAnAdamStepAlongTheFitnessGradientThenDecays()
    {
        using var es = new OpenEs(1, new OpenEsConfig { PopSize = 2 }, seed: 0, dtype: ScalarType.Float64);
        // Candidates at +-sigma (z = +-1); the first is better. Shaped: (-1, 0) - mean = (-0.5, 0.5);
        // g = (-0.5 x 1 + 0.5 x -1) / (2 x 0.04) = -12.5; the first Adam step is lr g / (|g| + eps), so the mean moves to +0.1.
        es.Tell(tensor(new[] { 0.04, -0.04 }).view(2, 1), new double[] { 1, 0 });
        Assert.Equal(0.1 * 12.5 / (12.5 + 1e-8), es.Mean[0].item<double>(), 12);
        Assert.Equal(0.04 * 0.999, es.Sigma, 15);
        Assert.Equal(0.1 * 0.9999, es.LearningRate, 15);
        Assert.Equal(1, es.Generation);
        // Floors: sigma and lr stop at their limits.
        using var floored = new OpenEs(1, new OpenEsConfig { PopSize = 2, SigmaDecay = 0.1, LrateDecay = 0.001 }, 0);
        floored.Tell(floored.Ask(), new double[] { 0, 1 });
        floored.Tell(floored.Ask(), new double[] { 0, 1 });
        Assert.Equal(0.01, floored.Sigma);
        Assert.Equal(0.001, floored.LearningRate);
        Assert.Throws<ArgumentException>(() => floored.Tell(zeros(3, 1), new double[] { 0, 1, 2 }));
        Assert.Throws<ArgumentException>(() => floored.Tell(zeros(2, 1), new[] { 0, double.NaN }));
    }

    static double[] Fitness(Tensor x, double[] target) =>
        Enumerable.Range(0, (int)x.shape[0]).Select(i => -Values(x[i]).Zip(target, (a, b) => (a - b) * (a - b)).Sum()).ToArray();

    [Fact]
    public void OpenEsFindsTheMaximumOfAConcaveFunction()
    {
        var target = new[] { 3.0, -1.0, 0.5, 2.0 };
        using var es = new OpenEs(4, new OpenEsConfig { PopSize = 32, SigmaInit = 0.1, SigmaLimit = 0.05, LrateInit = 0.05, LrateDecay = 0.995 }, seed: 11);
        for (var g = 0; g < 600; g++)
        {
            var x = es.Ask();
            es.Tell(x, Fitness(x, target));
        }
        var mean = Values(es.Mean);
        for (var d = 0; d < 4; d++) Assert.Equal(target[d], mean[d], 0.15);
    }

    [Fact]
    public void SavedSearchContinuesIdentically()
    {
        var target = new double[] { 0, 0, 0 };
        using var a = new OpenEs(3, new OpenEsConfig { PopSize = 8, InitMin = 1, InitMax = 2 }, 5);
        for (var g = 0; g < 3; g++) { var x = a.Ask(); a.Tell(x, Fitness(x, target)); }
        var saved = StateFile.ToBytes(StateHeader.Of("openes", 1, "OpenES test", []), a.Save);
        using var b = new OpenEs(3, new OpenEsConfig { PopSize = 8 }, 99);
        using (var reader = StateFile.Read(saved, "es.bin", "openes")) b.Load(reader);
        for (var g = 0; g < 3; g++)
        {
            var xa = a.Ask();
            var xb = b.Ask();
            Assert.Equal(Values(xa), Values(xb));
            a.Tell(xa, Fitness(xa, target));
            b.Tell(xb, Fitness(xb, target));
        }
        Assert.Equal(Values(a.Mean), Values(b.Mean));
        using var other = new OpenEs(4, new OpenEsConfig { PopSize = 8 }, 1);
        using var r = StateFile.Read(saved, "es.bin", "openes");
        Assert.Contains("3 parameters, this one 4", Assert.Throws<InvalidDataException>(() => other.Load(r)).Message);
    }
}
