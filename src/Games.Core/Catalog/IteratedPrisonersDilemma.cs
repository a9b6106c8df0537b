using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Catalog;

/// <summary>
/// The infinitely iterated Prisoner's Dilemma with exact discounted value (Foerster et al. 2018a).
/// </summary>
/// <remarks>
/// Each player has 5 logits of cooperating: index 0 for the first step, then indices 1-4 for the previous
/// joint outcome CC, CD, DC, DD written from that player's own point of view (own action first). In this
/// own-perspective layout tit-for-tat is [+, +, -, +, -] for both players. Internally player 2's CD and DC
/// entries are swapped to index the joint state from player 1's view, the state distribution s0 and
/// transition matrix P are formed, and V^i = s0^T (I - gamma P)^{-1} r^i. The loss is -V^i, unnormalised:
/// multiply by (1 - gamma) for the average per-step payoff. Payoffs: CC (-1, -1), CD (-3, 0),
/// DC (0, -3), DD (-2, -2) (the thesis' table 11 has a typo in DC).
/// Implementations that give both players player 1's view (the SOS notebook, shared/peers) differ only by
/// swapping player 2's logits 2 and 3.
/// The value is a batched linear solve by default (<see cref="IpdValue.LinearSolve"/>); <see cref="IpdValue.ClosedForm"/>
/// computes the same losses with elementwise operations only, which makes the second and higher derivatives that
/// COLA and HOLA need several times cheaper.
/// </remarks>
public sealed class IteratedPrisonersDilemma : DifferentiableGame
{
    static readonly Player[] players = { new("player1", 5), new("player2", 5) };
    static readonly double[] reward1 = { -1, -3, 0, -2 };
    static readonly double[] reward2 = { -1, 0, -3, -2 };

    readonly IpdClosedForm? closedForm;

    /// <summary>Creates the game with discount <paramref name="gamma"/> in (0, 1), its value computed as <paramref name="value"/> says.</summary>
    public IteratedPrisonersDilemma(double gamma = 0.96, IpdValue value = IpdValue.LinearSolve)
    {
        if (!(gamma > 0 && gamma < 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "the discount must lie in (0, 1)");
        if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "unknown IPD value method");
        Gamma = gamma;
        Value = value;
        if (value == IpdValue.ClosedForm) closedForm = new IpdClosedForm(gamma, new[] { reward1, reward2 });
    }

    /// <summary>The discount factor.</summary>
    public double Gamma { get; }

    /// <summary>How the value is computed: the two methods agree to float64 round-off, not to the bit.</summary>
    public IpdValue Value { get; }

    /// <summary>
    /// The closed form: 1.4-2 times faster than the linear solve for COLA's second derivatives (docs/benchmarks.md);
    /// at HOLA's high orders the solve is faster, so it stays the default.
    /// </summary>
    public override DifferentiableGame ForSecondOrderTraining() => Value == IpdValue.ClosedForm ? this : new IteratedPrisonersDilemma(Gamma, IpdValue.ClosedForm);

    /// <inheritdoc/>
    public override string Name => "ipd";
    /// <inheritdoc/>
    public override IReadOnlyList<Player> Players => players;
    /// <inheritdoc/>
    public override Region Region => Region.Logits;

    /// <inheritdoc/>
    public override Tensor Loss(int player, IReadOnlyList<Tensor> theta) =>
        player is 0 or 1 ? Losses(theta)[player] : throw new ArgumentOutOfRangeException(nameof(player), player, "the IPD has two players (0 and 1)");

    /// <inheritdoc/>
    public override Tensor[] Losses(IReadOnlyList<Tensor> theta)
    {
        CheckShapes(theta);
        if (closedForm is not null)
        {
            var both = closedForm.Losses(theta[0], theta[1]); // [2, B]
            return new[] { both[0], both[1] };
        }
        var negative = tensor(new[] { -reward1[0], -reward2[0], -reward1[1], -reward2[1], -reward1[2], -reward2[2], -reward1[3], -reward2[3] },
            dtype: ScalarType.Float64, device: theta[0].device).reshape(4, 2);
        var losses = DiscountedVisits(theta[0], theta[1]).matmul(negative); // [B, 2]
        return new[] { losses[.., 0], losses[.., 1] };
    }

    /// <summary>
    /// s0^T (I - gamma P)^{-1}: expected discounted number of visits to each joint state CC, CD, DC, DD
    /// (player 1's view), [B, 4].
    /// </summary>
    /// <remarks>
    /// Written with few autograd nodes on purpose: HOLA-n differentiates this graph n + 1 times, so every
    /// node saved here is saved exponentially often. The start distribution and the transition matrix
    /// come out of one outer product of the two players' [p, 1 - p] rows (row 0 is the first step).
    /// </remarks>
    public Tensor DiscountedVisits(Tensor theta1, Tensor theta2)
    {
        var p = theta1.sigmoid();
        // Player 2's own-view states CC, CD, DC, DD are player 1's CC, DC, CD, DD.
        var q = theta2.index_select(1, tensor(new long[] { 0, 1, 3, 2, 4 }, device: theta2.device)).sigmoid();
        var pp = stack(new[] { p, p.SubtractedFrom(Keep.One) }, 2);                      // [B, 5, 2]
        var qq = stack(new[] { q, q.SubtractedFrom(Keep.One) }, 2);                      // [B, 5, 2]
        var joint = (pp.unsqueeze(3) * qq.unsqueeze(2)).flatten(2);  // [B, 5, 4]: row 0 = s0, rows 1-4 = P[from, to]
        var eye4 = eye(4, dtype: ScalarType.Float64, device: theta1.device);
        using var minusGamma = (-Gamma).ToScalar();
        var system = eye4.add(joint[.., 1..], minusGamma);
        // Row-vector solve x (I - gamma P) = s0.
        return linalg.solve(system, joint[.., ..1], left: false).squeeze(1);
    }
}
