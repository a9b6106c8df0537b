using Hybrid.Games;
using Hybrid.Games.Catalog;
using Hybrid.Shaping.Infinite;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Tests;

/// <summary>The infinite IPD in pax's layout, the exact-gradient naive learner, and the original M-FOS (pax's Hyper agent) against it.</summary>
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

    [Fact]
    public void TheHyperNetworkHasPaxsShapesAndStartsNearScaleSoftplusZero()
    {
        using var scope = NewDisposeScope();
        using var network = new HyperNetwork(256, seed: 0);
        // actor Linear(10, 256) + Linear(256, 10); critic Linear(10, 256) + bias-free Linear(256, 1)
        Assert.Equal(10 * 256 + 256 + 256 * 10 + 10 + 10 * 256 + 256 + 256, network.Parameters.Size);
        var observations = rand(new long[] { 1, 32, HyperNetwork.Inputs });
        var (mean, scale, value) = network.Forward(observations);
        Assert.Equal(new long[] { 1, 32, 5 }, mean.shape);
        Assert.Equal(new long[] { 1, 32 }, value.shape);
        // orthogonal(0.01) output layer and zero biases: means near 0, scales near softplus(0) = log 2
        Assert.True(mean.abs().max().item<float>() < 0.05f);
        Assert.InRange(scale.min().item<float>(), 0.66f, 0.73f);
        Assert.InRange(scale.max().item<float>(), 0.66f, 0.73f);
        var x = tensor(new float[] { -100, -1, 0, 2, 100 });
        var softplus = HyperNetwork.Softplus(x).data<float>().ToArray();
        double[] exact = { 0, Math.Log(1 + Math.Exp(-1)), Math.Log(2), Math.Log(1 + Math.Exp(2)), 100 };
        for (var k = 0; k < 5; k++) Assert.Equal(exact[k], softplus[k], 1e-6);
        // log N(a; mu, sigma) summed over the 5 dimensions
        var a = tensor(new float[] { 0.5f, -1, 2, 0, 1 }).view(1, 1, 5);
        var mu = tensor(new float[] { 0, 0, 1, 0, -1 }).view(1, 1, 5);
        var sigma = tensor(new float[] { 1, 2, 0.5f, 1, 3 }).view(1, 1, 5);
        double expected = 0, entropy = 0;
        float[] av = { 0.5f, -1, 2, 0, 1 }, mv = { 0, 0, 1, 0, -1 }, sv = { 1, 2, 0.5f, 1, 3 };
        for (var k = 0; k < 5; k++)
        {
            var z = (av[k] - mv[k]) / sv[k];
            expected += -0.5 * z * z - Math.Log(sv[k]) - 0.5 * Math.Log(2 * Math.PI);
            entropy += Math.Log(sv[k]) + 0.5 * (1 + Math.Log(2 * Math.PI));
        }
        Assert.Equal(expected, DiagonalNormal.LogProb(a, mu, sigma).item<float>(), 1e-5);
        Assert.Equal(entropy, DiagonalNormal.Entropy(sigma).item<float>(), 1e-5);
    }

    // Small enough for seconds on one thread (OMP_NUM_THREADS=1; two libtorch threads on a busy machine can take ten times longer).
    static InfiniteMfosConfig Short(int updates) => new() { Envs = 64, MetaSteps = 50, Updates = updates, Hidden = 64, Lr = 0.01 };

    [Fact]
    public void AShortMfosRunImprovesTheMetaAgentsRewardOverItsFirstUpdate()
    {
        var seen = new List<InfiniteMfosUpdate>();
        var result = InfiniteMfos.Train(Short(40), seed: 0, seen.Add);
        Assert.Equal(40, result.Updates.Count);
        Assert.Equal(result.Updates, seen);
        var first = result.Updates[0].MfosReward;
        var last = result.Updates.TakeLast(5).Average(u => u.MfosReward);
        Assert.True(last > first + 0.5, $"M-FOS reward per step: first update {first:F3}, mean of the last five {last:F3}");
        Assert.Equal(64 * D, result.MfosPolicy.Length);
        Assert.Equal(64 * D, result.NlPolicy.Length);
        Assert.All(result.MfosPolicy.Concat(result.NlPolicy), p => Assert.InRange(p, 0, 1));
    }

    [Fact]
    public void TheSameSeedTrainsTheSameAgentAndAnotherSeedAnother()
    {
        var config = Short(2) with { Envs = 8, MetaSteps = 10, Minibatches = 2, ChunkRows = 16 };
        var a = InfiniteMfos.Train(config, seed: 1);
        var b = InfiniteMfos.Train(config, seed: 1);
        var c = InfiniteMfos.Train(config, seed: 2);
        Assert.Equal(a.Parameters, b.Parameters);
        Assert.Equal(a.Updates.Select(u => u.MfosReward), b.Updates.Select(u => u.MfosReward));
        Assert.NotEqual(a.Parameters, c.Parameters);
    }

    [Fact]
    public void ChunkingTheMinibatchGivesItsGradient()
    {
        var whole = InfiniteMfos.Train(Short(2) with { Envs = 16, MetaSteps = 10, ChunkRows = 1_000 }, seed: 3);
        var chunked = InfiniteMfos.Train(Short(2) with { Envs = 16, MetaSteps = 10, ChunkRows = 7 }, seed: 3);
        for (var k = 0; k < whole.Parameters.Length; k++) Assert.Equal(whole.Parameters[k], chunked.Parameters[k], 4);
    }

    [Fact]
    public void BadSettingsAreRefusedByName()
    {
        Assert.Contains("minibatches", Assert.Throws<ArgumentException>(() => InfiniteMfos.Train(Short(1) with { Envs = 3, MetaSteps = 3, Minibatches = 2 }, 0)).Message);
        Assert.Contains("game_gamma", Assert.Throws<ArgumentException>(() => InfiniteMfos.Train(Short(1) with { GameGamma = 1 }, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExactNaiveLearner(new double[D], gamma: 1.5));
        Assert.Throws<ArgumentException>(() => new ExactNaiveLearner(new double[D + 1]));
    }
}
