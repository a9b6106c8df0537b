using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Catalog;

/// <summary>How <see cref="IteratedPrisonersDilemma"/> evaluates s0^T (I - gamma P)^{-1} r.</summary>
public enum IpdValue
{
    /// <summary>
    /// A batched LAPACK solve of the 4x4 system (<see cref="IteratedPrisonersDilemma.DiscountedVisits"/>): the
    /// reference. Its derivatives are autograd's generic solve backward, itself made of solves, which dominates COLA
    /// training (every step differentiates it twice).
    /// </summary>
    LinearSolve,

    /// <summary>
    /// The same value reduced to a 3x3 system in the moment basis and solved by Cramer's rule with a few dozen
    /// elementwise tensor operations, so every derivative order is elementwise too. Agrees with
    /// <see cref="LinearSolve"/> to float64 round-off, not to the bit. Faster for second derivatives on large batches
    /// (COLA training: about 1.5 times the steps per second); slower for HOLA of order 4 and more, where each order
    /// differentiates its larger graph again (docs/benchmarks.md).
    /// </summary>
    ClosedForm,
}

/// <summary>
/// The IPD's discounted value in closed form, batched over points in a component-major layout ([k, N] rows, N
/// points contiguous) because libtorch's elementwise kernels are fast there and slow on small strided inner
/// dimensions (measured here: summing an inner dimension of 3 took an order of magnitude longer than summing an outer one).
/// </summary>
/// <remarks>
/// Derivation. Write the joint state as (a, b), a = 1 when player 1 cooperated, and the visits x = s0 + gamma x P.
/// Every row of P is the product of the two players' Bernoulli choices, so for the moments m_A = sum of x over a = C,
/// m_B = over b = C and m_AB = x_CC, and any per-state function f, sum_s x_s f_s = T f_DD + m_A (f_CD - f_DD) +
/// m_B (f_DC - f_DD) + m_AB (f_CC - f_CD - f_DC + f_DD) with T = sum_s x_s = 1 / (1 - gamma). Applying this to
/// f = p, q and p q (the probabilities that the next state has a = C, b = C, both) turns the 4x4 system into the 3x3
/// system (I - gamma D) m = c with D[k, j] = Delta_j f^k and c_k = f^k_0 + gamma T f^k_DD (f_0: the first step).
/// The value is V^i = T r_DD + (r_CD - r_DD) m_A + (r_DC - r_DD) m_B + (r_CC - r_CD - r_DC + r_DD) m_AB. Cramer's
/// rule with the columns a_j of A = I - gamma D: m_j = c . (a_{j+1} x a_{j+2}) / det A, det A = a_0 . (a_1 x a_2).
/// The eigenvalues of A are those of I - gamma P but the 1 - gamma of the constant vector, each of modulus at least
/// 1 - gamma, so det A never vanishes (float64 error against 50-digit arithmetic: about 1e-15 relative, like the solve's).
/// </remarks>
internal sealed class IpdClosedForm
{
    // Player 2's own-view states CC, CD, DC, DD are player 1's CC, DC, CD, DD: its logits 2 and 3 swap.
    static readonly long[] playerTwoOrder = { 0, 1, 3, 2, 4 };
    static readonly long[] cAndA = { 1, 3 };
    static readonly long[] firstDim = { 0 };
    static readonly long[] secondDim = { 1 };

    readonly Tensor moments;     // [4, 5]: row 0 gives c, rows 1-3 the columns of -gamma D, from a per-state function
    readonly Tensor identity;    // [3, 3, 1]: I, added to -gamma D
    readonly Tensor cofactors;   // [36]: rows of the flattened A that the cross products a_{j+1} x a_{j+2} need
    readonly Tensor weights;     // [2, 3]: -(r_CD - r_DD, r_DC - r_DD, r_CC - r_CD - r_DC + r_DD) per player
    readonly Tensor offsets;     // [2, 1]: -T r_DD per player
    readonly Tensor order;       // playerTwoOrder

