using Hybrid.Scaling.Algorithms;
using Hybrid.Kernel;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Replay;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Tests;

/// <summary>The DQN family: targets and losses against hand computations, its modules, and short runs end to end.</summary>
public class DqnTests
{
    static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();

    static Tensor T(float[] values, params long[] shape) => tensor(values, shape);

    [Fact]
    public void DoubleQTakesTheOnlineArgmaxAndTheTargetValue()
    {
        // One copy, two transitions, three actions.
        var target = T(new float[] { 1, 5, 2, /**/ 4, 0, 3 }, 1, 2, 3);
        var online = T(new float[] { 9, 0, 1, /**/ 0, 0, 7 }, 1, 2, 3);
        var returns = T(new float[] { 1, 2 }, 1, 2);
        var discounts = T(new float[] { 0.5f, 0 }, 1, 2);
        // Plain DQN: max_a Q_target = 5 and 4 -> y = 1 + 0.5 * 5 = 3.5, 2 + 0 = 2.
        var plain = QTargets.Plain(returns, discounts, target, QTargets.NextAction(target, null));
        Assert.Equal(new[] { 3.5f, 2f }, Floats(plain));
        // Double: the online network picks actions 0 and 2; the target values them 1 and 3 -> y = 1 + 0.5 * 1 = 1.5, 2.
        var dbl = QTargets.Plain(returns, discounts, target, QTargets.NextAction(target, online));
        Assert.Equal(new[] { 1.5f, 2f }, Floats(dbl));
    }

    [Fact]
    public void CategoricalProjectionMatchesAHandComputation()
    {
        // Support {-2, -1, 0, 1, 2}, next distribution on it, R = 0.5, discount 0.5: the atoms move to
        // 0.5 + 0.5 z = {-0.5, 0, 0.5, 1, 1.5}. Atom -0.5 splits half to -1 and half to 0; 0 goes to 0; 0.5 splits between 0
        // and 1; 1 to 1; 1.5 between 1 and 2.
        var support = T(new float[] { -2, -1, 0, 1, 2 }, 5);
        var p = new float[] { 0.1f, 0.2f, 0.3f, 0.25f, 0.15f };
        var m = Floats(QTargets.Categorical(T(new[] { 0.5f }, 1, 1), T(new[] { 0.5f }, 1, 1), T(p, 1, 1, 5), support));
        var expected = new[]
        {
            0f,
            0.5f * 0.1f,
            0.5f * 0.1f + 0.2f + 0.5f * 0.3f,
            0.5f * 0.3f + 0.25f + 0.5f * 0.15f,
            0.5f * 0.15f,
        };
        for (var j = 0; j < 5; j++) Assert.Equal(expected[j], m[j], 6);
        Assert.Equal(1f, m.Sum(), 6);

        // Values beyond the support are clipped to its ends; a terminal transition (discount 0) puts all mass at R.
        var far = Floats(QTargets.Categorical(T(new[] { 10f }, 1, 1), T(new[] { 1f }, 1, 1), T(p, 1, 1, 5), support));
        Assert.Equal(new[] { 0f, 0f, 0f, 0f, 1f }, far.Select(x => MathF.Round(x, 6)));
        var terminal = Floats(QTargets.Categorical(T(new[] { -0.25f }, 1, 1), T(new[] { 0f }, 1, 1), T(p, 1, 1, 5), support));
        Assert.Equal(new[] { 0f, 0.25f, 0.75f, 0f, 0f }, terminal.Select(x => MathF.Round(x, 6)));
    }

    [Fact]
    public void LossesAreSquaresAndHuberAsDopaminesAre()
    {
        var target = T(new float[] { 0, 0, 0, 0 }, 4);
        var prediction = T(new float[] { 0.5f, -1, 3, -2.5f }, 4);
        Assert.Equal(new[] { 0.25f, 1f, 9f, 6.25f }, Floats(QTargets.Mse(target, prediction)));
        Assert.Equal(new[] { 0.125f, 0.5f, 2.5f, 2f }, Floats(QTargets.Huber(target, prediction)));
    }

