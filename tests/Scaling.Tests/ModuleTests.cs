using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Distributions;
using Hybrid.Scaling.Networks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Tests;

/// <summary>The batched network modules against per-copy computations, TorchSharp's own layers and the references' formulas.</summary>
public class ModuleTests
{
    static readonly ForwardContext One = new();

    [Fact]
    public void AConvolutionOfCopiesIsEachCopysOwnConvolution()
    {
        using var scope = NewDisposeScope();
        var layout = new ParameterLayout();
        var conv = new Conv2d(layout, "conv", 4, 16, 3, gain: Math.Sqrt(2));
        using var p = layout.Build(new long[] { 1, 2, 3 });
        var x = randn(new long[] { 3, 5, 4, 10, 10 }); // [C, M, Ch, H, W]
        var y = conv.Forward(p, x, One).Value;
        Assert.Equal(new long[] { 3, 5, 16, 10, 10 }, y.shape);
        Assert.Equal(new long[] { 16, 10, 10 }, conv.OutputShape(new long[] { 4, 10, 10 }));
        var w = p.Block(p.IndexOf("conv.weight"));
        var b = p.Block(p.IndexOf("conv.bias"));
        for (var c = 0; c < 3; c++)
        {
            var alone = nn.functional.conv2d(x[c], w[c], b[c], padding: new long[] { 1, 1 });
            Assert.True(alone.allclose(y[c], atol: 1e-5), $"copy {c}");
        }
        // Valid padding shrinks the grid; copies start from different kernels.
        var valid = new Conv2d(new ParameterLayout(), "v", 4, 2, 3, padding: ConvPadding.Valid);
        Assert.Equal(new long[] { 2, 8, 8 }, valid.OutputShape(new long[] { 4, 10, 10 }));
        Assert.False(w[0].allclose(w[1]));
        Assert.Throws<ArgumentException>(() => new Conv2d(new ParameterLayout(), "even", 1, 1, 2));
    }

    [Fact]
    public void LayerNormNormalisesEachRowThenScalesPerCopy()
    {
        using var scope = NewDisposeScope();
        var layout = new ParameterLayout();
        var norm = new LayerNorm(layout, "ln", 6);
        using var p = layout.Build(new long[] { 0, 1 });
        using Scalar two = 2.0.ToScalar(), three = 3.0.ToScalar();
        using (no_grad()) p.Block(p.IndexOf("ln.scale"))[1].fill_(two);
        var x = randn(2, 7, 6).mul(three).Plus(Keep.One);
        var y = norm.Forward(p, x, One).Value;
        var first = y[0];
        Assert.True(first.mean(new long[] { -1 }).abs().max().item<float>() < 1e-5);
        Assert.True((first.var(-1, unbiased: false) - ones(7)).abs().max().item<float>() < 1e-3);
        Assert.True(y[1].allclose(nn.functional.layer_norm(x[1], new long[] { 6 }, eps: 1e-6).mul(two), atol: 1e-5));
    }

    [Fact]
    public void ThePyTorchStyleGruIsTorchsGruCell()
    {
        using var scope = NewDisposeScope();
        var layout = new ParameterLayout();
        var gru = new Gru(layout, "gru", 3, 4, GruStyle.PyTorch);
        using var p = layout.Build(new long[] { 7 });
        Assert.Equal(Gru.ParameterCount(GruStyle.PyTorch, 3, 4), p.Size);
        using var cell = nn.GRUCell(3, 4);
        using (no_grad())
        {
            // Ours are [in, 3H] kernels (x W); torch's are [3H, in] weights (W x), gates r, z, n in both.
            cell.weight_ih!.copy_(p.Block(p.IndexOf("gru.input"))[0].T);
            cell.weight_hh!.copy_(p.Block(p.IndexOf("gru.recurrent"))[0].T);
            cell.bias_ih!.copy_(p.Block(p.IndexOf("gru.input_bias"))[0]);
            cell.bias_hh!.copy_(p.Block(p.IndexOf("gru.recurrent_bias"))[0]);
        }
        var x = randn(2, 5, 3); // T = 2 steps of B = 5
        var h0 = randn(1, 5, 4);
        var context = new ForwardContext(2).WithState(gru, h0);
        var ours = gru.Forward(p, x.view(1, 10, 3), context).Value.view(2, 5, 4);
        var h = h0[0];
        for (var t = 0; t < 2; t++)
        {
            h = cell.forward(x[t], h);
            Assert.True(ours[t].allclose(h, atol: 1e-5), $"step {t}");
        }
        Assert.True(context.FinalState(gru)[0].allclose(h, atol: 1e-5));
    }

