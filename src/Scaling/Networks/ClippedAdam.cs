using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// optax.chain(clip_by_global_norm(max_norm), adam(lr, b1, b2, eps)) applied to each copy (row) of a
/// <see cref="FlatParameters"/> separately: each training seed clips by its own gradient norm, as it would alone.
/// </summary>
/// <remarks>
/// Clipping: g &lt;- g * max_norm / ||g|| where ||g|| &gt;= max_norm (optax's where(norm &lt; max, g, g / norm * max)).
/// Adam: m &lt;- b1 m + (1 - b1) g, v &lt;- b2 v + (1 - b2) g^2, step = lr * m_hat / (sqrt(v_hat) + eps) with
/// m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t), t counting updates from 1; the parameters move by -step.
/// </remarks>
public sealed class ClippedAdam : IDisposable
{
    readonly FlatParameters parameters;

    /// <summary>Creates the optimiser state (zero moments, step 0).</summary>
    public ClippedAdam(FlatParameters parameters, double maxGradNorm, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-5)
    {
        if (!(maxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "the gradient norm limit must be positive");
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), "Adam's betas must lie in [0, 1)");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive");
        this.parameters = parameters;
        MaxGradNorm = maxGradNorm;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        FirstMoment = zeros_like(parameters.Values).detach();
        SecondMoment = zeros_like(parameters.Values).detach();
        FirstMoment.DetachFromDisposeScope();
        SecondMoment.DetachFromDisposeScope();
        beta1Scalar = beta1.ToScalar();
        oneMinusBeta1 = (1 - beta1).ToScalar();
        beta2Scalar = beta2.ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        epsilonScalar = epsilon.ToScalar();
        maxNorm = maxGradNorm.ToScalar();
    }

    // Scalars held for the optimiser's lifetime: a Scalar made implicitly for one call can be finalised by the GC while
    // libtorch still reads it (TorchSharp 0.107 does not keep it alive), which corrupts the operation.
    readonly Scalar beta1Scalar, oneMinusBeta1, beta2Scalar, oneMinusBeta2, epsilonScalar, maxNorm;

    /// <summary>Global-norm limit per copy.</summary>
    public double MaxGradNorm { get; }

    /// <summary>Adam's decay rates and epsilon (added outside the square root, as optax).</summary>
    public double Beta1 { get; }

    /// <inheritdoc cref="Beta1"/>
    public double Beta2 { get; }

    /// <inheritdoc cref="Beta1"/>
    public double Epsilon { get; }

    /// <summary>Updates taken so far.</summary>
    public long Steps { get; set; }

    /// <summary>m [S, P].</summary>
    public Tensor FirstMoment { get; }

    /// <summary>v [S, P].</summary>
    public Tensor SecondMoment { get; }

    /// <summary>
    /// One update with learning rate <paramref name="learningRate"/> from the gradient accumulated in
    /// <see cref="FlatParameters.Values"/>; clears the gradient. Returns each copy's gradient norm before clipping [S].
    /// </summary>
    public float[] Step(double learningRate)
    {
        var values = parameters.Values;
        var grad = values.grad ?? throw new InvalidOperationException("no gradient: call backward() on the loss first");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var norms = grad.Squared().sum(1, keepdim: true).sqrt();
        // min(1, max_norm / norm) per copy, as a tensor expression without temporary Scalars.
        var scale = norms.reciprocal().mul_(maxNorm).clamp_max_(Keep.One);
        var g = grad * scale;
        Steps++;
        FirstMoment.mul_(beta1Scalar).add_(g, alpha: oneMinusBeta1);
        SecondMoment.mul_(beta2Scalar).addcmul_(g, g, value: oneMinusBeta2);
        using var correction2 = (1 - Math.Pow(Beta2, Steps)).ToScalar();
        using var step = (-learningRate / (1 - Math.Pow(Beta1, Steps))).ToScalar();
        var denominator = SecondMoment.div(correction2).sqrt_().PlusInPlace(epsilonScalar);
        values.addcdiv_(FirstMoment, denominator, value: step);
        grad.zero_();
        return norms.squeeze(1).data<float>().ToArray();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
        foreach (var x in new[] { beta1Scalar, oneMinusBeta1, beta2Scalar, oneMinusBeta2, epsilonScalar, maxNorm }) x.Dispose();
    }
}