    [Fact]
    public void NoisyLayersAreTheirMeanWithoutNoiseAndFactorisedWithIt()
    {
        var layout = new ParameterLayout();
        var layer = new NoisyDense(layout, "noisy", 3, 2, sigmaZero: 0.5);
        using var store = layout.Build(new long[] { 1, 2 });
        var x = rand(2, 4, 3, generator: new Generator(3));
        using var _ = no_grad();
        var mean = layer.Forward(store, x, new ForwardContext()).Value;
        var muW = store.Block(store.IndexOf("noisy.weight_mu"));
        var muB = store.Block(store.IndexOf("noisy.bias_mu"));
        Assert.Equal(Floats(bmm(x, muW).Plus(muB.unsqueeze(1))), Floats(mean));
        // sigma starts at sigma_0 / sqrt(in), mu within +-1/sqrt(in).
        Assert.All(Floats(store.Block(store.IndexOf("noisy.weight_sigma"))), v => Assert.Equal((float)(0.5 / Math.Sqrt(3)), v, 6));
        Assert.All(Floats(muW), v => Assert.InRange(v, -1 / MathF.Sqrt(3), 1 / MathF.Sqrt(3)));

        // With noise: equal to the explicit weights mu + sigma (f(e_in) f(e_out)^T), the noise redrawn from the same seeds.
        var noisy = layer.Forward(store, x, new ForwardContext { Noise = new NoiseSource(new long[] { 7, 8 }) }).Value;
        var again = new NoiseSource(new long[] { 7, 8 });
        Tensor F(Tensor e) => e.sign() * e.abs().sqrt();
        var a = F(again.Normal(3, CPU));
        var b = F(again.Normal(2, CPU));
        var w = muW.Plus(store.Block(store.IndexOf("noisy.weight_sigma")) * (a.unsqueeze(2) * b.unsqueeze(1)));
        var bias = muB.Plus(store.Block(store.IndexOf("noisy.bias_sigma")) * b);
        var explicitly = Floats(bmm(x, w).Plus(bias.unsqueeze(1)));
        var got = Floats(noisy);
        // A tolerance, not rounding to 5 decimals: two floats 1e-7 apart can round to different 5th decimals.
        for (var k = 0; k < got.Length; k++) Assert.True(Math.Abs(explicitly[k] - got[k]) < 1e-5, $"{k}: {explicitly[k]} vs {got[k]}");
        Assert.NotEqual(Floats(mean), got);
    }

    [Theory]
    [InlineData(EncoderKind.Minatar, 1600)]
    [InlineData(EncoderKind.Nature, 1024)]
    [InlineData(EncoderKind.Impala, 128)]
    [InlineData(EncoderKind.Flat, 400)]
    public void EncodersOnMinAtarGrids(EncoderKind kind, long features)
    {
        var layout = new ParameterLayout();
        var encoder = Encoders.Create(kind, layout, "encoder", new long[] { 10, 10, 4 });
        Assert.Equal(new[] { features }, encoder.OutputShape(new long[] { 10, 10, 4 }));
        using var store = layout.Build(new long[] { 0, 1, 2 });
        using var _ = no_grad();
        Assert.Equal(new[] { 3L, 5, features }, encoder.Forward(store, rand(new long[] { 3, 5, 10, 10, 4 }), new ForwardContext()).Value.shape);
    }

    [Fact]
    public void DuelingDistributionalHeadsCombineOnTheLogits()
    {
        var layout = new ParameterLayout();
        var head = new ActionValueHead(layout, "head", 6, 3, atoms: 5, dueling: true);
        using var store = layout.Build(new long[] { 4 });
        var x = rand(1, 2, 6, generator: new Generator(4));
        using var _ = no_grad();
        var logits = head.Forward(store, x, new ForwardContext()).Value;
        Assert.Equal(new long[] { 1, 2, 3, 5 }, logits.shape);
        var value = bmm(x, store.Block(store.IndexOf("head.value.weight"))).Plus(store.Block(store.IndexOf("head.value.bias")).unsqueeze(1)).view(1, 2, 1, 5);
        var adv = bmm(x, store.Block(store.IndexOf("head.advantage.weight"))).Plus(store.Block(store.IndexOf("head.advantage.bias")).unsqueeze(1)).view(1, 2, 3, 5);
        var expected = Floats(value.Plus(adv - adv.mean(new long[] { 2 }, keepdim: true)));
        var got = Floats(logits);
        for (var k = 0; k < got.Length; k++) Assert.True(Math.Abs(expected[k] - got[k]) < 1e-5, $"{k}: {expected[k]} vs {got[k]}");
    }

    static DqnConfig Short(string algo, long steps = 1_200, int iteration = 400) => DqnConfig.For(algo, "minatar_breakout") with
    {
        TotalTimesteps = steps, IterationSteps = iteration, NumEnvs = 4, ReplayCapacity = 4_000, MinReplayHistory = 200, EpsilonDecayPeriod = 1_000,
        TargetUpdatePeriod = 100,
    };

