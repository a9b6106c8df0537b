using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>
/// Higher-order (Taylor) LookAhead (thesis appendix D): f^{-1} = 0 and
/// f_i^{k+1} = -alpha grad_i (L^i + sum_{j != i} (grad_j L^i)^T stop(f_j^k)), returning f^n.
/// LookAhead-1 is LookAhead; proposition 4.4 says LookAhead-n equals the CGD series CGD-n.
/// </summary>
/// <remarks>
/// Written as a recursion of vector-Jacobian products, independently of <see cref="CgdRule"/>, so that
/// the equality of the two is a real check.
/// </remarks>
public sealed class LookAheadSeriesRule : IStopGradientRule
{
    /// <summary>LookAhead of order <paramref name="order"/> &gt;= 0.</summary>
    public LookAheadSeriesRule(int order)
    {
        if (order < 0) throw new ArgumentOutOfRangeException(nameof(order), order, "the LookAhead order must be >= 0");
        Order = order;
    }

    /// <summary>The order n.</summary>
    public int Order { get; }

    /// <inheritdoc/>
    public string Name => $"lookahead_{Order}";

    /// <inheritdoc/>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha) => Compute(game, theta, alpha, detachHeld: false);

    /// <inheritdoc/>
    public Tensor[] UpdateDetached(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha) => Compute(game, theta, alpha, detachHeld: true);

    Tensor[] Compute(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha, bool detachHeld)
    {
        LearningRuleExtensions.CheckRate(alpha);
        var d = GameDerivatives.At(game, theta, detachHeld);
        // f^{k+1} = -alpha (xi + H_o f^k), and grad_i L^i + sum_j H_ij f_j is ShapedByOpponents with rate -1.
        var minusOne = tensor(-1.0, dtype: ScalarType.Float64, device: d.Theta[0].device);
        var f = d.Xi.Select(x => -alpha * x).ToArray();
        for (var k = 1; k <= Order; k++)
            f = d.ShapedByOpponents(minusOne, f).Select(g => -alpha * g).ToArray();
        return f;
    }
}
