using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Kernel;

/// <summary>
/// Adam over the rows of a <see cref="ParameterStore"/>, optionally after clipping each copy's gradient by its own
/// global norm (optax.chain(clip_by_global_norm(max_norm), adam(lr, b1, b2, eps))): each training seed, COLA run or
/// population member is optimised exactly as it would be alone. The one optimiser of the library (PPO, COLA, OpenES),
/// with RAdam (Liu et al. 2020, optax.radam) as an option: JaxMARL's value-based baselines use it.
/// </summary>
/// <remarks>
/// <para>Clipping: g &lt;- g * max_norm / ||g|| where ||g|| &gt;= max_norm (optax's where(norm &lt; max, g, g / norm * max)).
/// Adam: m &lt;- b1 m + (1 - b1) g, v &lt;- b2 v + (1 - b2) g^2, step = lr * m_hat / (sqrt(v_hat) + eps) with
/// m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t), t counting updates from 1; the parameters move by -step
/// (by +step when maximising, as evolution strategies ascend).</para>
/// <para>RAdam (<c>rectified</c>), as optax's scale_by_radam with threshold 5: rho_inf = 2 / (1 - b2) - 1,
/// rho_t = rho_inf - 2 t b2^t / (1 - b2^t); where rho_t &gt;= 5 the step is r_t lr m_hat / (sqrt(v_hat) + eps) with
/// r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)), before that lr m_hat (momentum SGD:
/// the variance estimate is not yet trusted, the first six steps with b2 = 0.999).</para>
/// <para>Why not TorchSharp's <c>torch.optim.Adam</c>: its step computes sqrt(v) / sqrt(1 - b2^t) (a different
/// rounding from the optax and PureJaxRL order the golden runs pin), it has no per-row clipping, and it converts its
/// numbers to temporary Scalars on every step, which TorchSharp 0.107 lets the garbage collector free while libtorch
/// reads them (see <see cref="Keep"/>; <c>Hybrid.TestSupport.ScalarLifetime</c> finds them in its IL). Every Scalar here is held.</para>
/// </remarks>
public sealed class Adam : IDisposable
{
    readonly Tensor values;
    readonly Scalar beta1Scalar, oneMinusBeta1, beta2Scalar, oneMinusBeta2, epsilonScalar;
    readonly Scalar? maxNorm;

    /// <summary>Creates the optimiser state (zero moments, step 0) for the store's values.</summary>
    /// <param name="store">The parameters.</param>
    /// <param name="maxGradNorm">Per-copy global-norm limit, or null for no clipping.</param>
    /// <param name="beta1">First-moment decay.</param>
    /// <param name="beta2">Second-moment decay.</param>
    /// <param name="epsilon">Added to sqrt(v_hat) (outside the root, as optax and PyTorch).</param>
    /// <param name="rectified">RAdam instead of Adam.</param>
    public Adam(ParameterStore store, double? maxGradNorm = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, bool rectified = false)
        : this(store.Values, maxGradNorm, beta1, beta2, epsilon, rectified) { }

    /// <summary>The same for a leaf tensor [C, P] that is not held in a store (a search distribution's mean).</summary>
    public Adam(Tensor values, double? maxGradNorm = null, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, bool rectified = false)
    {
        Rectified = rectified;
        if (maxGradNorm is { } limit && !(limit > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "the gradient norm limit must be positive");
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"Adam's betas must lie in [0, 1), got {beta1} and {beta2}");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive");
        if (values.dim() != 2) throw new ArgumentException($"Adam works on rows [copies, parameters], got [{string.Join(", ", values.shape)}]", nameof(values));
        this.values = values;
        MaxGradNorm = maxGradNorm;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        FirstMoment = zeros_like(values).detach().DetachFromDisposeScope();
        SecondMoment = zeros_like(values).detach().DetachFromDisposeScope();
        beta1Scalar = beta1.ToScalar();
        oneMinusBeta1 = (1 - beta1).ToScalar();
        beta2Scalar = beta2.ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        epsilonScalar = epsilon.ToScalar();
        maxNorm = maxGradNorm?.ToScalar();
    }

    /// <summary>Per-copy global-norm limit, or null.</summary>
    public double? MaxGradNorm { get; }

    /// <summary>Adam's decay rates and epsilon.</summary>
    public double Beta1 { get; }

