using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Catalog;

/// <summary>
/// One-shot two-action games where each player's single parameter is the logit of its first action
/// (p = sigma(theta)). Losses are minus expected payoffs.
/// </summary>
public abstract class BinaryActionGame() : TwoPlayerGame(1)
{
    /// <inheritdoc/>
    public override Region Region => Region.Logits;

    /// <summary>Expected payoff for a player with outcome payoffs (first-first, first-second, second-first, second-second).</summary>
    protected static Tensor Expected(Tensor p, Tensor q, double ff, double fs, double sf, double ss)
    {
        using Scalar firstFirst = ff.ToScalar(), firstSecond = fs.ToScalar(), secondFirst = sf.ToScalar(), secondSecond = ss.ToScalar();
        // Each 1 - p and 1 - q is its own node, as the formula was first written: the autograd graph, and so the
        // rounding of every higher derivative, stays as it was.
        return (p * q).mul(firstFirst)
            .Plus((p * q.SubtractedFrom(Keep.One)).mul(firstSecond))
            .Plus((p.SubtractedFrom(Keep.One) * q).mul(secondFirst))
            .Plus((p.SubtractedFrom(Keep.One) * q.SubtractedFrom(Keep.One)).mul(secondSecond))
            .sum(1);
    }
}

/// <summary>
/// Matching Pennies: x = [sigma(theta_1), 1 - sigma(theta_1)], L^1 = x^T A y with A = [[1, -1], [-1, 1]],
/// L^2 = -L^1 (anchors.md; the unique Nash equilibrium plays heads half the time).
/// </summary>
public sealed class MatchingPennies : BinaryActionGame
{
    /// <inheritdoc/>
    public override string Name => "mp";
    /// <inheritdoc/>
    protected override Tensor Loss1(Tensor x, Tensor y) => Expected(x.sigmoid(), y.sigmoid(), 1, -1, -1, 1);
    /// <inheritdoc/>
    protected override Tensor Loss2(Tensor x, Tensor y) => -Loss1(x, y);
}

/// <summary>
/// Binary single-shot Ultimatum game: player 1's logit is p_fair, player 2's is p_accept of an unfair
/// split (fair splits are always accepted). L_1 = -(5 p_fair + 8 (1-p_fair) p_accept),
/// L_2 = -(5 p_fair + 2 (1-p_fair) p_accept).
/// </summary>
public sealed class Ultimatum : BinaryActionGame
{
    static readonly Scalar FairShare = 5.ToScalar(), ProposerUnfairShare = 8.ToScalar(), ResponderUnfairShare = 2.ToScalar();

    /// <inheritdoc/>
    public override string Name => "ultimatum";
    /// <inheritdoc/>
    protected override Tensor Loss1(Tensor x, Tensor y)
    {
        var fair = x.sigmoid(); var accept = y.sigmoid();
        return -fair.mul(FairShare).Plus(fair.SubtractedFrom(Keep.One).mul(ProposerUnfairShare) * accept).sum(1);
    }
    /// <inheritdoc/>
    protected override Tensor Loss2(Tensor x, Tensor y)
    {
        var fair = x.sigmoid(); var accept = y.sigmoid();
        return -fair.mul(FairShare).Plus(fair.SubtractedFrom(Keep.One).mul(ResponderUnfairShare) * accept).sum(1);
    }
}

/// <summary>
/// Chicken: each logit is P(swerve). Payoffs (C,C) = (0,0), (C,D) = (-1,+1), (D,C) = (+1,-1),
/// (D,D) = (-100,-100) (thesis table 9); L = -expected payoff.
/// </summary>
public sealed class Chicken : BinaryActionGame
{
    /// <inheritdoc/>
    public override string Name => "chicken";
    /// <inheritdoc/>
    protected override Tensor Loss1(Tensor x, Tensor y) => -Expected(x.sigmoid(), y.sigmoid(), 0, -1, 1, -100);
    /// <inheritdoc/>
    protected override Tensor Loss2(Tensor x, Tensor y) => -Expected(x.sigmoid(), y.sigmoid(), 0, 1, -1, -100);
}
