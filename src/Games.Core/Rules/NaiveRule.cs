using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>Naive learning (simultaneous gradient descent, HOLA-0): h_i = -alpha grad_i L^i.</summary>
public sealed class NaiveRule : ILearningRule
{
    /// <inheritdoc/>
    public string Name => "naive";

    /// <inheritdoc/>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha)
    {
        LearningRuleExtensions.CheckRate(alpha);
        game.CheckShapes(theta);
        var t = Autodiff.EnsureDifferentiable(theta);
        var losses = game.Losses(t);
        return t.Select((ti, i) => -alpha * Autodiff.Grad(losses[i], ti)).ToArray();
    }
}
