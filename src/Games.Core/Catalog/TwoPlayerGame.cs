using static TorchSharp.torch;

namespace Hybrid.Games.Catalog;

/// <summary>
/// Base for the two-player games of the thesis: both losses are written as functions of (x, y), the
/// parameters of player 1 and player 2.
/// </summary>
public abstract class TwoPlayerGame : DifferentiableGame
{
    readonly Player[] players;

    /// <summary>Creates a game whose players each hold <paramref name="size"/> parameters.</summary>
    protected TwoPlayerGame(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "each player needs at least one parameter");
        players = new[] { new Player("player1", size), new Player("player2", size) };
    }

    /// <inheritdoc/>
    public override IReadOnlyList<Player> Players => players;

    /// <summary>L^1(x, y), [B].</summary>
    protected abstract Tensor Loss1(Tensor x, Tensor y);

    /// <summary>L^2(x, y), [B].</summary>
    protected abstract Tensor Loss2(Tensor x, Tensor y);

    /// <inheritdoc/>
    public override Tensor Loss(int player, IReadOnlyList<Tensor> theta) => player switch
    {
        0 => Loss1(theta[0], theta[1]),
        1 => Loss2(theta[0], theta[1]),
        _ => throw new ArgumentOutOfRangeException(nameof(player), player, $"{Name} has two players (0 and 1)"),
    };
}
