using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>
/// Competitive Gradient Descent (Schäfer and Anandkumar 2019): solve (I + alpha H_o) Delta = xi and take
/// h = -alpha Delta (NaN at points where I + alpha H_o is singular). With <see cref="SeriesOrder"/> set, the truncated series
/// CGD-n = -alpha sum_{k=0}^{n} (-alpha H_o)^k xi instead (LCGD = CGD-1).
/// </summary>
public sealed class CgdRule : ILearningRule
{
    /// <summary>Full CGD (a linear solve per point).</summary>
    public CgdRule() { }

    /// <summary>The series truncated at order <paramref name="seriesOrder"/> &gt;= 0.</summary>
    public CgdRule(int seriesOrder)
    {
        if (seriesOrder < 0) throw new ArgumentOutOfRangeException(nameof(seriesOrder), seriesOrder, "the CGD series order must be >= 0");
        SeriesOrder = seriesOrder;
    }

    /// <summary>Null for full CGD, otherwise n of CGD-n.</summary>
    public int? SeriesOrder { get; }

    /// <inheritdoc/>
    public string Name => SeriesOrder is { } n ? $"cgd_{n}" : "cgd";

    /// <inheritdoc/>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha)
    {
        LearningRuleExtensions.CheckRate(alpha);
        var d = GameDerivatives.At(game, theta);
        var xi = DifferentiableGame.Concat(d.Xi).unsqueeze(2);          // [B, D, 1]
        var scaledHo = RateColumn(alpha).unsqueeze(2) * d.OffDiagonalHessian(); // alpha H_o, [B, D, D]
        Tensor delta;
        if (SeriesOrder is { } n)
        {
            var term = xi;
            delta = xi;
            for (var k = 1; k <= n; k++)
            {
                term = -scaledHo.matmul(term);
                delta = delta.Plus(term);
            }
        }
        else
        {
            var size = xi.shape[1];
            var system = eye(size, dtype: ScalarType.Float64, device: xi.device).Plus(scaledHo);
            // I + alpha H_o can be singular (Tandem at alpha = 0.5): CGD is undefined there, so those
            // points get NaN rather than an exception from the whole batch or a made-up value.
            var (solution, info) = linalg.solve_ex(system, xi);
            var solved = (info == Keep.Zero).reshape(-1, 1, 1);
            delta = where(solved, solution, full_like(solution, Undefined));
        }
        return game.Split(-RateColumn(alpha) * delta.squeeze(2));
    }

    static readonly Scalar Undefined = double.NaN.ToScalar();

    static Tensor RateColumn(Tensor alpha) => alpha.dim() == 0 ? alpha.reshape(1, 1) : alpha;
}
