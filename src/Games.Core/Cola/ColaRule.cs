using Hybrid.Games.Rules;
using static TorchSharp.torch;

namespace Hybrid.Games.Cola;

/// <summary>
/// A trained COLA pair as a learning rule: the update is run <see cref="Run"/>'s networks evaluated at theta.
/// The networks were trained for one look-ahead rate, which fixes the rule's; the alpha passed in is ignored.
/// </summary>
public sealed class ColaRule : ILearningRule
{
    /// <summary>Run <paramref name="run"/> of <paramref name="networks"/> as a rule.</summary>
    public ColaRule(ColaNetworks networks, int run)
    {
        if (run < 0 || run >= networks.Runs) throw new ArgumentOutOfRangeException(nameof(run), run, $"the networks hold runs 0..{networks.Runs - 1}");
        Networks = networks; Run = run;
    }

    /// <summary>Loads run <paramref name="run"/> of a saved COLA file.</summary>
    public static ColaRule Load(string path, int run = 0, Device? device = null) => new(ColaFile.ReadNetworks(path, device), run);

    /// <summary>The networks.</summary>
    public ColaNetworks Networks { get; }

    /// <summary>Which run.</summary>
    public int Run { get; }

    /// <inheritdoc/>
    public string Name => "cola";

    /// <inheritdoc/>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha)
    {
        if (game.Name != Networks.Game.Name || game.TotalParameters != Networks.Game.TotalParameters)
            throw new ArgumentException($"these COLA networks were trained on {Networks.Game.Name}, not {game.Name}");
        game.CheckShapes(theta);
        return Networks.ForwardRun(Run, DifferentiableGame.Concat(Autodiff.EnsureDifferentiable(theta)));
    }
}
