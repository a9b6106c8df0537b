using static TorchSharp.torch;

namespace Hybrid.Games;

/// <summary>A player of a differentiable game: a name and the length of its parameter vector.</summary>
public sealed record Player(string Name, int ParameterSize);

/// <summary>
/// An n-player differentiable game (thesis definition 3.1): player i controls theta_i in R^{d_i} and
/// minimises L^i(theta). Every parameter tensor has a leading batch dimension, [B, d_i], and every loss
/// is [B], so one call evaluates the game at B parameter points.
/// </summary>
public abstract class DifferentiableGame
{
    /// <summary>Short registry name, e.g. "tandem".</summary>
    public abstract string Name { get; }

    /// <summary>The players in order; the parameter list passed to the game follows this order.</summary>
    public abstract IReadOnlyList<Player> Players { get; }

    /// <summary>The region Theta used for sampling parameter points.</summary>
    public abstract Region Region { get; }

    /// <summary>Number of players.</summary>
    public int PlayerCount => Players.Count;

    /// <summary>Total number of parameters over all players.</summary>
    public int TotalParameters => Players.Sum(p => p.ParameterSize);

    /// <summary>Loss of one player at a batch of points: theta[j] is [B, d_j], the result is [B].</summary>
    public abstract Tensor Loss(int player, IReadOnlyList<Tensor> theta);

    /// <summary>All players' losses at once; games that share work between losses override this.</summary>
    public virtual Tensor[] Losses(IReadOnlyList<Tensor> theta)
    {
        CheckShapes(theta);
        return Enumerable.Range(0, PlayerCount).Select(i => Loss(i, theta)).ToArray();
    }

    /// <summary>
    /// The same game, evaluated the way that is fastest when its losses are differentiated twice per step over many
    /// steps (COLA training). Games with more than one evaluation method override this; the values agree to round-off.
    /// </summary>
    public virtual DifferentiableGame ForSecondOrderTraining() => this;

    /// <summary>Uniform samples from <see cref="Region"/>, one [batch, d_i] tensor per player.</summary>
    public Tensor[] SampleRegion(long batch, Generator generator, Device? device = null) =>
        Players.Select(p => Region.Sample(batch, p.ParameterSize, generator, device)).ToArray();

    /// <summary>Splits a [B, D] tensor of concatenated parameters into one [B, d_i] tensor per player.</summary>
    public Tensor[] Split(Tensor flat)
    {
        if (flat.dim() != 2 || flat.shape[1] != TotalParameters)
            throw new ArgumentException($"{Name}: expected parameters of shape [B, {TotalParameters}], got [{string.Join(", ", flat.shape)}]");
        return flat.split(Players.Select(p => (long)p.ParameterSize).ToArray(), 1);
    }

    /// <summary>Concatenates per-player [B, d_i] tensors into [B, D].</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> perPlayer) => cat(perPlayer.ToArray(), 1);

    /// <summary>Throws a clear error unless theta has one [B, d_i] float64 tensor per player with a common B.</summary>
    public void CheckShapes(IReadOnlyList<Tensor> theta)
    {
        if (theta.Count != PlayerCount)
            throw new ArgumentException($"{Name}: expected parameters for {PlayerCount} players, got {theta.Count}");
        var batch = theta[0].dim() == 2 ? theta[0].shape[0] : -1;
        for (var i = 0; i < PlayerCount; i++)
        {
            var t = theta[i];
            if (t.dim() != 2 || t.shape[0] != batch || t.shape[1] != Players[i].ParameterSize)
                throw new ArgumentException(
                    $"{Name}: player {Players[i].Name} needs parameters of shape [B, {Players[i].ParameterSize}], got [{string.Join(", ", t.shape)}]");
            if (t.dtype != ScalarType.Float64)
                throw new ArgumentException($"{Name}: player {Players[i].Name}'s parameters must be float64, got {t.dtype}");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