    [Theory]
    [InlineData("dqn")]
    [InlineData("rainbow")]  // der shares rainbow's code paths (C51, noisy, prioritised, n-step) with other numbers
    [InlineData("drq_eps")]
    public void ACheckpointContinuesExactlyAsAnUninterruptedRun(string algo)
    {
        var config = Short(algo);
        using var straight = new DqnTrainer(algo, "minatar_breakout", config, seeds: 2);
        straight.Train();
        byte[] saved;
        using (var first = new DqnTrainer(algo, "minatar_breakout", config, seeds: 2))
        {
            first.Step();
            first.Step();
            saved = DqnCheckpoint.ToBytes(first);
        }
        using var resumed = new DqnTrainer(algo, "minatar_breakout", config, seeds: 2);
        DqnCheckpoint.Read(saved, "checkpoint.bin", resumed);
        Assert.Equal(2, resumed.Iteration);
        resumed.Train();
        Assert.Equal(Floats(straight.Learner.Network.Online.Values), Floats(resumed.Learner.Network.Online.Values));
        Assert.Equal(Floats(straight.Learner.Network.Target.Values), Floats(resumed.Learner.Network.Target.Values));
        Assert.Equal(straight.Episodes.Finished(1).Select(e => e.Return), resumed.Episodes.Finished(1).Select(e => e.Return));
        Assert.True(straight.Learner.Updates > 0);
    }

    [Fact]
    public void AShortDqnRunBeatsTheRandomPolicy()
    {
        // dopamine's MinAtar DQN for 40,000 steps of Breakout, one environment, epsilon decaying over 20,000 instead of
        // 250,000 (the managed kernel trains it in a few seconds); the random policy returns about 0.25 per episode.
        var config = DqnConfig.For("dqn", "minatar_breakout") with { NumEnvs = 1, TotalTimesteps = 40_000, IterationSteps = 10_000, EpsilonDecayPeriod = 20_000 };
        using var trainer = new DqnTrainer("dqn", "minatar_breakout", config);
        Assert.Null(trainer.Learner.TensorPathReason);
        trainer.Train();
        var random = PpoRun.RandomReturn("minatar_breakout", 0);
        var greedy = PolicyEvaluation.Run(trainer, 30, epsilon: null, seed: 1).MeanReturns[0];
        Assert.True(random < 0.5, $"random {random}");
        Assert.True(greedy > random + 1, $"greedy {greedy} vs random {random}");
        Assert.True(trainer.FinalReturns()[0] > random + 0.5, $"training {trainer.FinalReturns()[0]} vs random {random}");
    }

    [Fact]
    public void AShortRainbowRunBeatsTheRandomPolicy()
    {
        // dopamine's MinAtar Rainbow (C51, noisy, dueling, double, prioritised, n = 3) for 20,000 steps of Breakout on its
        // TorchSharp path (about a minute): greedy play with noisy layers at their mean scores about 2, random about 0.25.
        var config = DqnConfig.For("rainbow", "minatar_breakout") with { TotalTimesteps = 20_000, IterationSteps = 10_000 };
        using var trainer = new DqnTrainer("rainbow", "minatar_breakout", config);
        trainer.Train();
        var random = PpoRun.RandomReturn("minatar_breakout", 0);
        var greedy = PolicyEvaluation.Run(trainer, 30, epsilon: null, seed: 1).MeanReturns[0];
        Assert.True(greedy > random + 1, $"greedy {greedy} vs random {random}");
        Assert.True(trainer.FinalReturns()[0] > random + 0.5, $"training {trainer.FinalReturns()[0]} vs random {random}");
    }

    [Fact]
    public void SeedsTrainAsTheyWouldAlone()
    {
        var config = Short("rainbow", steps: 800);
        using var together = new DqnTrainer("rainbow", "minatar_breakout", config, seeds: 2);
        together.Train();
        using var alone = new DqnTrainer("rainbow", "minatar_breakout", config with { Seed = 1 }, seeds: 1);
        alone.Train();
        var size = alone.Learner.Network.Online.Size;
        var both = Floats(together.Learner.Network.Online.Values);
        var one = Floats(alone.Learner.Network.Online.Values);
        // Copies share batched operations (grouped convolutions, batched products), which may round differently from one copy alone.
        var worst = Enumerable.Range(0, (int)size).Max(k => Math.Abs(one[k] - both[size + k]));
        Assert.True(worst < 1e-4, $"copy 1 of two differs from the same seed alone by {worst}");
    }

