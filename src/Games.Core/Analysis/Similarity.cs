using Hybrid.Games.Rules;
using static TorchSharp.torch;

namespace Hybrid.Games.Analysis;

/// <summary>Cosine similarity between the updates of two rules (thesis tables 1b-3b).</summary>
public static class Similarity
{
    /// <summary>
    /// Per point cosine between the concatenated updates of all players, [B]. Points where either update
    /// is zero have no direction and give NaN, which the caller should see rather than a made-up value.
    /// </summary>
    public static Tensor Cosine(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        var x = DifferentiableGame.Concat(a.ToArray());
        var y = DifferentiableGame.Concat(b.ToArray());
        return (x * y).sum(1) / (TensorRows.Norm(x) * TensorRows.Norm(y));
    }

    /// <summary>Mean over the points of the cosine similarity between two rules' updates.</summary>
    public static double MeanCosine(DifferentiableGame game, ILearningRule first, ILearningRule second, IReadOnlyList<Tensor> theta, double alpha)
    {
        using var scope = NewDisposeScope();
        var rate = LearningRuleExtensions.Rate(alpha, theta[0].device);
        var a = first.Update(game, Autodiff.Leaves(theta), rate).Select(t => t.detach()).ToArray();
        var b = second.Update(game, Autodiff.Leaves(theta), rate).Select(t => t.detach()).ToArray();
        return Cosine(a, b).mean().item<double>();
    }
}
