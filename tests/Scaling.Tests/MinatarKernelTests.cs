using Hybrid.Kernel;
using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Replay;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Tests;

/// <summary>
/// The managed MinAtar kernel against TorchSharp's modules on the same parameters: values, gradients, whole DQN gradient
/// steps (targets, losses, Adam, priorities) and actions agree up to float rounding, and the kernel refuses the networks
/// it does not compute.
/// </summary>
public class MinatarKernelTests
{
    static readonly long[] Grid = { 10, 10, 4 };

    static float[] Floats(Tensor t) => t.contiguous().data<float>().ToArray();

    static void Close(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.Select(float.IsNaN), actual.Select(float.IsNaN));   // grad_norm is NaN without clipping, on both paths
        (expected, actual) = (expected.Where(x => !float.IsNaN(x)).ToArray(), actual.Where(x => !float.IsNaN(x)).ToArray());
        if (expected.Length == 0) return;
        var scale = Math.Max(1e-3, expected.Max(x => Math.Abs((double)x)));
        var worst = expected.Zip(actual).Max(p => Math.Abs((double)p.First - p.Second));
        Assert.True(worst <= tolerance * scale, $"{what}: largest difference {worst:g3} against a largest value {scale:g3}");
    }

    /// <summary>Observations with MinAtar's sparsity, and some values other than 0 and 1 (the kernel multiplies, it does not assume bits).</summary>
    static float[] Observations(int rows, ulong seed)
    {
        var state = SplitMix64.Start(seed);
        var x = new float[rows * 400];
        for (var i = 0; i < x.Length; i++)
        {
            var u = SplitMix64.UnitDouble(ref state);
            x[i] = u < 0.08 ? 1f : u < 0.1 ? (float)(u * 10 - 0.5) : 0f;
        }
        return x;
    }

    [Fact]
    public void TheKernelComputesTheNetworksValuesAndGradients()
    {
        const int copies = 2, rows = 12, actions = 5;
        using var network = new QNetwork(Grid, actions, new QNetworkOptions(), new long[] { 3, 4 });
        using (no_grad())
        {
            using var spread = 0.05.ToScalar();
            network.Online.Values.PlusInPlace(randn(network.Online.Values.shape, generator: new Generator(9)).mul_(spread));  // non-zero biases too
        }
        var kernel = MinatarQKernel.For(network, Grid, out var reason) ?? throw new InvalidOperationException(reason);
        var obs = Observations(copies * rows, 1);
        var chosen = Enumerable.Range(0, copies * rows).Select(i => i % actions).ToArray();
        var scales = Enumerable.Range(0, copies * rows).Select(i => (float)Math.Sin(i + 1)).ToArray();

        // TorchSharp: values, and the gradient of sum_rows scale Q(obs, chosen).
        using var x = tensor(obs, new long[] { copies, rows, 10, 10, 4 });
        using var values = network.Values(network.Forward(network.Online, x, new ForwardContext()));
        using var pick = tensor(chosen.Select(a => (long)a).ToArray(), new long[] { copies, rows, 1 });
        using var weights = tensor(scales, new long[] { copies, rows });
        (values.gather(-1, pick).squeeze(-1) * weights).sum().backward();
        var expectedValues = Floats(values.detach());
        var expectedGradient = Floats(network.Online.Values.grad!);

        var got = new float[copies * rows * actions];
        var gradient = new float[copies * kernel.Size];
        var parameters = Floats(network.Online.Values.detach());
        var w = kernel.NewWeights();
        var g = kernel.NewWeights();
        var z = new float[kernel.Features];
        for (var c = 0; c < copies; c++)
        {
            kernel.Load(parameters.AsSpan(c * kernel.Size, kernel.Size), w);
            g.Clear();
            for (var r = 0; r < rows; r++)
            {
                var row = c * rows + r;
                var o = obs.AsSpan(row * 400, 400);
                kernel.Forward(w, o, z, got.AsSpan(row * actions, actions));
                kernel.Backward(w, o, z, chosen[row], scales[row], g);
            }
            kernel.Store(g, gradient.AsSpan(c * kernel.Size, kernel.Size));
        }
        Close(expectedValues, got, 1e-5, "values");
        Close(expectedGradient, gradient, 1e-5, "gradient");
        // Load then Store is the identity on a row: the two layouts hold the same numbers.
        var back = new float[kernel.Size];
        kernel.Load(parameters.AsSpan(0, kernel.Size), w);
        kernel.Store(w, back);
        Assert.Equal(parameters.Take(kernel.Size), back);
    }

    /// <summary>A buffer of two copies filled from the same random MinAtar Breakout play (real observations).</summary>
    static ReplayBuffer Filled(DqnConfig config, int copies)
    {
        var seeds = Enumerable.Range(0, copies).Select(s => (long)s).ToArray();
        var replay = new ReplayBuffer(copies, 1, Grid, config.ReplayOptions(), seeds, ObservationStorage.Bytes);
        using var env = EnvRegistry.Create("minatar_breakout", copies);
        env.Reset(11);
        var state = SplitMix64.Start(5);
        var observation = new float[copies * 400];
        var actions = new int[copies];
        for (var t = 0; t < 300; t++)
        {
            env.Observations(0).CopyTo(observation, 0);
            for (var c = 0; c < copies; c++) actions[c] = SplitMix64.Below(ref state, 3);
            env.Step(actions);
            replay.Add(observation, actions, env.Rewards.AsSpan(0, copies), env.AllDones);
        }
        return replay;
    }

    [Theory]
    [InlineData("mse", false, false, 1, 0.0)]
    [InlineData("huber", true, true, 3, 0.5)]   // double Q, prioritised, 3-step returns, clipped gradients
    public void AManagedGradientStepIsTheTensorStep(string loss, bool doubleQ, bool prioritised, int nStep, double maxGradNorm)
    {
        const int copies = 2;
        var config = DqnConfig.For("dqn", "minatar_breakout") with
        {
            Loss = loss == "mse" ? QLoss.Mse : QLoss.Huber, DoubleQ = doubleQ, Prioritised = prioritised, NStep = nStep, MaxGradNorm = maxGradNorm,
            ReplayCapacity = 1_000, BatchSize = 16,
        };
        var seeds = new long[] { 0, 1 };
        DqnLearner Learner(bool torchOnly) => new(new QNetwork(Grid, 3, new QNetworkOptions(), seeds), config with { TorchOnly = torchOnly }, seeds, Grid);
        using var tensorPath = Learner(torchOnly: true);
        using var managed = Learner(torchOnly: false);
        Assert.Equal("torch_only=true", tensorPath.TensorPathReason);
        Assert.Null(managed.TensorPathReason);
        var tensorReplay = Filled(config, copies);
        var managedReplay = Filled(config, copies);
        for (var k = 0; k < 6; k++)
        {
            // A large rate, so that six steps move the parameters visibly; a target copy halfway makes the two networks differ.
            var expected = tensorPath.Update(tensorReplay, 1e-2);
            var got = managed.Update(managedReplay, 1e-2);
            for (var m = 0; m < expected.Length; m++)
                Close(expected[m].Select(v => (float)v).ToArray(), got[m].Select(v => (float)v).ToArray(), 1e-4, DqnLearner.MetricNames[m]);
            if (k == 2) { tensorPath.Network.SyncTarget(); managed.Network.SyncTarget(); }
        }
        Assert.Equal(maxGradNorm > 0, !double.IsNaN(managed.Update(managedReplay, 0)[2][0]));
        tensorPath.Update(tensorReplay, 0);
        Close(Floats(tensorPath.Network.Online.Values.detach()), Floats(managed.Network.Online.Values.detach()), 1e-4, "parameters");
        Assert.NotEqual(Floats(tensorPath.Network.Online.Values.detach()), Floats(tensorPath.Network.Target.Values));
        Assert.Equal(tensorPath.Updates, managed.Updates);
        if (!prioritised) return;
        var slots = tensorReplay.Capacity;
        var priorities = Enumerable.Range(0, slots).Select(s => (float)tensorReplay.Priority(1, s)).ToArray();
        Close(priorities, Enumerable.Range(0, slots).Select(s => (float)managedReplay.Priority(1, s)).ToArray(), 1e-4, "priorities");
        Assert.Contains(priorities, p => p > 0 && p != 1);   // written back from the losses, not only the entry priority
    }

    [Fact]
    public void ManagedActionsAreTheTensorPathsActions()
    {
        var seeds = new long[] { 0, 1 };
        var config = DqnConfig.For("dqn", "minatar_breakout");
        using var tensorPath = new DqnLearner(new QNetwork(Grid, 3, new QNetworkOptions(), seeds), config with { TorchOnly = true }, seeds, Grid);
        using var managed = new DqnLearner(new QNetwork(Grid, 3, new QNetworkOptions(), seeds), config, seeds, Grid);
        using (no_grad())
        {
            // Spread the values apart so that float rounding cannot flip a greedy choice.
            using var noise = randn(tensorPath.Network.Online.Values.shape, generator: new Generator(2));
            tensorPath.Network.Online.Values.PlusInPlace(noise);
            managed.Network.Online.Values.PlusInPlace(noise);
        }
        using var obs = tensor(Observations(2 * 50, 3), new long[] { 2, 50, 10, 10, 4 });
        foreach (var epsilon in new[] { 0.0, 0.3, 1.0 })
        {
            var expected = tensorPath.Act(obs, epsilon);
            Assert.Equal(expected, managed.Act(obs, epsilon));
            if (epsilon == 0) Assert.True(expected.Distinct().Count() > 1, "the greedy actions should not all be one action");
        }
        // Observations of another grid with as many values are refused, not misread.
        using var other = tensor(Observations(2 * 50, 3), new long[] { 2, 50, 20, 5, 4 });
        Assert.Contains("observations [2, 50, 20, 5, 4]", Assert.Throws<ArgumentException>(() => managed.Act(other, 0)).Message);
    }

    [Theory]
    [InlineData("rainbow", "a distributional head")]
    [InlineData("drq_eps", "random-shift augmentation")]
    public void TheKernelNamesWhatItDoesNotCompute(string algo, string reason)
    {
        using var trainer = new DqnTrainer(algo, "minatar_breakout", DqnConfig.For(algo, "minatar_breakout") with { NumEnvs = 1, IterationSteps = 1000, TotalTimesteps = 1000 });
        Assert.Equal(reason, trainer.Learner.TensorPathReason);
        using var dqn = new DqnTrainer("dqn", "minatar_breakout", DqnConfig.For("dqn", "minatar_breakout") with { NumEnvs = 1, IterationSteps = 1000, TotalTimesteps = 1000 });
        Assert.Null(dqn.Learner.TensorPathReason);
        foreach (var (options, why) in new[]
                 {
                     (new QNetworkOptions(Dueling: true), "a dueling head"), (new QNetworkOptions(Noisy: true), "noisy layers"),
                     (new QNetworkOptions(HiddenLayers: 1), "hidden layers"), (new QNetworkOptions(Encoder: EncoderKind.Nature), "the nature encoder"),
                 })
        {
            using var network = new QNetwork(Grid, 3, options, new long[] { 0 });
            Assert.Null(MinatarQKernel.For(network, Grid, out var said));
            Assert.Equal(why, said);
        }
        using var custom = new QNetwork(Grid, 3, new QNetworkOptions(), new long[] { 0 }, encoder: (layout, name, shape) => Encoders.Create(EncoderKind.Minatar, layout, name, shape));
        Assert.Null(MinatarQKernel.For(custom, Grid, out var customReason));
        Assert.Equal("a caller's encoder", customReason);
    }
}