    /// <inheritdoc cref="Beta1"/>
    public double Beta2 { get; }

    /// <inheritdoc cref="Beta1"/>
    public double Epsilon { get; }

    /// <summary>RAdam (rectified) instead of Adam.</summary>
    public bool Rectified { get; }

    /// <summary>Updates taken so far.</summary>
    public long Steps { get; set; }

    /// <summary>m [C, P].</summary>
    public Tensor FirstMoment { get; }

    /// <summary>v [C, P].</summary>
    public Tensor SecondMoment { get; }

    /// <summary>
    /// One descent step from the gradient accumulated in the values (<c>backward()</c>), which it then clears. Returns
    /// each copy's gradient norm before clipping [C] (empty without clipping).
    /// </summary>
    public double[] Step(double learningRate)
    {
        var grad = values.grad ?? throw new InvalidOperationException("no gradient: call backward() on the loss first");
        var norms = Step(grad, learningRate);
        grad.zero_();
        return norms;
    }

    /// <summary>One step from an explicit gradient [C, P] (descent, or ascent with <paramref name="ascend"/>); returns the per-copy norms as <see cref="Step(double)"/>.</summary>
    public double[] Step(Tensor gradient, double learningRate, bool ascend = false)
    {
        if (!gradient.shape.SequenceEqual(values.shape))
            throw new ArgumentException($"gradient of shape [{string.Join(", ", gradient.shape)}] for parameters [{string.Join(", ", values.shape)}]", nameof(gradient));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var g = gradient;
        double[] result = Array.Empty<double>();
        if (maxNorm is not null)
        {
            var norms = gradient.Squared().sum(1, keepdim: true).sqrt();
            // min(1, max_norm / norm) per copy, as a tensor expression without temporary Scalars.
            var scale = norms.reciprocal().mul_(maxNorm).clamp_max_(Keep.One);
            g = gradient * scale;
            result = norms.squeeze(1).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        }
        var (factor, adaptive) = NextStep(learningRate, ascend);
        FirstMoment.mul_(beta1Scalar).add_(g, alpha: oneMinusBeta1);
        SecondMoment.mul_(beta2Scalar).addcmul_(g, g, value: oneMinusBeta2);
        using var step = factor.ToScalar();
        if (!adaptive)
        {
            values.add_(FirstMoment, alpha: step);
            return result;
        }
        using var correction2 = SecondCorrection.ToScalar();
        var denominator = SecondMoment.div(correction2).sqrt_().PlusInPlace(epsilonScalar);
        values.addcdiv_(FirstMoment, denominator, value: step);
        return result;
    }

    /// <summary>
    /// Counts the update and returns the factor of its step: sign lr r_t / (1 - b1^t) on m / (sqrt(v / (1 - b2^t)) + eps)
    /// (adaptive; r_t = 1 for Adam), or sign lr / (1 - b1^t) on m alone while RAdam does not trust the variance yet.
    /// </summary>
    (double Factor, bool Adaptive) NextStep(double learningRate, bool ascend)
    {
        Steps++;
        var scale = (ascend ? 1 : -1) * learningRate;
        var rectifier = Rectified ? RectifierAt(Steps) : 1.0;
        return rectifier is { } r ? (scale * r / (1 - Math.Pow(Beta1, Steps)), true) : (scale / (1 - Math.Pow(Beta1, Steps)), false);
    }

    /// <summary>1 - b2^t of the current update t.</summary>
    double SecondCorrection => 1 - Math.Pow(Beta2, Steps);

