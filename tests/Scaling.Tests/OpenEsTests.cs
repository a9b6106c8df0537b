using Hybrid.Scaling.Algorithms;
using Xunit;

namespace Hybrid.Scaling.Tests;

/// <summary>OpenES against evosax's definitions, worked by hand.</summary>
public class OpenEsTests
{
    [Fact]
    public void AskDrawsAntitheticPairsAroundTheMean()
    {
        var es = new OpenEs(3, new OpenEsConfig { PopSize = 6, InitMin = -1, InitMax = 1 }, seed: 7);
        Assert.All(es.Mean, x => Assert.InRange(x, -1, 1));
        var x = es.Ask();
        Assert.Equal(6, x.Length);
        for (var i = 0; i < 3; i++)
            for (var d = 0; d < 3; d++)
                Assert.Equal(2 * es.Mean[d], x[i][d] + x[i + 3][d], 12);
        Assert.NotEqual(x[0][0], x[1][0]);
        // Same seed, same population.
        Assert.Equal(x[2], new OpenEs(3, new OpenEsConfig { PopSize = 6, InitMin = -1, InitMax = 1 }, seed: 7).Ask()[2]);
    }

    [Fact]
    public void FitnessShapingNegatesPenalisesRanksAndCentres()
    {
        var x = new[] { new double[] { 1, 1 }, new double[] { 0, 0 }, new double[] { 2, 0 }, new double[] { 0, 0 } };
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
        var es = new OpenEs(1, new OpenEsConfig { PopSize = 2 }, seed: 0);
        // Candidates at +-sigma (z = +-1); the first is better. Shaped: (-1, 0) - mean = (-0.5, 0.5);
        // g = (-0.5 x 1 + 0.5 x -1) / (2 x 0.04) = -12.5; the first Adam step is lr g / (|g| + eps), so the mean moves to +0.1.
        es.Tell(new[] { new[] { 0.04 }, new[] { -0.04 } }, new double[] { 1, 0 });
        Assert.Equal(0.1 * 12.5 / (12.5 + 1e-8), es.Mean[0], 12);
        Assert.Equal(0.04 * 0.999, es.Sigma, 15);
        Assert.Equal(0.1 * 0.9999, es.LearningRate, 15);
        Assert.Equal(1, es.Generation);
        // Floors: sigma and lr stop at their limits.
        var floored = new OpenEs(1, new OpenEsConfig { PopSize = 2, SigmaDecay = 0.1, LrateDecay = 0.001 }, 0);
        floored.Tell(floored.Ask(), new double[] { 0, 1 });
        floored.Tell(floored.Ask(), new double[] { 0, 1 });
        Assert.Equal(0.01, floored.Sigma);
        Assert.Equal(0.001, floored.LearningRate);
    }

    [Fact]
    public void OpenEsFindsTheMaximumOfAConcaveFunction()
    {
        var target = new[] { 3.0, -1.0, 0.5, 2.0 };
        var es = new OpenEs(4, new OpenEsConfig { PopSize = 32, SigmaInit = 0.1, SigmaLimit = 0.05, LrateInit = 0.05, LrateDecay = 0.995 }, seed: 11);
        for (var g = 0; g < 600; g++)
        {
            var x = es.Ask();
            es.Tell(x, x.Select(c => -c.Zip(target, (a, b) => (a - b) * (a - b)).Sum()).ToArray());
        }
        for (var d = 0; d < 4; d++) Assert.Equal(target[d], es.Mean[d], 0.15);
    }

    [Fact]
    public void SavedSearchContinuesIdentically()
    {
        double[] Fitness(double[][] x) => x.Select(c => -c.Sum(a => a * a)).ToArray();
        var a = new OpenEs(3, new OpenEsConfig { PopSize = 8, InitMin = 1, InitMax = 2 }, 5);
        for (var g = 0; g < 3; g++) { var x = a.Ask(); a.Tell(x, Fitness(x)); }
        using var saved = new MemoryStream();
        using (var w = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true)) a.Save(w);
        saved.Position = 0;
        var b = new OpenEs(3, new OpenEsConfig { PopSize = 8 }, 99);
        b.Load(new BinaryReader(saved));
        for (var g = 0; g < 3; g++)
        {
            var xa = a.Ask();
            var xb = b.Ask();
            Assert.Equal(xa.SelectMany(r => r), xb.SelectMany(r => r));
            a.Tell(xa, Fitness(xa));
            b.Tell(xb, Fitness(xb));
        }
        Assert.Equal(a.Mean, b.Mean);
    }
}
