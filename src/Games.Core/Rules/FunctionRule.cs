using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>
/// A rule given by explicit update functions theta -&gt; (h_1, .., h_n), e.g. a closed-form consistent
/// solution or a learned COLA pair. The function fixes its own look-ahead rate, so alpha is ignored.
/// </summary>
public sealed class FunctionRule(string name, Func<IReadOnlyList<Tensor>, Tensor[]> updates) : ILearningRule
{
    /// <inheritdoc/>
    public string Name { get; } = name;

    /// <inheritdoc/>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha)
    {
        game.CheckShapes(theta);
        var h = updates(Autodiff.EnsureDifferentiable(theta));
        if (h.Length != game.PlayerCount)
            throw new InvalidOperationException($"{Name}: the update function returned {h.Length} updates for {game.PlayerCount} players");
        return h;
    }
}