    /// <summary>
    /// <see cref="Step(Tensor, double, bool)"/> computed in managed code on the CPU memory of the values and moments
    /// (float32, contiguous), from a gradient [C P] in row-major order that never was a tensor (the managed MinAtar DQN
    /// update's). The same clipping, moments and step, in float32 arithmetic in libtorch's order of operations; returns the
    /// per-copy norms before clipping (empty without clipping).
    /// </summary>
    public double[] StepOnHost(ReadOnlySpan<float> gradient, double learningRate, bool ascend = false)
    {
        var parameters = HostSpan.Floats(values);
        if (gradient.Length != parameters.Length)
            throw new ArgumentException($"{gradient.Length} gradient values for parameters [{string.Join(", ", values.shape)}]", nameof(gradient));
        var m = HostSpan.Floats(FirstMoment);
        var v = HostSpan.Floats(SecondMoment);
        var copies = (int)values.shape[0];
        var size = parameters.Length / copies;
        var scales = new float[copies];
        var result = MaxGradNorm is null ? Array.Empty<double>() : new double[copies];
        for (var c = 0; c < copies; c++)
        {
            scales[c] = 1f;
            if (MaxGradNorm is not { } limit) continue;
            var row = gradient.Slice(c * size, size);
            var sum = 0f;
            foreach (var g in row) sum += g * g;
            var norm = MathF.Sqrt(sum);
            result[c] = norm;
            scales[c] = MathF.Min(1f, 1f / norm * (float)limit);
        }
        var (factor, adaptive) = NextStep(learningRate, ascend);
        float b1 = (float)Beta1, ob1 = (float)(1 - Beta1), b2 = (float)Beta2, ob2 = (float)(1 - Beta2), eps = (float)Epsilon;
        float correction2 = (float)SecondCorrection, step = (float)factor;
        for (var c = 0; c < copies; c++)
        {
            var scale = scales[c];
            var start = c * size;
            var i = 0;
            // Vectors round as the scalar code does (IEEE sqrt and division, no fused multiply-add).
            if (Vector.IsHardwareAccelerated)
            {
                var vm = MemoryMarshal.Cast<float, Vector<float>>(m.Slice(start, size));
                var vv = MemoryMarshal.Cast<float, Vector<float>>(v.Slice(start, size));
                var vp = MemoryMarshal.Cast<float, Vector<float>>(parameters.Slice(start, size));
                var vg = MemoryMarshal.Cast<float, Vector<float>>(gradient.Slice(start, size));
                Vector<float> vb1 = new(b1), vob1 = new(ob1), vb2 = new(b2), vob2 = new(ob2), veps = new(eps), vc2 = new(correction2), vstep = new(step), vscale = new(scale);
                for (var k = 0; k < vp.Length; k++)
                {
                    var g = vg[k] * vscale;                              // the scale is exactly 1 without clipping
                    vm[k] = vm[k] * vb1 + vob1 * g;
                    vv[k] = vv[k] * vb2 + vob2 * (g * g);
                    vp[k] += adaptive ? vstep * (vm[k] / (Vector.SquareRoot(vv[k] / vc2) + veps)) : vstep * vm[k];
                }
                i = vp.Length * Vector<float>.Count;
            }
            for (; i < size; i++)
            {
                var j = start + i;
                var g = gradient[j] * scale;
                m[j] = m[j] * b1 + ob1 * g;
                v[j] = v[j] * b2 + ob2 * (g * g);
                parameters[j] += adaptive ? step * (m[j] / (MathF.Sqrt(v[j] / correction2) + eps)) : step * m[j];
            }
        }
        return result;
    }

    /// <summary>RAdam's rectifier r_t at update t (from 1), or null while rho_t &lt; 5 (the unadapted step).</summary>
    public double? RectifierAt(long t)
    {
        var rhoInf = 2 / (1 - Beta2) - 1;
        var b2t = Math.Pow(Beta2, t);
        var rho = rhoInf - 2 * t * b2t / (1 - b2t);
        if (rho < 5) return null;
        return Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
    }

    /// <summary>Forgets everything: zero moments, step 0 (the parameters were re-initialised).</summary>
    public void Reset()
    {
        using var _ = no_grad();
        FirstMoment.zero_();
        SecondMoment.zero_();
        Steps = 0;
    }

    /// <summary>Writes the moments and the step count.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("adam");
        writer.WriteTensor(FirstMoment);
        writer.WriteTensor(SecondMoment);
        writer.Write(Steps);
    }

    /// <summary>Reads what <see cref="Save"/> wrote (for parameters of the same shape).</summary>
    public void Load(StateReader reader)
    {
        reader.Section("adam");
        reader.ReadInto(FirstMoment, "Adam first moment");
        reader.ReadInto(SecondMoment, "Adam second moment");
        Steps = reader.ReadInt64();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
        foreach (var x in new[] { beta1Scalar, oneMinusBeta1, beta2Scalar, oneMinusBeta2, epsilonScalar }) x.Dispose();
        maxNorm?.Dispose();
    }
}
