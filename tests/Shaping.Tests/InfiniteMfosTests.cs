using Hybrid.Games;
using Hybrid.Games.Catalog;
using Hybrid.Shaping.Infinite;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Tests;

/// <summary>The infinite IPD in pax's layout and the exact-gradient naive learner.</summary>
public class InfiniteMfosTests
{
    const int D = InfiniteIpd.Size;

    static double[] RandomLogits(int envs, double std, ulong seed)
    {
        var rng = SplitMix64.Start(seed);
        return Enumerable.Range(0, envs * D).Select(_ => std * SplitMix64.StandardNormal(ref rng)).ToArray();
    }

    static double OwnValue(double[] own, double[] other)
    {
        InfiniteIpd.Evaluate(own, other, 0.96, out var v, out _, Span<double>.Empty);
        return v;
    }

    [Fact]
    public void TheNaiveLearnersGradientMatchesFiniteDifferencesOfTheValue()
    {
        const int envs = 20;
        var own = RandomLogits(envs, 1.5, 1);
        var other = RandomLogits(envs, 1.5, 2);
        var learner = new ExactNaiveLearner(own, learningRate: 1.0);
        learner.Step(other);
        var gradient = learner.LastGradient.ToArray();
        const double h = 1e-5;
        for (var e = 0; e < envs; e++)
        {
            var o = other.AsSpan(e * D, D).ToArray();
            for (var k = 0; k < D; k++)
            {
                var plus = own.AsSpan(e * D, D).ToArray();
                var minus = plus.ToArray();
                plus[k] += h;
                minus[k] -= h;
                var numeric = (OwnValue(plus, o) - OwnValue(minus, o)) / (2 * h);
                Assert.True(Math.Abs(numeric - gradient[e * D + k]) <= 1e-6 * (1 + Math.Abs(numeric)),
                    $"environment {e}, logit {k}: closed form {gradient[e * D + k]}, finite differences {numeric}");
                // the step itself: theta + lr grad V
                Assert.Equal(own[e * D + k] + gradient[e * D + k], learner.Logits[e * D + k], 12);
            }
        }
    }

    [Fact]
    public void ValuesAndGradientsAgreeWithGamesCoresIpdUnderTheIndexMap()
    {
        const int envs = 16;
        var first = RandomLogits(envs, 2, 3);
        var second = RandomLogits(envs, 2, 4);
        var (v1, v2) = (new double[envs], new double[envs]);
        InfiniteIpd.Values(first, second, 0.96, v1, v2);
        var g2 = new double[envs * D];
        InfiniteIpd.OwnGradients(second, first, 0.96, g2);

        // Games.Core orders [start, CC, CD, DC, DD]: its index k is pax's GamesCoreOrder[k].
        static Tensor ToGamesCore(double[] pax, int envs) =>
            tensor(Enumerable.Range(0, envs).SelectMany(e => InfiniteIpd.GamesCoreOrder.Select(k => pax[e * D + k])).ToArray(), dtype: ScalarType.Float64).view(envs, D);
        using var scope = NewDisposeScope();
        var game = new IteratedPrisonersDilemma(0.96);
        var theta = Autodiff.Leaves(new[] { ToGamesCore(first, envs), ToGamesCore(second, envs) });
        var losses = game.Losses(theta);
        var l1 = losses[0].data<double>().ToArray();
        var l2 = losses[1].data<double>().ToArray();
        var grad2 = Autodiff.Grad(losses[1], theta[1], createGraph: false).data<double>().ToArray();
        for (var e = 0; e < envs; e++)
        {
            Assert.Equal(-l1[e], v1[e], 10);
            Assert.Equal(-l2[e], v2[e], 10);
            for (var k = 0; k < D; k++) Assert.Equal(-grad2[e * D + k], g2[e * D + InfiniteIpd.GamesCoreOrder[k]], 9);
        }
    }

    [Fact]
    public void KnownPoliciesPayWhatTheyShouldPerStep()
    {
        const double big = 60;
        double[] allC = { big, big, big, big, big }, allD = { -big, -big, -big, -big, -big };
        void Check(double[] a, double[] b, double ra, double rb)
        {
            InfiniteIpd.Evaluate(a, b, 0.96, out var va, out var vb, Span<double>.Empty);
            Assert.Equal(ra, 0.04 * va, 9);
            Assert.Equal(rb, 0.04 * vb, 9);
        }
        Check(allC, allC, -1, -1);
        Check(allD, allD, -2, -2);
        Check(allD, allC, 0, -3);
        Check(allC, allD, -3, 0);
        // The co-player reads the state in its own view: cooperating at the start and after its own CD keeps it
        // cooperating against a defector forever (in the first player's view the state is DC every step).
        double[] sucker = { -big, big, -big, -big, big };
        Check(allD, sucker, 0, -3);
        Check(sucker, allD, -3, 0);
    }

    [Fact]
    public void PaxsStartGivesTheNaiveLearnerSigmoidOfUniformLogits()
    {
        var start = InfiniteStart.Draw(InfiniteStartKind.Pax, 50, 7);
        Assert.All(start.NlLogits, x => Assert.InRange(x, 0.5, 1 / (1 + Math.Exp(-1))));
        Assert.All(start.PreviousLogits, x => Assert.InRange(x, 0, 1));
        for (var e = 0; e < 50; e++)
            for (var k = 0; k < D; k++)
            {
                Assert.Equal(start.NlLogits[e * D + k], start.Observation[e * 2 * D + k], 1e-6);
                Assert.Equal(InfiniteIpd.Sigmoid(start.PreviousLogits[e * D + k]), start.Observation[e * 2 * D + D + k], 1e-6);
            }
        // environment e's start does not depend on how many environments there are
        var fewer = InfiniteStart.Draw(InfiniteStartKind.Pax, 3, 7);
        Assert.Equal(start.NlLogits.Take(3 * D), fewer.NlLogits);
        Assert.NotEqual(start.NlLogits, InfiniteStart.Draw(InfiniteStartKind.Pax, 50, 8).NlLogits);
    }

    [Fact]
    public void TwoNaiveLearnersFromPaxsStartEndInMutualDefection()
    {
        var pair = NaivePair.Run(envs: 64, steps: 300, learningRate: 1.0, gamma: 0.96, start: InfiniteStartKind.Pax, seed: 0);
        Assert.InRange(pair.FirstReward[0], -1.9, -1.0);          // they start near mutual cooperation ...
        Assert.InRange(pair.FirstReward[^1], -2.0001, -1.99);     // ... and end in mutual defection
        Assert.InRange(pair.SecondReward[^1], -2.0001, -1.99);
        foreach (var learner in new[] { pair.First, pair.Second })
        {
            var p = InfiniteIpd.Probabilities(learner.Logits);
            for (var e = 0; e < 64; e++)
            {
                Assert.True(p[e * D + 3] < 0.01, $"P(C | DD) = {p[e * D + 3]} in environment {e}");
                Assert.True(p[e * D + InfiniteIpd.Start] < 0.1, $"P(C | start) = {p[e * D + InfiniteIpd.Start]} in environment {e}");
            }
        }
    }
}
