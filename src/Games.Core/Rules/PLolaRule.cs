using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>
/// The family p-LOLA of Letcher et al. (2019b): h = -alpha (xi_0 - p alpha chi), with xi_0 = (I - alpha H_o) xi
/// the LookAhead gradient and chi the shaping term. p = 0 is LookAhead, p = 1 is Taylor LOLA, and SOS chooses
/// p per point.
/// </summary>
public class PLolaRule : IStopGradientRule
{
    readonly double p;

    /// <summary>p-LOLA with a fixed p in [0, 1].</summary>
    public PLolaRule(double p, string? name = null)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie in [0, 1]");
        this.p = p;
        Name = name ?? $"p_lola_{p}";
    }

    /// <summary>LookAhead (Zhang and Lesser 2010): p = 0.</summary>
    public static PLolaRule LookAhead() => new(0, "lookahead");

    /// <summary>Taylor LOLA (Foerster et al. 2018a): p = 1.</summary>
    public static PLolaRule TaylorLola() => new(1, "lola_taylor");

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha) => Compute(game, theta, alpha, detachHeld: false);

    /// <inheritdoc/>
    /// <remarks>xi_0 and chi are built with their held vectors detached; SOS's p is computed from them as usual.</remarks>
    public Tensor[] UpdateDetached(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha) => Compute(game, theta, alpha, detachHeld: true);

    Tensor[] Compute(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha, bool detachHeld)
    {
        LearningRuleExtensions.CheckRate(alpha);
        var d = GameDerivatives.At(game, theta, detachHeld);
        var xi0 = d.LookAheadGradient(alpha);
        var chi = d.Chi();
        var weight = ShapingWeight(d, xi0, chi, alpha);
        return xi0.Select((x, i) => -alpha * (x - weight * alpha * chi[i])).ToArray();
    }

    /// <summary>The factor p in front of alpha chi: a constant here, a per-point [B, 1] tensor for SOS.</summary>
    protected virtual Tensor ShapingWeight(GameDerivatives d, Tensor[] xi0, Tensor[] chi, Tensor alpha) =>
        tensor(p, dtype: ScalarType.Float64, device: xi0[0].device);
}

/// <summary>
/// Stable Opponent Shaping (Letcher et al. 2019b) with constants a and b (defaults 0.5 and 0.1):
/// dot = &lt;-alpha chi, xi_0&gt;; p1 = 1 if dot &gt;= 0 else min(1, -a ||xi_0||^2 / dot);
/// p2 = ||xi||^2 if ||xi|| &lt; b else 1; p = min(p1, p2), computed per point over all players' parameters.
/// </summary>
public sealed class SosRule(double a = 0.5, double b = 0.1) : PLolaRule(1, "sos")
{
    /// <summary>Constant a.</summary>
    public double A { get; } = a > 0 ? a : throw new ArgumentOutOfRangeException(nameof(a), a, "SOS needs a > 0");

    /// <summary>Constant b.</summary>
    public double B { get; } = b > 0 ? b : throw new ArgumentOutOfRangeException(nameof(b), b, "SOS needs b > 0");

    /// <inheritdoc/>
    protected override Tensor ShapingWeight(GameDerivatives d, Tensor[] xi0, Tensor[] chi, Tensor alpha)
    {
        var x0 = DifferentiableGame.Concat(xi0);
        var c = DifferentiableGame.Concat(chi);
        var xi = DifferentiableGame.Concat(d.Xi);
        var dot = (-alpha * c * x0).sum(1, keepdim: true);
        var nonNegative = dot >= Keep.Zero;
        // A safe denominator keeps the unused branch finite, so no NaN leaks into gradients through where().
        var safeDot = where(nonNegative, -ones_like(dot), dot);
        using Scalar minusA = (-A).ToScalar(), bSquared = (B * B).ToScalar();
        var p1 = where(nonNegative, ones_like(dot), clamp_max(x0.Square().sum(1, keepdim: true).mul(minusA) / safeDot, Keep.One));
        var xiSquared = xi.Square().sum(1, keepdim: true);
        var p2 = where(xiSquared < bSquared, xiSquared, ones_like(xiSquared));
        return minimum(p1, p2);
    }
}
