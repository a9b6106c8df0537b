using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using TorchSharp;
using Xunit;
using static Hybrid.Games.Tests.TestPoints;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

/// <summary>
/// The IPD's closed-form value (<see cref="IpdValue.ClosedForm"/>) must be the linear-solve value (the reference) with
/// the same derivatives of every order the rules use, to float64 round-off, including where the logits saturate.
/// </summary>
public class IpdClosedFormTests
{
    static readonly IteratedPrisonersDilemma solve = new(), closed = new(0.96, IpdValue.ClosedForm);
    static readonly Scalar width = 14.0.ToScalar(), seven = 7.0.ToScalar(), jitter = 0.2.ToScalar(), big = 40.0.ToScalar();

    /// <summary>Uniform points of the logit box, points with every logit at +-7 (jittered inwards) and at +-40.</summary>
    static Tensor Points()
    {
        var g = new Generator(11);
        var uniform = rand(new long[] { 64, 10 }, dtype: ScalarType.Float64, generator: g).mul(width).sub(seven);
        var signs = rand(new long[] { 32, 10 }, dtype: ScalarType.Float64, generator: g).round().mul(Keep.Two).sub(Keep.One);
        var edge = signs * rand(new long[] { 32, 10 }, dtype: ScalarType.Float64, generator: g).mul(jitter).SubtractedFrom(seven);
        var far = rand(new long[] { 8, 10 }, dtype: ScalarType.Float64, generator: g).round().mul(Keep.Two).sub(Keep.One).mul(big);
        return cat(new[] { uniform, edge, far }, 0);
    }

    /// <summary>Player i's loss and its directional derivatives of orders 1..order along v: grad L, then grad(d . v) repeatedly.</summary>
    static List<double[]> Derivatives(DifferentiableGame game, Tensor points, Tensor v, int player, int order)
    {
        using var scope = NewDisposeScope();
        var x = points.detach().clone().requires_grad_(true);
        var loss = game.Losses(game.Split(x))[player];
        var result = new List<double[]> { Values(loss) };
        var d = Autodiff.Grad(loss.sum(), x, createGraph: true);
        result.Add(Values(d));
        for (var k = 2; k <= order; k++)
        {
            d = Autodiff.Grad((d * v).sum(), x, createGraph: k < order);
            result.Add(Values(d));
        }
        return result;
    }

    static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        var scale = Math.Max(1, expected.Max(Math.Abs));
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() / scale;
        Assert.True(worst <= tolerance, $"{what}: worst difference {worst:E2} of the scale {scale:E2}");
    }

    [Fact]
    public void ValuesAndDerivativesUpToFifthOrderMatchTheLinearSolve()
    {
        var points = Points();
        var v = rand(new long[] { points.shape[0], 10 }, dtype: ScalarType.Float64, generator: new Generator(12)).sub(Keep.Half);
        for (var player = 0; player < 2; player++)
        {
            var reference = Derivatives(solve, points, v, player, 5);
            var fast = Derivatives(closed, points, v, player, 5);
            for (var k = 0; k < reference.Count; k++) AssertClose(reference[k], fast[k], 1e-11, $"player {player}, order {k}");
        }
    }

    [Fact]
    public void FirstAndSecondDerivativesAgreeWithFiniteDifferences()
    {
        var points = Points();
        var n = points.shape[0];
        var v = rand(new long[] { n, 10 }, dtype: ScalarType.Float64, generator: new Generator(13)).sub(Keep.Half);
        using Scalar step = 1e-5.ToScalar(), back = (-1e-5).ToScalar();
        for (var player = 0; player < 2; player++)
        {
            var at = Derivatives(closed, points, v, player, 2);
            var plus = Derivatives(closed, points.add(v, step), v, player, 1);
            var minus = Derivatives(closed, points.add(v, back), v, player, 1);
            // d/dh L(x + h v) = grad L . v, per point; d/dh grad L(x + h v) = H v.
            var gradient = tensor(at[1], dtype: ScalarType.Float64).view(n, 10);
            var directional = Values((gradient * v).sum(new long[] { 1 }));
            var numeric = plus[0].Zip(minus[0], (a, b) => (a - b) / 2e-5).ToArray();
            AssertClose(directional, numeric, 1e-8, $"player {player}, gradient");
            var numericHessian = plus[1].Zip(minus[1], (a, b) => (a - b) / 2e-5).ToArray();
            AssertClose(at[2], numericHessian, 1e-7, $"player {player}, Hessian-vector product");
        }
    }

    [Fact]
    public void OtherDiscountsMatchTheLinearSolve()
    {
        var points = Points();
        foreach (var gamma in new[] { 0.5, 0.9, 0.99 })
        {
            var a = new IteratedPrisonersDilemma(gamma).Losses(solve.Split(points));
            var b = new IteratedPrisonersDilemma(gamma, IpdValue.ClosedForm).Losses(solve.Split(points));
            for (var i = 0; i < 2; i++) AssertClose(Values(a[i]), Values(b[i]), 1e-12, $"gamma {gamma}, player {i}");
        }
    }

    [Fact]
    public void ColaTrainingReproducesTheGoldenLossesToRoundOff()
    {
        // The golden numbers of ColaGoldenTests (linear solve, bit for bit there); the closed form moves them by round-off only.
        var trainer = ColaTrainer.Create(closed, ColaSettings.For(closed) with { Steps = 50 }, new[] { 1.0, 1.0 }, new long[] { 0, 1 });
        var losses = trainer.Train();
        var golden = new[] { 12.025560201024872, 13.287580115134375 };
        for (var r = 0; r < 2; r++) Assert.True(Math.Abs(losses[r] - golden[r]) <= 1e-12 * golden[r], $"run {r}: {losses[r]:R} against {golden[r]:R}");
    }

    [Fact]
    public void TheLinearSolveStaysTheDefaultAndUnknownMethodsAreRejected()
    {
        Assert.Equal(IpdValue.LinearSolve, new IteratedPrisonersDilemma().Value);
        Assert.Equal(IpdValue.LinearSolve, ((IteratedPrisonersDilemma)GameRegistry.Create("ipd")).Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => new IteratedPrisonersDilemma(0.96, (IpdValue)7));
    }
}