    /// <summary>Constants for discount <paramref name="gamma"/> and payoffs r[player][state] (CC, CD, DC, DD, player 1's view).</summary>
    public IpdClosedForm(double gamma, double[][] rewards)
    {
        var total = 1 / (1 - gamma);
        // Per-state functions are indexed 0 (first step), 1-4 (after CC, CD, DC, DD).
        moments = Constant(new double[,]
        {
            { 1, 0, 0, 0, gamma * total },          // c_k = f_0 + gamma T f_DD
            { 0, 0, -gamma, 0, gamma },             // -gamma (f_CD - f_DD)
            { 0, 0, 0, -gamma, gamma },             // -gamma (f_DC - f_DD)
            { 0, -gamma, gamma, gamma, -gamma },    // -gamma (f_CC - f_CD - f_DC + f_DD)
        });
        identity = Constant(new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } }).view(3, 3, 1);
        // (a_{j+1} x a_{j+2})_k = a_{j+1,k+1} a_{j+2,k+2} - a_{j+1,k+2} a_{j+2,k+1}, A flattened as a[j, k] = row 3 j + k.
        // Gathered as [pair, factor, j, k]: pair 0 holds the first product's factors, pair 1 the second's.
        var index = new List<long>();
        foreach (var (dj, dk) in new[] { (1, 1), (2, 2), (1, 2), (2, 1) })
            for (var j = 0; j < 3; j++)
                for (var k = 0; k < 3; k++)
                    index.Add((j + dj) % 3 * 3 + (k + dk) % 3);
        cofactors = tensor(index.ToArray()).DetachFromDisposeScope();
        var w = new double[2, 3];
        var o = new double[2, 1];
        for (var i = 0; i < 2; i++)
        {
            var r = rewards[i];
            w[i, 0] = -(r[1] - r[3]);
            w[i, 1] = -(r[2] - r[3]);
            w[i, 2] = -(r[0] - r[1] - r[2] + r[3]);
            o[i, 0] = -total * r[3];
        }
        weights = Constant(w);
        offsets = Constant(o);
        order = tensor(playerTwoOrder).DetachFromDisposeScope();
    }

    static Tensor Constant(double[,] values) => tensor(values, dtype: ScalarType.Float64).DetachFromDisposeScope();

    /// <summary>Both players' losses -V^i, [2, N], at logits [N, 5] each (own-view layout).</summary>
    public Tensor Losses(Tensor theta1, Tensor theta2)
    {
        var n = theta1.shape[0];
        var device = theta1.device;
        Tensor On(Tensor t) => t.device == device ? t : t.to(device);
        // [5, N]: P(cooperate) of player 1 and 2 per state, player 1's view. Unbind and split, not select and narrow:
        // their backward is one stack or cat instead of a zero-filled copy per piece, and COLA differentiates it again.
        var p = theta1.t().sigmoid();
        var q = theta2.t().index_select(0, On(order)).sigmoid();
        var f = stack(new[] { p, q, p * q }, 1).view(5, 3 * n);                  // [5 states, 3 functions k, N]
        var parts = On(moments).mm(f).view(4, 3, n).split(cAndA, 0);
        var c = parts[0].squeeze(0);                                              // [3, N]
        var a = parts[1].Plus(On(identity));                                      // [3 columns j, 3 rows k, N]
        var factors = a.view(9, n).index_select(0, On(cofactors)).view(2, 2, 3, 3, n);
        var factor = factors.unbind(1);
        var products = (factor[0] * factor[1]).unbind(0);                            // 2 x [3, 3, N]
        var cross = products[0] - products[1];                                    // [3, 3, N]: row j = a_{j+1} x a_{j+2}
        var det = (a[0] * cross[0]).sum(firstDim);                                // [N]
        var numerators = (cross * c).sum(secondDim);                              // [3, N]: det m_j
        return On(weights).mm(numerators).div(det).Plus(On(offsets));
    }
}
