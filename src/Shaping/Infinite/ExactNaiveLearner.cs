namespace Hybrid.Shaping.Infinite;

/// <summary>
/// A batch of N exact-gradient naive learners on the infinite IPD (pax's NaiveEx, <c>agents/naive_exact.py</c>): each
/// holds 5 logits in <see cref="InfiniteIpd"/>'s layout and, at every meta-step, ascends its own unnormalised value
/// against the co-player's current policy, theta &lt;- theta + lr grad_theta V(theta, co-player). The gradient is
/// the closed form of <see cref="InfiniteIpd.Evaluate"/>; the co-player is treated as fixed (a naive learner).
/// </summary>
public sealed class ExactNaiveLearner
{
    readonly double[] logits;
    readonly double[] gradient;

    /// <summary>Learners starting from <paramref name="initialLogits"/> [N, 5] row-major (copied).</summary>
    /// <param name="initialLogits">N x 5 logits, own view.</param>
    /// <param name="learningRate">Step size of the gradient ascent (pax's naive.lr, 1 in inf_mfos_v_nl).</param>
    /// <param name="gamma">Discount of the game (0.96).</param>
    public ExactNaiveLearner(ReadOnlySpan<double> initialLogits, double learningRate = 1.0, double gamma = 0.96)
    {
        if (initialLogits.Length == 0 || initialLogits.Length % InfiniteIpd.Size != 0)
            throw new ArgumentException($"initial logits must be N x {InfiniteIpd.Size}, got {initialLogits.Length} values", nameof(initialLogits));
        if (!(learningRate >= 0) || double.IsInfinity(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "the naive learner's step size must be finite and non-negative");
        InfiniteIpd.CheckGamma(gamma);
        foreach (var x in initialLogits)
            if (!double.IsFinite(x)) throw new ArgumentException("initial logits must be finite", nameof(initialLogits));
        logits = initialLogits.ToArray();
        gradient = new double[logits.Length];
        LearningRate = learningRate;
        Gamma = gamma;
    }

    /// <summary>Environments N.</summary>
    public int Envs => logits.Length / InfiniteIpd.Size;

    /// <summary>Gradient step size.</summary>
    public double LearningRate { get; }

    /// <summary>Discount.</summary>
    public double Gamma { get; }

    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>The current logits [N, 5] row-major, own view (read only; a view of the learner's state).</summary>
    public ReadOnlySpan<double> Logits => logits;

    /// <summary>The gradient of the last <see cref="Step"/> [N, 5] (zeros before the first).</summary>
    public ReadOnlySpan<double> LastGradient => gradient;

    /// <summary>One simultaneous gradient step of every learner against <paramref name="opponentLogits"/> [N, 5] (the co-player's own view).</summary>
    public void Step(ReadOnlySpan<double> opponentLogits)
    {
        if (opponentLogits.Length != logits.Length) throw new ArgumentException($"{opponentLogits.Length} opponent logits for {Envs} x {InfiniteIpd.Size}", nameof(opponentLogits));
        InfiniteIpd.OwnGradients(logits, opponentLogits, Gamma, gradient);
        for (var k = 0; k < logits.Length; k++) logits[k] += LearningRate * gradient[k];
        Steps++;
    }
}
