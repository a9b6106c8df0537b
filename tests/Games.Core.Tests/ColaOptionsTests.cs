using TorchSharp;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Hybrid.Games.Tables;
using Xunit;
using static Hybrid.Games.Tests.TestPoints;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

/// <summary>The COLA choices the thesis leaves open: output units, input scale, restarts with held-out selection.</summary>
public class ColaOptionsTests
{
    static readonly ColaSettings Short = ColaSettings.Polynomial with { Steps = 200 };

    [Fact]
    public void GradientUnitsScaleTheOutputByEachRunsAlpha()
    {
        var game = new Tandem();
        var plain = ColaNetworks.Create(game, Short, new long[] { 3, 4 });
        var scaled = ColaNetworks.FromParameters(game, Short with { Output = ColaOutput.GradientUnits }, plain.Parameters.detach().clone(), new[] { 0.5, 0.01 });
        var theta = game.Region.Sample(new long[] { 2, 7, 2 }, new Generator(1));
        var (h, g) = (plain.Forward(theta), scaled.Forward(theta));
        static double[] Times(Tensor t, double c) => Values(t).Select(v => v * c).ToArray();
        for (var i = 0; i < 2; i++)
        {
            ArrayAssert.Close(Times(h[i][0], 0.5), Values(g[i][0]), 14);
            ArrayAssert.Close(Times(h[i][1], 0.01), Values(g[i][1]), 14);
        }
        // A single run as a rule carries its own alpha.
        ArrayAssert.Close(Times(h[0][1], 0.01), Values(scaled.ForwardRun(1, theta[1])[0]), 14);
        Assert.Throws<ArgumentException>(() => ColaNetworks.Create(game, Short with { Output = ColaOutput.GradientUnits }, new long[] { 3 }));
    }

    [Fact]
    public void InputScaleMultipliesThePointsTheNetworksRead()
    {
        var game = new MatchingPennies();
        var settings = ColaSettings.NonPolynomial with { Steps = 1 };
        var plain = ColaNetworks.Create(game, settings, new long[] { 5 });
        var scaled = ColaNetworks.FromParameters(game, settings with { InputScale = 1.0 / 7 }, plain.Parameters.detach().clone());
        var theta = game.Region.Sample(new long[] { 1, 9, 2 }, new Generator(2));
        using var seventh = (1.0 / 7).ToScalar();
        ArrayAssert.Close(Values(plain.Forward(theta.mul(seventh))[1]), Values(scaled.Forward(theta)[1]), 14);
        Assert.Throws<ArgumentOutOfRangeException>(() => (settings with { InputScale = 0 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (settings with { Restarts = 0 }).Validate());
    }

    [Fact]
    public void RestartsKeepTheCandidateWithTheLowestHeldOutLoss()
    {
        var game = new Tandem();
        double[] alphas = { 1.0, 0.1 };
        const int runs = 2, candidates = 3, validation = 300;
        var settings = Short with { Restarts = candidates, ValidationPoints = validation };
        var rows = ConsistencyTable.Compute(game, alphas, new[] { 1 }, new PointSource.Sampled(200, 0), Array.Empty<string>(),
            cola: new ColaTableOptions(runs, settings, Seed: 10));
        // The same candidates trained directly: entry c A R + i R + k, seed 10 + entry.
        var runAlphas = Enumerable.Range(0, candidates).SelectMany(_ => alphas.SelectMany(a => Enumerable.Repeat(a, runs))).ToArray();
        var trainer = ColaTrainer.Create(game, settings, runAlphas, Enumerable.Range(0, runAlphas.Length).Select(k => 10L + k).ToArray());
        trainer.Train();
        for (var i = 0; i < alphas.Length; i++)
        {
            var held = ColaTable.ValidationPoints(game, 10, i, validation);
            var losses = Values(trainer.ConsistencyLoss(held));
            for (var k = 0; k < runs; k++)
            {
                var entries = Enumerable.Range(0, candidates).Select(c => c * alphas.Length * runs + i * runs + k).ToArray();
                var best = entries.MinBy(e => losses[e]);
                Assert.Equal(best, rows[i].Cola!.Rules[k].Run);
            }
        }
        // Without restarts the table keeps candidate 0, the run a table has always trained.
        var single = ConsistencyTable.Compute(game, alphas, new[] { 1 }, new PointSource.Sampled(200, 0), Array.Empty<string>(),
            cola: new ColaTableOptions(runs, Short, Seed: 10));
        Assert.Equal(new[] { 0, 1 }, single[0].Cola!.Rules.Select(r => r.Run));
        Assert.True(rows.Zip(single).All(p => p.First.Cola!.PerRun.Length == runs));
    }
}
