using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Kernel.Tests;

public class OptimiserTests
{
    [Fact]
    public void AdamClipsEachCopyByItsOwnNormAndTakesAdamSteps()
    {
        using var p = new ParameterStore(2, new[] { ("w", new long[] { 2 }) });
        using (no_grad()) p.Values.copy_(tensor(new[] { 1f, -1f, 1f, -1f }).view(2, 2));
        using var adam = new Adam(p, maxGradNorm: 1.0, epsilon: 1e-5);
        // Copy 0's gradient (3, 4) has norm 5 and is clipped to (0.6, 0.8); copy 1's (0.3, 0.4) has norm 0.5 and is not.
        var g = tensor(new[] { 3f, 4f, 0.3f, 0.4f }).view(2, 2);
        (p.Values * g).sum().backward();
        var norms = adam.Step(0.1);
        Assert.Equal(5.0, norms[0], 5);
        Assert.Equal(0.5, norms[1], 5);
        // First Adam step: m_hat = g, v_hat = g^2, so each value moves by lr g / (|g| + 1e-5).
        var v = p.Values.data<float>().ToArray();
        Assert.Equal(1 - 0.1 * 0.6 / (0.6 + 1e-5), v[0], 6);
        Assert.Equal(-1 - 0.1 * 0.8 / (0.8 + 1e-5), v[1], 6);
        Assert.Equal(1 - 0.1 * 0.3 / (0.3 + 1e-5), v[2], 6);
        // Second step, same gradient: m = 0.19 g, v = 0.001999 g^2; corrections 0.19 and 0.001999 give the same move.
        (p.Values * g).sum().backward();
        adam.Step(0.1);
        Assert.Equal(1 - 2 * 0.1 * 0.6 / (0.6 + 1e-5), p.Values.data<float>()[0], 5);
        Assert.Equal(2, adam.Steps);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(false, 0.7)]
    [InlineData(true, 0.7)]    // RAdam: its first steps are momentum SGD, then rectified
    public void TheHostStepIsTheTensorStep(bool rectified, double? maxGradNorm)
    {
        // 3 copies x 37 values (not a multiple of any vector width), ten steps of varying gradients, ascent in one of them.
        using var a = new ParameterStore(3, new[] { ("w", new long[] { 37 }) });
        using var b = new ParameterStore(3, new[] { ("w", new long[] { 37 }) });
        using (no_grad())
        {
            using var start = randn(3, 37, generator: new Generator(1));
            a.Values.copy_(start);
            b.Values.copy_(start);
        }
        using var onTensors = new Adam(a, maxGradNorm, epsilon: 1e-3, rectified: rectified);
        using var onHost = new Adam(b, maxGradNorm, epsilon: 1e-3, rectified: rectified);
        var generator = new Generator(2);
        for (var k = 0; k < 10; k++)
        {
            using var size = (k + 1.0).ToScalar();
            using var g = randn(3, 37, generator: generator).mul_(size);
            var ascend = k == 4;
            var expected = onTensors.Step(g, 0.01, ascend);
            var got = onHost.StepOnHost(g.data<float>().ToArray(), 0.01, ascend);
            Assert.Equal(expected.Length, got.Length);
            for (var c = 0; c < expected.Length; c++) Assert.Equal(expected[c], got[c], 4);
        }
        var x = a.Values.data<float>().ToArray();
        var y = b.Values.data<float>().ToArray();
        Assert.All(x.Zip(y), p => Assert.Equal(p.First, p.Second, 5));
        Assert.All(onTensors.SecondMoment.data<float>().ToArray().Zip(onHost.SecondMoment.data<float>().ToArray()), p => Assert.Equal(p.First, p.Second, 3));
        Assert.Equal(10, onHost.Steps);
        Assert.Throws<ArgumentException>(() => onHost.StepOnHost(new float[5], 0.01));
    }

    [Fact]
    public void WithoutClippingAnExplicitGradientAscendsOrDescends()
    {
        using var p = new ParameterStore(1, new[] { ("w", new long[] { 3 }) }, dtype: ScalarType.Float64);
        using var down = new Adam(p);
        Assert.Empty(down.Step(tensor(new[] { 1.0, -2.0, 0.0 }).view(1, 3), 0.5));
        Assert.Equal(new[] { -0.5 * 1 / (1 + 1e-8), 0.5 * 2 / (2 + 1e-8), 0 }, p.Values.data<double>().ToArray());
        using var q = new ParameterStore(1, new[] { ("w", new long[] { 1 }) }, dtype: ScalarType.Float64);
        using var up = new Adam(q);
        up.Step(tensor(new[] { 4.0 }).view(1, 1), 0.1, ascend: true);
        Assert.True(q.Values.data<double>()[0] > 0.0999);
    }

    [Fact]
    public void AdamStateRoundTripsThroughAStateFile()
    {
        using var p = new ParameterStore(2, new[] { ("w", new long[] { 3 }) });
        using var adam = new Adam(p, 1.0);
        adam.Step(ones(2, 3), 0.1);
        var bytes = StateFile.ToBytes(StateHeader.Of("t", 1, "test", []), adam.Save);
        using var other = new Adam(p, 1.0);
        using (var r = StateFile.Read(bytes, "t.bin", "t")) other.Load(r);
        Assert.Equal(1, other.Steps);
        Assert.Equal(adam.SecondMoment.data<float>().ToArray(), other.SecondMoment.data<float>().ToArray());
    }

    [Fact]
    public void ACopysInitialValuesDependOnlyOnItsSeed()
    {
        var layout = new ParameterLayout();
        layout.Add("a", new long[] { 2, 3 }, g => randn(new long[] { 2, 3 }, generator: g));
        layout.Add("b", new long[] { 4 }, g => rand(4, generator: g));
        using var three = layout.Build(new long[] { 5, 6, 7 });
        using var one = layout.Build(new long[] { 6 });
        Assert.Equal(one.Values[0].data<float>().ToArray(), three.Values[1].data<float>().ToArray());
        Assert.Equal(new long[] { 3, 2, 3 }, three.Block(three.IndexOf("a")).shape);
        Assert.Throws<ArgumentException>(() => layout.Add("a", new long[] { 1 }, _ => zeros(1)));
        three.Assign(zeros(3, 10));
        Assert.Equal(0f, three.Values.abs().sum().item<float>());
    }

    [Fact]
    public void DerivedStreamsDifferFromTheirSeedAndFromEachOther()
    {
        var a = SplitMix64.Derive(7, 1);
        var b = SplitMix64.Derive(7, 2);
        Assert.NotEqual(a, b);
        Assert.NotEqual(7UL, a);
        Assert.Equal(a, SplitMix64.Derive(7, 1));
        var state = SplitMix64.Start(3);
        var draws = Enumerable.Range(0, 20_000).Select(_ => SplitMix64.StandardNormal(ref state)).ToArray();
        Assert.InRange(draws.Average(), -0.03, 0.03);
        Assert.InRange(draws.Select(x => x * x).Average(), 0.97, 1.03);
    }
}
