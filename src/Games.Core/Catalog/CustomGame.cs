using static TorchSharp.torch;

namespace Hybrid.Games.Catalog;

/// <summary>
/// A user-defined game from loss functions. Each function maps the per-player parameters ([B, d_j] each)
/// to that player's loss [B]; it must be built from differentiable tensor operations. The exact HOLA
/// recursion evaluates the two players' losses on two threads at once, so loss functions must not mutate
/// shared state.
/// </summary>
public sealed class CustomGame : DifferentiableGame
{
    readonly Player[] players;
    readonly Func<IReadOnlyList<Tensor>, Tensor>[] losses;

    /// <summary>Creates a game named <paramref name="name"/> with one loss function per player.</summary>
    public CustomGame(string name, IReadOnlyList<Player> players, Region region, IReadOnlyList<Func<IReadOnlyList<Tensor>, Tensor>> losses)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a game needs a name", nameof(name));
        if (players.Count < 1) throw new ArgumentException("a game needs at least one player", nameof(players));
        if (losses.Count != players.Count)
            throw new ArgumentException($"{name}: {players.Count} players need {players.Count} loss functions, got {losses.Count}", nameof(losses));
        if (players.Any(p => p.ParameterSize < 1))
            throw new ArgumentException($"{name}: every player needs at least one parameter", nameof(players));
        Name = name;
        this.players = players.ToArray();
        this.losses = losses.ToArray();
        Region = region;
    }

    /// <summary>A two-player game with scalar-per-sample losses of (x, y).</summary>
    public static CustomGame TwoPlayer(string name, int size, Region region, Func<Tensor, Tensor, Tensor> loss1, Func<Tensor, Tensor, Tensor> loss2) =>
        new(name, new[] { new Player("player1", size), new Player("player2", size) }, region,
            new Func<IReadOnlyList<Tensor>, Tensor>[] { t => loss1(t[0], t[1]), t => loss2(t[0], t[1]) });

    /// <inheritdoc/>
    public override string Name { get; }
    /// <inheritdoc/>
    public override IReadOnlyList<Player> Players => players;
    /// <inheritdoc/>
    public override Region Region { get; }

    /// <inheritdoc/>
    public override Tensor Loss(int player, IReadOnlyList<Tensor> theta)
    {
        if (player < 0 || player >= players.Length)
            throw new ArgumentOutOfRangeException(nameof(player), player, $"{Name} has {players.Length} players");
        var loss = losses[player](theta);
        if (loss.dim() != 1 || loss.shape[0] != theta[0].shape[0])
            throw new InvalidOperationException($"{Name}: the loss of {players[player].Name} must have shape [B] = [{theta[0].shape[0]}], got [{string.Join(", ", loss.shape)}]");
        return loss;
    }
}
