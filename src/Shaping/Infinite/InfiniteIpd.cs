namespace Hybrid.Shaping.Infinite;

/// <summary>
/// The infinitely iterated Prisoner's Dilemma with exact discounted values in pax's layout
/// (<c>pax/envs/infinite_matrix_game.py</c>, <c>pax/agents/naive_exact.py</c>): a policy is 5 logits of cooperating,
/// ordered [CC, CD, DC, DD, start], each player in its own view (own action first), so the second player's CD and DC
/// are the first player's DC and CD. V = p0^T (I - gamma P)^-1 r, unnormalised; (1 - gamma) V is the reward per step
/// that pax's environment reports. Payoffs (own view): CC -1, CD -3, DC 0, DD -2.
/// </summary>
/// <remarks>
/// <para>Everything here is closed form in doubles, one environment at a time: the 4 x 4 system is inverted by
/// Gauss-Jordan elimination with partial pivoting (I - gamma P is strictly diagonally dominant, so it is never
/// singular), and the gradient of the own value with respect to the own logits is
/// dV/dp_start = q_start (y_CC - y_DC) + (1 - q_start)(y_CD - y_DD) and, for a state s,
/// dV/dp_s = gamma x_s (q_s (y_CC - y_DC) + (1 - q_s)(y_CD - y_DD)), with x = p0^T (I - gamma P)^-1 (discounted visits),
/// y = (I - gamma P)^-1 r, q the co-player's probabilities of cooperating seen from the own view, then times
/// sigma'(logit) = p (1 - p).</para>
/// <para>Games.Core's <see cref="Hybrid.Games.Catalog.IteratedPrisonersDilemma"/> holds the same game in the order
/// [start, CC, CD, DC, DD] (the start first, also own view): its index k is this layout's <see cref="GamesCoreOrder"/>[k].
/// The tests check values and gradients against it.</para>
/// </remarks>
public static class InfiniteIpd
{
    /// <summary>Logits per player.</summary>
    public const int Size = 5;

    /// <summary>Index of the first-step logit in pax's layout (the last one).</summary>
    public const int Start = 4;

    static readonly double[] ownPayoff = { -1, -3, 0, -2 };
    static readonly double[] otherPayoff = { -1, 0, -3, -2 };
    static readonly int[] gamesCoreOrder = { 4, 0, 1, 2, 3 };

    /// <summary>The own payoffs of the joint outcomes CC, CD, DC, DD (own action first).</summary>
    public static IReadOnlyList<double> Payoff => ownPayoff;

    /// <summary>Games.Core's layout from this one: Games.Core index k holds this layout's entry GamesCoreOrder[k] ([4, 0, 1, 2, 3]).</summary>
    public static IReadOnlyList<int> GamesCoreOrder => gamesCoreOrder;

    /// <summary>The logistic function.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>
    /// Both players' unnormalised discounted values for one environment, and, when <paramref name="ownGradient"/> is not
    /// empty, the gradient of the first player's value with respect to its own 5 logits.
    /// </summary>
    /// <param name="own">The first player's logits in its own view (pax's layout).</param>
    /// <param name="other">The co-player's logits in the co-player's own view.</param>
    /// <param name="gamma">Discount in (0, 1).</param>
    /// <param name="ownValue">V of the first player.</param>
    /// <param name="otherValue">V of the co-player.</param>
    /// <param name="ownGradient">Empty, or 5 values that receive dV_own / d own.</param>
    public static void Evaluate(ReadOnlySpan<double> own, ReadOnlySpan<double> other, double gamma, out double ownValue, out double otherValue, Span<double> ownGradient)
    {
        if (own.Length != Size || other.Length != Size) throw new ArgumentException($"a policy is {Size} logits, got {own.Length} and {other.Length}");
        if (!ownGradient.IsEmpty && ownGradient.Length != Size) throw new ArgumentException($"the gradient has {Size} entries, got {ownGradient.Length}", nameof(ownGradient));
        Span<double> p = stackalloc double[Size], q = stackalloc double[Size];
        for (var k = 0; k < Size; k++) p[k] = Sigmoid(own[k]);
        // The co-player's own-view states CD and DC are the first player's DC and CD.
        q[0] = Sigmoid(other[0]);
        q[1] = Sigmoid(other[2]);
        q[2] = Sigmoid(other[1]);
        q[3] = Sigmoid(other[3]);
        q[4] = Sigmoid(other[4]);

        // M = I - gamma P with P[s] = [p q, p (1 - q), (1 - p) q, (1 - p)(1 - q)] of state s; then its inverse in place.
        Span<double> m = stackalloc double[16], inverse = stackalloc double[16], row = stackalloc double[4], s0 = stackalloc double[4];
        for (var s = 0; s < 4; s++)
        {
            Outcomes(p[s], q[s], row);
            for (var j = 0; j < 4; j++) m[s * 4 + j] = (s == j ? 1 : 0) - gamma * row[j];
        }
        Invert4(m, inverse);
        Outcomes(p[Start], q[Start], s0);
        Span<double> x = stackalloc double[4], y = stackalloc double[4];
        ownValue = 0;
        otherValue = 0;
        for (var i = 0; i < 4; i++)
        {
            double xi = 0, yi = 0, zi = 0;
            for (var j = 0; j < 4; j++)
            {
                xi += s0[j] * inverse[j * 4 + i];
                yi += inverse[i * 4 + j] * ownPayoff[j];
                zi += inverse[i * 4 + j] * otherPayoff[j];
            }
            x[i] = xi;
            y[i] = yi;
            ownValue += s0[i] * yi;
            otherValue += s0[i] * zi;
        }
        if (ownGradient.IsEmpty) return;
        double cooperateGain = y[0] - y[2], defectGain = y[1] - y[3];
        for (var s = 0; s < 4; s++)
            ownGradient[s] = gamma * x[s] * (q[s] * cooperateGain + (1 - q[s]) * defectGain) * p[s] * (1 - p[s]);
        ownGradient[Start] = (q[Start] * cooperateGain + (1 - q[Start]) * defectGain) * p[Start] * (1 - p[Start]);
    }