    [Fact]
    public void TheHaikuStyleGruFollowsHaikusFormulaAndGivesTheShapersParameterCount()
    {
        using var scope = NewDisposeScope();
        var layout = new ParameterLayout();
        var gru = new Gru(layout, "gru", 5, 16, GruStyle.Haiku);
        var logits = new Dense(layout, "logits", 16, 2, useBias: false);
        var value = new Dense(layout, "value", 16, 1, useBias: false);
        using var p = layout.Build(new long[] { 3 });
        // shaping.md 1.2 and the thesis' table 20: the Shaper in the matrix games has 1104 parameters.
        Assert.Equal(1104, p.Size);
        Assert.Equal(Gru.ParameterCount(GruStyle.Haiku, 5, 16) + 48, p.Size);
        Assert.Equal(3L * 16 * (5 + 16 + 1) + 16, Gru.ParameterCount(GruStyle.Flax, 5, 16));
        var x = randn(1, 4, 5);
        var h = randn(1, 4, 16);
        var y = gru.Forward(p, x, new ForwardContext(1).WithState(gru, h)).Value[0];
        // z, r = s(x Wi_zr + h Wh_zr + b_zr), a = tanh(x Wi_a + (r h) Wh_a + b_a), h' = (1 - z) h + z a.
        var wi = p.Block(p.IndexOf("gru.input"))[0];
        var wh = p.Block(p.IndexOf("gru.recurrent"))[0];
        var b = p.Block(p.IndexOf("gru.bias"))[0];
        var h2 = h[0];
        var zr = sigmoid(x[0].matmul(wi[.., ..32]).Plus(h2.matmul(wh[.., ..32])).Plus(b[..32]));
        var (z, r) = (zr[.., ..16], zr[.., 16..]);
        var a = tanh(x[0].matmul(wi[.., 32..]).Plus((r * h2).matmul(wh[.., 32..])).Plus(b[32..]));
        Assert.True(y.allclose(((ones_like(z) - z) * h2).Plus(z * a), atol: 1e-5));
        _ = logits; _ = value;
    }

    [Fact]
    public void ADuelingHeadAddsTheCentredAdvantageToTheValue()
    {
        using var scope = NewDisposeScope();
        var layout = new ParameterLayout();
        var head = new QHead(layout, "q", 8, 4, dueling: true);
        using var p = layout.Build(new long[] { 0, 1 });
        var x = randn(2, 6, 8);
        var q = head.Forward(p, x, One).Value;
        Assert.Equal(new long[] { 2, 6, 4 }, q.shape);
        var w = p.Block(p.IndexOf("q.value.weight"));
        var v = bmm(x, w).Plus(p.Block(p.IndexOf("q.value.bias")).unsqueeze(1));
        // The mean over actions of Q is the value stream.
        Assert.True(q.mean(new long[] { -1 }, keepdim: true).allclose(v, atol: 1e-5));
        var plain = new QHead(new ParameterLayout(), "q", 8, 4);
        Assert.False(plain.Dueling);
    }

    /// <summary>A module that adds a per-copy loss named after itself: the squared norm of its input rows times a weight.</summary>
    sealed class Penalised(string name, double weight) : IBatchedModule
    {
        public string Name => name;
        public long[] OutputShape(long[] inputShape) => inputShape;
        public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
        {
            using var w = weight.ToScalar();
            return new ModuleOutput(x, new Auxiliary().AddLoss(Name, x.Squared().sum(new long[] { 1, 2 }).mul(w)));
        }
    }

