using Hybrid.Games.Rules;
using static TorchSharp.torch;

namespace Hybrid.Games.Analysis;

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
    public static Tensor[] Residual(DifferentiableGame game, ILearningRule rule, IReadOnlyList<Tensor> theta, Tensor alpha, bool taylor = false)
    {
        var t = Autodiff.Leaves(theta);
        var h = rule.Update(game, t, alpha);
        return taylor ? TaylorResidual(game, t, h, alpha) : Residual(game, t, h, alpha);
    }

    /// <summary>Per point sum_i ||r_i / alpha||^2, [B].</summary>
    public static Tensor PointLoss(IReadOnlyList<Tensor> residual, Tensor alpha) =>
        residual.Select(r => (r / alpha).Square().sum(1)).Aggregate((a, b) => a.Plus(b));

    /// <summary>The thesis' consistency loss of a rule: mean over the points of sum_i ||r_i / alpha||^2.</summary>
    public static double Loss(DifferentiableGame game, ILearningRule rule, IReadOnlyList<Tensor> theta, double alpha)
    {
        using var scope = NewDisposeScope();
        var rate = LearningRuleExtensions.Rate(alpha, theta[0].device);
        return PointLoss(Residual(game, rule, theta, rate), rate).mean().item<double>();
    }
}
