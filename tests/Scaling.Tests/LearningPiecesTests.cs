using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Training;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Tests;

/// <summary>GAE, the PPO loss, the optimiser, the GRU, the config binder and the statistics against hand-computed values.</summary>
public class LearningPiecesTests
{
    [Fact]
    public void GaeMatchesAHandComputedRolloutAndStopsAtDones()
    {
        // T = 3, one actor, gamma 0.9, lambda 0.8; the episode ends at t = 1.
        var adv = new float[3];
        var targets = new float[3];
        Gae.Compute(new float[] { 1, 0, 2 }, new[] { 0.5f, 0.4f, 0.3f }, new[] { false, true, false }, new[] { 0.7f }, 0.9f, 0.8f, adv, targets);
        // t=2: 2 + 0.9 * 0.7 - 0.3 = 2.33; t=1: done, -0.4; t=0: 1 + 0.9 * 0.4 - 0.5 + 0.9 * 0.8 * (-0.4) = 0.572.
        Assert.Equal(new[] { 0.572f, -0.4f, 2.33f }, adv, (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(new[] { 1.072f, 0f, 2.63f }, targets, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void GaeKeepsActorsApart()
    {
        // Two actors interleaved [T, W]: the second has zero rewards and values, so its advantages stay zero.
        var adv = new float[4];
        var targets = new float[4];
        Gae.Compute(new float[] { 1, 0, 1, 0 }, new float[4], new bool[4], new float[] { 0, 0 }, 1f, 1f, adv, targets);
        Assert.Equal(new float[] { 2, 0, 1, 0 }, adv);
        Assert.Throws<ArgumentException>(() => Gae.Compute(new float[3], new float[3], new bool[3], new float[2], 1, 1, new float[3], new float[3]));
    }

    [Fact]
    public void PpoLossMatchesHandComputedTerms()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new[] { MathF.Log(0.5f), MathF.Log(0.2f) }).view(1, 2);
        var old = tensor(new[] { MathF.Log(0.4f), MathF.Log(0.3f) }).view(1, 2);
        var loss = PpoLoss.Compute(logp, tensor(new[] { 1.0f, 0.5f }).view(1, 2), tensor(new[] { 1.0f, 2.0f }).view(1, 2), old,
            tensor(new[] { 0.5f, 2.5f }).view(1, 2), tensor(new[] { 3.0f, 1.0f }).view(1, 2), tensor(new[] { 2.0f, 2.0f }).view(1, 2), 0.2, 0.5, 0.01);
        // Advantages (3, 1) normalise to (1, -1); ratios 1.25 and 0.667 clip to 1.2 and 0.8: actor loss -(1.2 - 0.8) / 2.
        Assert.Equal(-0.2, loss.Actor.item<float>(), 5);
        // Value: clipped predictions 0.7 and 2.3; max squared errors 1.69 and 0.09; 0.5 x mean.
        Assert.Equal(0.445, loss.Value.item<float>(), 5);
        Assert.Equal(0.75, loss.Entropy.item<float>(), 6);
        Assert.Equal(-0.2 + 0.5 * 0.445 - 0.01 * 0.75, loss.Total.item<float>(), 5);
        Assert.Equal((Math.Log(0.4) - Math.Log(0.5) + Math.Log(0.3) - Math.Log(0.2)) / 2, loss.ApproxKl.item<float>(), 5);
        Assert.Equal(1.0, loss.ClipFraction.item<float>());
    }

    [Fact]
    public void CategoricalAndGaussianLogProbabilitiesAreTheTextbookOnes()
    {
        using var scope = NewDisposeScope();
        var (logp, entropy) = new Hybrid.Scaling.Distributions.Categorical(2).Evaluate(new(tensor(new[] { 0f, MathF.Log(3) }).view(1, 1, 2)), tensor(new[] { 1L }).view(1, 1));
        Assert.Equal(Math.Log(0.75), logp.item<float>(), 6);
        Assert.Equal(-(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75)), entropy.item<float>(), 6);
        var (glogp, gentropy) = new Hybrid.Scaling.Distributions.DiagonalGaussian(2).Evaluate(new(tensor(new[] { 1f, 0f }).view(1, 1, 2), tensor(new[] { 0f, MathF.Log(2) }).view(1, 2)), tensor(new[] { 2f, 1f }).view(1, 1, 2));
        double Normal(double x, double mu, double sigma) => -0.5 * Math.Pow((x - mu) / sigma, 2) - Math.Log(sigma) - 0.5 * Math.Log(2 * Math.PI);
        Assert.Equal(Normal(2, 1, 1) + Normal(1, 0, 2), glogp.item<float>(), 5);
        Assert.Equal(1 + Math.Log(2 * Math.PI) + Math.Log(2), gentropy.item<float>(), 5);
    }

    [Fact]
    public void SampledActionsFollowTheSoftmaxAndTheirLogProbabilities()
    {
        var rng = 42UL;
        const int n = 200_000;
        var logits = new float[3 * n];
        for (var r = 0; r < n; r++) { logits[3 * r] = 0; logits[3 * r + 1] = MathF.Log(2); logits[3 * r + 2] = MathF.Log(7); }
        var actions = new int[n];
        var logProbs = new float[n];
        new Hybrid.Scaling.Distributions.Categorical(3).Sample(logits, ReadOnlySpan<float>.Empty, ref rng, actions, Span<float>.Empty, logProbs);
        var share = Enumerable.Range(0, 3).Select(k => actions.Count(a => a == k) / (double)n).ToArray();
        Assert.Equal(0.1, share[0], 2);
        Assert.Equal(0.2, share[1], 2);
        Assert.Equal(0.7, share[2], 2);
        for (var r = 0; r < 10; r++) Assert.Equal(Math.Log(new[] { 0.1, 0.2, 0.7 }[actions[r]]), logProbs[r], 5);
    }

    [Fact]
    public void OrthogonalInitialisationIsOrthogonalWithItsGainAndDependsOnlyOnTheSeed()
    {
        using var g1 = new Generator(3);
        using var g2 = new Generator(3);
        var a = Init.Orthogonal(64, 5, Math.Sqrt(2), g1);
        var b = Init.Orthogonal(64, 5, Math.Sqrt(2), g2);
        Assert.True(a.allclose(b, 0, 0));
        var gram = a.T.matmul(a);
        Assert.True(gram.allclose(eye(5) * tensor(2f), atol: 1e-5));
        var wide = Init.Orthogonal(5, 64, 1.0, g1);
        Assert.True(wide.matmul(wide.T).allclose(eye(5), atol: 1e-5));
    }

    [Fact]
    public void GruResetStartsTheSequenceAgainFromZero()
    {
        using var scope = NewDisposeScope();
        var layout = new ParameterLayout();
        var gru = new Gru(layout, "gru", 3, 4);
        using var p = layout.Build(new long[] { 5 });
        // Rows [C, T B, I] with T = 5 steps of B = 2 sequences.
        var x = randn(5, 1, 2, 3);
        Tensor Rows(Tensor steps) => steps.permute(1, 0, 2, 3).reshape(1, -1, 3);
        (Tensor Outputs, Tensor Last) Run(Tensor inputs, Tensor resets, Tensor? h)
        {
            var context = new ForwardContext((int)inputs.shape[0], resets);
            if (h is not null) context.WithState(gru, h);
            var y = gru.Forward(p, Rows(inputs), context).Value.view(1, inputs.shape[0], 2, 4).permute(1, 0, 2, 3);
            return (y, context.FinalState(gru));
        }
        var resets = zeros(5, 1, 2, ScalarType.Bool);
        resets[2, 0, 1] = tensor(true);
        var (outputs, last) = Run(x, resets, randn(1, 2, 4));
        // Sequence 1 restarts at t = 2: its outputs from there equal a fresh run of steps 2..4 from zeros.
        var (fresh, _) = Run(x[TensorIndex.Slice(2, 5)], zeros(3, 1, 2, ScalarType.Bool), null);
        Assert.True(outputs[TensorIndex.Slice(2, 5), 0, 1].allclose(fresh[TensorIndex.Colon, 0, 1], atol: 1e-6));
        Assert.False(outputs[TensorIndex.Slice(2, 5), 0, 0].allclose(fresh[TensorIndex.Colon, 0, 0], atol: 1e-3));
        Assert.True(last.allclose(outputs[4]));
        // flax's cell by hand for one step from h = 0: h' = (1 - z) n with z = s(x W_iz), n = tanh(x W_in).
        var wi = p.Block(p.IndexOf("gru.input"));
        var x0 = x[0, 0, 0].unsqueeze(0);
        var gates = x0.matmul(wi[0]);
        var z = sigmoid(gates[TensorIndex.Colon, TensorIndex.Slice(4, 8)]);
        var n = tanh(gates[TensorIndex.Colon, TensorIndex.Slice(8, 12)]);
        var (one, _) = Run(x[TensorIndex.Slice(0, 1)], zeros(1, 1, 2, ScalarType.Bool), zeros(1, 2, 4));
        Assert.True(one[0, 0, 0].allclose(((ones_like(z) - z) * n).squeeze(0), atol: 1e-6));
    }

    [Fact]
    public void ConfigBindsFileThenOverridesAndNamesBadKeysAndValues()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{ "lr": 0.001, "activation": "relu", "num_envs": 8 }""");
            var c = ConfigBinder.Bind(new PpoConfig(), file, new[] { "gamma=0.9", "total_timesteps=1e6", "num_envs=16" });
            Assert.Equal(0.001, c.LearningRate);
            Assert.Equal(Activation.Relu, c.Activation);
            Assert.Equal(16, c.NumEnvs);
            Assert.Equal(0.9, c.Gamma);
            Assert.Equal(1_000_000, c.TotalTimesteps);
            Assert.Equal(0.99, new PpoConfig().Gamma); // the defaults object is not changed
            Assert.Contains("unknown key 'learning_rate'", Assert.Throws<ArgumentException>(() => ConfigBinder.Bind(new PpoConfig(), null, new[] { "learning_rate=1" })).Message);
            Assert.Contains("num_envs=abc is not a valid integer", Assert.Throws<FormatException>(() => ConfigBinder.Bind(new PpoConfig(), null, new[] { "num_envs=abc" })).Message);
            Assert.Contains("tanh, relu", Assert.Throws<FormatException>(() => ConfigBinder.Bind(new PpoConfig(), null, new[] { "activation=gelu" })).Message);
            var roundTrip = ConfigBinder.FromJson<PpoConfig>(ConfigBinder.ToJson(c));
            Assert.Equal(c, roundTrip);
            Assert.Contains("\"lr\": 0.001", ConfigBinder.ToJson(c));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void ConfigValidationNamesTheKey()
    {
        Assert.Contains("num_minibatches", Assert.Throws<ArgumentException>(() => (new PpoConfig { NumEnvs = 3, NumMinibatches = 2, Recurrent = true }).Validate(1)).Message);
        Assert.Contains("total_timesteps", Assert.Throws<ArgumentException>(() => (new PpoConfig { TotalTimesteps = 10 }).Validate(1)).Message);
        Assert.Contains("lr", Assert.Throws<ArgumentException>(() => (new PpoConfig { LearningRate = -1 }).Validate(1)).Message);
    }

    [Fact]
    public void RliableStatisticsMatchTheirDefinitions()
    {
        var scores = new double[,] { { 1, 5 }, { 2, 6 }, { 3, 7 }, { 4, 20 } };
        // IQM over all 8 values: drop 2 at each end, mean of 3, 4, 5, 6.
        Assert.Equal(4.5, ScoreStatistics.InterquartileMean(scores));
        Assert.Equal((2.5 + 9.5) / 2, ScoreStatistics.Mean(scores));
        Assert.Equal(6, ScoreStatistics.Median(scores));
        Assert.Equal(3, ScoreStatistics.Median(new double[,] { { 1, 3, 10 } }));
        Assert.Equal(1.0 / 8, ScoreStatistics.OptimalityGap(new double[,] { { 0, 1 }, { 1, 2 }, { 1, 1 }, { 1, 1 } }), 12);
        Assert.Equal(2.5, ScoreStatistics.Percentile(new double[] { 1, 2, 3, 4 }, 0.5));
        Assert.Equal(1.3, ScoreStatistics.Percentile(new double[] { 1, 2, 3, 4 }, 0.1), 12);
        var normalised = ScoreStatistics.Normalise(scores, new double[] { 0, 5 }, new double[] { 4, 10 });
        Assert.Equal(0.25, normalised[0, 0]);
        Assert.Equal(3.0, normalised[3, 1]);
    }

    [Fact]
    public void StratifiedBootstrapResamplesWithinTasksAndIsSeeded()
    {
        var constant = new double[,] { { 2, 7 }, { 2, 7 }, { 2, 7 } };
        // Runs are resampled within each task, so a matrix whose tasks are constant has no spread at all.
        var e = ScoreStatistics.Bootstrap(constant, ScoreStatistics.Mean, 2000);
        Assert.Equal((4.5, 4.5, 4.5), (e.Value, e.Lower, e.Upper));
        var scores = new double[,] { { 1, 5 }, { 2, 6 }, { 3, 7 }, { 4, 20 }, { 0, 9 } };
        var a = ScoreStatistics.Bootstrap(scores, ScoreStatistics.InterquartileMean, 5000, seed: 3);
        var b = ScoreStatistics.Bootstrap(scores, ScoreStatistics.InterquartileMean, 5000, seed: 3);
        Assert.Equal(a, b);
        Assert.True(a.Lower < a.Value && a.Value < a.Upper, $"{a}");
        Assert.True(a.Lower >= 0 && a.Upper <= 20);
    }
}