    /// <summary>
    /// Both players' values for N environments: <paramref name="first"/> and <paramref name="second"/> are [N, 5] row-major,
    /// each player in its own view; the values go to [N] spans.
    /// </summary>
    public static void Values(ReadOnlySpan<double> first, ReadOnlySpan<double> second, double gamma, Span<double> firstValues, Span<double> secondValues)
    {
        var n = CheckBatch(first, second, firstValues.Length);
        if (secondValues.Length != n) throw new ArgumentException($"{secondValues.Length} second values for {n} environments", nameof(secondValues));
        for (var e = 0; e < n; e++)
            Evaluate(first.Slice(e * Size, Size), second.Slice(e * Size, Size), gamma, out firstValues[e], out secondValues[e], Span<double>.Empty);
    }

    /// <summary>Gradients [N, 5] of each environment's first-player value with respect to its own logits.</summary>
    public static void OwnGradients(ReadOnlySpan<double> own, ReadOnlySpan<double> other, double gamma, Span<double> gradients)
    {
        var n = CheckBatch(own, other, gradients.Length / Size);
        if (gradients.Length != n * Size) throw new ArgumentException($"{gradients.Length} gradient entries for {n} x {Size}", nameof(gradients));
        for (var e = 0; e < n; e++)
            Evaluate(own.Slice(e * Size, Size), other.Slice(e * Size, Size), gamma, out _, out _, gradients.Slice(e * Size, Size));
    }

    /// <summary>Sigmoids of the logits, element by element (the probabilities of cooperating).</summary>
    public static double[] Probabilities(ReadOnlySpan<double> logits)
    {
        var result = new double[logits.Length];
        for (var k = 0; k < logits.Length; k++) result[k] = Sigmoid(logits[k]);
        return result;
    }

    /// <summary>Checks the discount: in (0, 1).</summary>
    public static void CheckGamma(double gamma)
    {
        if (!(gamma > 0 && gamma < 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "the discount of the infinite IPD must lie in (0, 1)");
    }

    static int CheckBatch(ReadOnlySpan<double> first, ReadOnlySpan<double> second, int n)
    {
        if (first.Length != n * Size || second.Length != n * Size)
            throw new ArgumentException($"policies of {n} environments are {n} x {Size} logits, got {first.Length} and {second.Length}");
        return n;
    }

    // [p q, p (1 - q), (1 - p) q, (1 - p)(1 - q)]: the probabilities of the joint outcomes CC, CD, DC, DD of one step.
    static void Outcomes(double p, double q, Span<double> into)
    {
        into[0] = p * q;
        into[1] = p * (1 - q);
        into[2] = (1 - p) * q;
        into[3] = (1 - p) * (1 - q);
    }

    // Gauss-Jordan with partial pivoting on a copy of a 4 x 4 row-major matrix.
    static void Invert4(ReadOnlySpan<double> matrix, Span<double> inverse)
    {
        Span<double> a = stackalloc double[16];
        matrix.CopyTo(a);
        inverse.Clear();
        for (var i = 0; i < 4; i++) inverse[i * 4 + i] = 1;
        for (var c = 0; c < 4; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < 4; r++) if (Math.Abs(a[r * 4 + c]) > Math.Abs(a[pivot * 4 + c])) pivot = r;
            if (pivot != c)
                for (var j = 0; j < 4; j++)
                {
                    (a[c * 4 + j], a[pivot * 4 + j]) = (a[pivot * 4 + j], a[c * 4 + j]);
                    (inverse[c * 4 + j], inverse[pivot * 4 + j]) = (inverse[pivot * 4 + j], inverse[c * 4 + j]);
                }
            var d = a[c * 4 + c];
            for (var j = 0; j < 4; j++) { a[c * 4 + j] /= d; inverse[c * 4 + j] /= d; }
            for (var r = 0; r < 4; r++)
            {
                if (r == c) continue;
                var f = a[r * 4 + c];
                if (f == 0) continue;
                for (var j = 0; j < 4; j++) { a[r * 4 + j] -= f * a[c * 4 + j]; inverse[r * 4 + j] -= f * inverse[c * 4 + j]; }
            }
        }
    }
}
