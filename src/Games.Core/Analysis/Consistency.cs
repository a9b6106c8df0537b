using Hybrid.Games.Rules;
using static TorchSharp.torch;

namespace Hybrid.Games.Analysis;

/// <summary>
/// How the consistency residual differentiates the opponent's update h_-i(theta) when the rule is defined with
/// stop-gradients (LookAhead, Taylor LOLA, SOS, higher-order LookAhead: the <see cref="IStopGradientRule"/>s).
/// </summary>
/// <remarks>
/// The residual contains grad_i L^i(theta_i, theta_-i + h_-i(theta)), so it depends on the Jacobian of h_-i. Both
/// modes use the same update values; they differ only in that Jacobian. For every other rule they coincide.
/// </remarks>
public enum ResidualMode
{
    /// <summary>The true Jacobian of the update as a function of theta (checked against finite differences).</summary>
    Exact,

    /// <summary>
    /// Autograd through the update with its stop-gradient terms detached, i.e. treated as constants: what a PyTorch
    /// implementation with <c>detach()</c> computes (the peer <c>rules_reference.py</c>). Not the derivative of the
    /// update function; offered to compare with numbers computed that way (docs/reproduction/residual-conventions.md).
    /// </summary>
    StopGradient,
}

/// <summary>
/// Consistency of update functions under mutual opponent shaping (definition 4.2):
/// f_i = -alpha grad_i L^i(theta_i, theta_-i + f_-i) for every player.
/// </summary>
/// <remarks>
/// Residuals are right side minus left side in update units. The loss reported by the thesis' tables is in
/// gradient units: the mean over points of sum_i ||r_i / alpha||^2 (anchors.md; it reproduces table 1a).
/// </remarks>
public static class Consistency
{
    /// <summary>
    /// r_i = -alpha grad_i L^i(theta_i, theta_-i + h_-i) - h_i for updates <paramref name="h"/> computed
    /// from exactly these <paramref name="theta"/> tensors (so grad_i flows through h_-i).
    /// </summary>
    public static Tensor[] Residual(DifferentiableGame game, Tensor[] theta, Tensor[] h, Tensor alpha, bool createGraph = false)
    {
        var rhs = HolaRule.ExactStep(game, theta, h, alpha, createGraph);
        return rhs.Select((r, i) => r - h[i]).ToArray();
    }

    /// <summary>
    /// Taylor consistency residual (definition C.1): -alpha grad_i (L^i + sum_{j != i} (grad_j L^i)^T h_j) - h_i.
    /// </summary>
    public static Tensor[] TaylorResidual(DifferentiableGame game, Tensor[] theta, Tensor[] h, Tensor alpha, bool createGraph = false)
    {
        var n = game.PlayerCount;
        var losses = game.Losses(theta);
        var result = new Tensor[n];
        for (var i = 0; i < n; i++)
        {
            var shaped = losses[i];
            for (var j = 0; j < n; j++)
                if (j != i) shaped = shaped.Plus((Autodiff.Grad(losses[i], theta[j]) * h[j]).sum(1));
            result[i] = -alpha * Autodiff.Grad(shaped, theta[i], createGraph) - h[i];
        }
        return result;
    }

    /// <summary>The residual of a rule at points <paramref name="theta"/> (leaves are made for the rule).</summary>
    /// <param name="game">The game.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="theta">One [B, d_i] tensor per player.</param>
    /// <param name="alpha">Scalar or [B, 1] look-ahead rates.</param>
    /// <param name="taylor">The Taylor residual (definition C.1) instead of the exact one.</param>
    /// <param name="mode">How the opponent's update is differentiated (matters only for an <see cref="IStopGradientRule"/>).</param>
    public static Tensor[] Residual(DifferentiableGame game, ILearningRule rule, IReadOnlyList<Tensor> theta, Tensor alpha, bool taylor = false,
        ResidualMode mode = ResidualMode.Exact)
    {
        var t = Autodiff.Leaves(theta);
        var h = Update(game, rule, t, alpha, mode);
        return taylor ? TaylorResidual(game, t, h, alpha) : Residual(game, t, h, alpha);
    }

    /// <summary>
    /// The rule's update as the residual of <paramref name="mode"/> differentiates it: with
    /// <see cref="ResidualMode.StopGradient"/> an <see cref="IStopGradientRule"/>'s held terms are detached; any other
    /// rule, or the exact mode, gives <see cref="ILearningRule.Update"/>.
    /// </summary>
    public static Tensor[] Update(DifferentiableGame game, ILearningRule rule, IReadOnlyList<Tensor> theta, Tensor alpha, ResidualMode mode) =>
        mode == ResidualMode.StopGradient && rule is IStopGradientRule held ? held.UpdateDetached(game, theta, alpha) : rule.Update(game, theta, alpha);

    /// <summary>Per point sum_i ||r_i / alpha||^2, [B].</summary>
    public static Tensor PointLoss(IReadOnlyList<Tensor> residual, Tensor alpha) =>
        residual.Select(r => (r / alpha).Square().sum(1)).Aggregate((a, b) => a.Plus(b));

    /// <summary>The thesis' consistency loss of a rule: mean over the points of sum_i ||r_i / alpha||^2.</summary>
    public static double Loss(DifferentiableGame game, ILearningRule rule, IReadOnlyList<Tensor> theta, double alpha,
        ResidualMode mode = ResidualMode.Exact)
    {
        using var scope = NewDisposeScope();
        var rate = LearningRuleExtensions.Rate(alpha, theta[0].device);
        return PointLoss(Residual(game, rule, theta, rate, mode: mode), rate).mean().item<double>();
    }
}