    [Fact]
    public void AnAuxiliaryLossOfAModuleReachesThePpoGradient()
    {
        var config = new PpoConfig { NumEnvs = 2, NumSteps = 8, TotalTimesteps = 16, UpdateEpochs = 1, NumMinibatches = 1, Hidden = 8 };
        double[] GradNorms(double weight)
        {
            using var env = new Hybrid.Scaling.Environments.Mpe.Simple(2);
            NetworkFactory factory = (shape, seeds, device) => ActorCritic.Create(shape, ActorCriticOptions.Mlp(8, 1) with
            {
                ActorTower = (layout, name, input) => new Sequential(name, Towers.Mlp(8, 1, Activation.Tanh, Math.Sqrt(2))(layout, name, input), new Penalised(name + ".penalty", weight)),
            }, seeds, device);
            using var trainer = new PpoTrainer(PpoVariant.Ppo, env, config, network: factory);
            return trainer.Step()["grad_norm"];
        }
        // Same seeds, same rollout: only the auxiliary loss differs, and the gradient grows with its weight.
        Assert.Equal(GradNorms(0)[0], GradNorms(0)[0]);
        Assert.True(GradNorms(10)[0] > GradNorms(0)[0] + 1, $"{GradNorms(10)[0]} vs {GradNorms(0)[0]}");
        var aux = Auxiliary.Merge(new Auxiliary().AddLoss("a", ones(2)), new Auxiliary().AddLoss("b", ones(2)).AddStatistic("s", zeros(2)))!;
        Assert.Equal(new[] { 2f, 2f }, aux.TotalLoss()!.data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => Auxiliary.Merge(new Auxiliary().AddLoss("a", ones(1)), new Auxiliary().AddLoss("a", ones(1))));
    }

    [Fact]
    public void AConvolutionalActorCriticReadsGridsAndSharesItsTrunk()
    {
        using var scope = NewDisposeScope();
        using var net = ActorCritic.Create(new NetworkShape(new long[] { 10, 10, 4 }, new Categorical(3)), ActorCriticOptions.MinAtarCnn(), new long[] { 0, 1 });
        var names = net.ParameterSets[0].Blocks.Select(b => b.Name).ToArray();
        Assert.Equal(new[] { "actor.conv.weight", "actor.conv.bias", "actor.dense.weight", "actor.dense.bias", "actor.head.weight", "actor.head.bias", "critic.head.weight", "critic.head.bias" }, names);
        var output = net.Forward(rand(new long[] { 3, 2, 5, 10, 10, 4 }), null, new ForwardContext(3));
        Assert.Equal(new long[] { 2, 15, 3 }, output.Policy.Primary.shape);
        Assert.Equal(new long[] { 2, 15 }, output.Value.shape);
        Assert.False(net.Recurrent);
        Assert.Throws<ArgumentException>(() => ActorCritic.Create(new NetworkShape(new long[] { 36 }, new Categorical(5)), ActorCriticOptions.MinAtarCnn(), new long[] { 0 }));
    }

    [Fact]
    public void DistributionsSampleTheirProbabilitiesAndPickTheirModes()
    {
        var gaussian = new DiagonalGaussian(2);
        var rng = 5UL;
        const int n = 100_000;
        var means = Enumerable.Range(0, n).SelectMany(_ => new[] { 1f, -2f }).ToArray();
        var samples = new float[2 * n];
        var logp = new float[n];
        gaussian.Sample(means, new[] { 0f, MathF.Log(3) }, ref rng, Span<int>.Empty, samples, logp);
        Assert.Equal(1, Enumerable.Range(0, n).Average(r => samples[2 * r]), 1e-2);
        Assert.Equal(3, Math.Sqrt(Enumerable.Range(0, n).Average(r => Math.Pow(samples[2 * r + 1] + 2, 2))), 2e-2);
        var greedy = new float[2];
        gaussian.Greedy(means.AsSpan(0, 2), Span<int>.Empty, greedy);
        Assert.Equal(new[] { 1f, -2f }, greedy);
        var modes = new int[2];
        new Categorical(3).Greedy(new[] { 0f, 2f, 1f, 5f, 5f, 0f }, modes, Span<float>.Empty);
        Assert.Equal(new[] { 1, 0 }, modes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Categorical(0));
    }
}