    [Fact]
    public void RandomShiftsAreEdgePaddedCropsWithOffsetsFromTheCopysStream()
    {
        // Two copies x 40 rows of a 4 x 3 grid with 2 channels, values distinct per cell and channel.
        const int copies = 2, rows = 40, h = 4, w = 3, ch = 2, pad = 1;
        var values = Enumerable.Range(0, copies * rows * h * w * ch).Select(v => (float)v).ToArray();
        using var grids = T(values, copies, rows, h, w, ch);
        var seeds = new ulong[] { SplitMix64.Start(7), SplitMix64.Start(8) };
        var streams = (ulong[])seeds.Clone();
        using var shifted = RandomShift.Apply(grids, pad, streams);
        var got = Floats(shifted);
        // By hand: pad each grid by repeating its edge, crop at the offsets the same stream draws (dy, then dx).
        var replay = (ulong[])seeds.Clone();
        var offsets = new HashSet<(int, int)>();
        for (var c = 0; c < copies; c++)
            for (var r = 0; r < rows; r++)
            {
                int oy = SplitMix64.Below(ref replay[c], 3), ox = SplitMix64.Below(ref replay[c], 3);
                offsets.Add((oy, ox));
                var padded = new float[h + 2, w + 2, ch];
                for (var i = 0; i < h + 2; i++)
                    for (var j = 0; j < w + 2; j++)
                        for (var k = 0; k < ch; k++)
                            padded[i, j, k] = values[((((c * rows) + r) * h + Math.Clamp(i - 1, 0, h - 1)) * w + Math.Clamp(j - 1, 0, w - 1)) * ch + k];
                for (var i = 0; i < h; i++)
                    for (var j = 0; j < w; j++)
                        for (var k = 0; k < ch; k++)
                            Assert.Equal(padded[i + oy, j + ox, k], got[((((c * rows) + r) * h + i) * w + j) * ch + k]);
            }
        Assert.Equal(9, offsets.Count);               // every offset of {0, 1, 2}^2 occurs in 80 draws
        Assert.Equal(replay, streams);                // the streams advanced by exactly the draws
        using var none = RandomShift.Apply(grids, 0, (ulong[])seeds.Clone());
        Assert.Equal(values, Floats(none));
        Assert.Equal(1, DqnConfig.For("drq_eps", "minatar_breakout").AugmentPad);
        Assert.Contains("augment_pad", Assert.Throws<ArgumentException>(() => (Short("dqn") with { AugmentPad = 1, Encoder = EncoderKind.Flat }).Validate()).Message);
    }

    [Fact]
    public void EvaluationEpisodesLeaveTheTrainerAsItWas()
    {
        var config = Short("rainbow", steps: 800);
        using var evaluated = new DqnTrainer("rainbow", "minatar_breakout", config, seeds: 2);
        using var untouched = new DqnTrainer("rainbow", "minatar_breakout", config, seeds: 2);
        evaluated.Step();
        untouched.Step();
        var first = PolicyEvaluation.Run(evaluated, 3, epsilon: null, seed: 5);
        Assert.Equal(2, first.Returns.Length);
        Assert.All(first.Lengths, l => Assert.Equal(3, l.Length));
        Assert.Equal(first.Returns, PolicyEvaluation.Run(evaluated, 3, epsilon: null, seed: 5).Returns);
        evaluated.Step();
        untouched.Step();
        Assert.Equal(Floats(untouched.Learner.Network.Online.Values), Floats(evaluated.Learner.Network.Online.Values));
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicyEvaluation.Run(evaluated, 3, epsilon: 1.5, seed: 5));
    }

    [Fact]
    public void MisuseIsRefusedWithTheReason()
    {
        Assert.Contains("single-agent", Assert.Throws<ArgumentException>(() => new DqnTrainer("dqn", "MPE_simple_spread_v3", DqnConfig.For("dqn", "MPE_simple_spread_v3"))).Message);
        Assert.Contains("discrete", Assert.Throws<ArgumentException>(() => new DqnTrainer("dqn", "MPE_simple_continuous_v3", DqnConfig.For("dqn", "MPE_simple_continuous_v3"))).Message);
        Assert.Contains("unknown value-based algorithm", Assert.Throws<ArgumentException>(() => DqnConfig.For("qmix2", "minatar_breakout")).Message);
        Assert.Contains("iteration_steps", Assert.Throws<ArgumentException>(() => (Short("dqn") with { IterationSteps = 6 }).Validate()).Message);
    }
}
