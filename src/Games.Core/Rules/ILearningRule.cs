using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>
/// A learning rule maps parameters to an update h (theta &lt;- theta + h). The look-ahead rate alpha is also
/// the learning rate, as in the thesis.
/// </summary>
/// <remarks>
/// Updates are differentiable functions of theta (every derivative inside a rule is taken with
/// create_graph), so the consistency residual of any rule, which differentiates the opponent's update,
/// is exact. Pass parameters that require gradients to keep that link; otherwise the rule makes leaves.
/// </remarks>
public interface ILearningRule
{
    /// <summary>Registry name, e.g. "lola_exact" or "hola_3".</summary>
    string Name { get; }

    /// <summary>
    /// The update of every player at a batch of points.
    /// </summary>
    /// <param name="game">The game.</param>
    /// <param name="theta">One [B, d_i] float64 tensor per player.</param>
    /// <param name="alpha">Look-ahead rate: a scalar tensor or one rate per point, [B, 1].</param>
    Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha);
}

/// <summary>Conveniences for rules.</summary>
public static class LearningRuleExtensions
{
    /// <summary>
    /// Throws unless every rate is finite and positive. Rules call this on entry because TorchSharp converts a
    /// double to a tensor implicitly, so a plain number can reach a rule without passing <see cref="Rate"/>.
    /// </summary>
    public static void CheckRate(Tensor alpha)
    {
        using var scope = NewDisposeScope();
        if (!(alpha.isfinite().all().item<bool>() && (alpha > Keep.Zero).all().item<bool>()))
        {
            var bad = alpha.detach().cpu().to(ScalarType.Float64).flatten().data<double>().First(a => !double.IsFinite(a) || a <= 0);
            throw new ArgumentOutOfRangeException(nameof(alpha), bad, "the look-ahead rate alpha must be a finite number > 0");
        }
    }

    /// <summary>A scalar float64 rate tensor; throws unless alpha is finite and positive.</summary>
    public static Tensor Rate(double alpha, Device? device = null)
    {
        if (!double.IsFinite(alpha) || alpha <= 0)
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "the look-ahead rate alpha must be a finite number > 0");
        return tensor(alpha, dtype: ScalarType.Float64, device: device ?? CPU);
    }
}
