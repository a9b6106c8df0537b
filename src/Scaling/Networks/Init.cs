using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>Weight initialisers drawing from an explicit generator (flax's conventions: kernels are [in, out]).</summary>
public static class Init
{
    /// <summary>
    /// An orthogonal [rows, cols] matrix times <paramref name="gain"/>: QR of a Gaussian matrix with the signs of R's
    /// diagonal folded into Q (jax.nn.initializers.orthogonal, torch.nn.init.orthogonal_).
    /// </summary>
    public static Tensor Orthogonal(long rows, long cols, double gain, Generator generator)
    {
        var flip = rows < cols;
        var a = randn(new[] { Math.Max(rows, cols), Math.Min(rows, cols) }, ScalarType.Float64, generator: generator);
        var (q, r) = linalg.qr(a);
        q = q * r.diagonal().sign();
        var m = flip ? q.T : q;
        using var g = gain.ToScalar(); // held for the call (see Keep)
        return m.mul(g).to_type(ScalarType.Float32).contiguous();
    }

    /// <summary>LeCun normal: truncated normal (two standard deviations) with variance 1 / fan_in (flax's lecun_normal).</summary>
    public static Tensor LecunNormal(long fanIn, long[] shape, Generator generator)
    {
        // Standard deviation of a unit normal truncated to [-2, 2]; flax divides by it so the variance is 1 / fan_in.
        const double truncatedStd = 0.87962566103423978;
        var x = randn(shape, ScalarType.Float64, generator: generator);
        using Scalar two = 2.0.ToScalar(), scale = (Math.Sqrt(1.0 / fanIn) / truncatedStd).ToScalar(); // held for the calls (see Keep)
        for (var outside = x.abs().gt(two); outside.any().item<bool>(); outside = x.abs().gt(two))
            x = where(outside, randn(shape, ScalarType.Float64, generator: generator), x);
        return x.mul(scale).to_type(ScalarType.Float32);
    }
}

/// <summary>Draws a weight matrix [fanIn, fanOut] (kernels in the x W convention) from a copy's generator.</summary>
public delegate Tensor WeightInit(long fanIn, long fanOut, Generator generator);

/// <summary>Ready-made <see cref="WeightInit"/>s.</summary>
public static class Inits
{
    /// <summary>Orthogonal times <paramref name="gain"/> (PureJaxRL's and JaxMARL's dense layers).</summary>
    public static WeightInit Orthogonal(double gain) => (i, o, g) => Init.Orthogonal(i, o, gain, g);

    /// <summary>LeCun normal (flax's default kernel, haiku's VarianceScaling()).</summary>
    public static WeightInit LecunNormal => (i, o, g) => Init.LecunNormal(i, new[] { i, o }, g);

    /// <summary>Uniform in +-<paramref name="bound"/> (PyTorch's nn.Linear and nn.GRU use 1/sqrt(fan)).</summary>
    public static WeightInit Uniform(double bound) => (i, o, g) =>
    {
        using Scalar width = (2 * bound).ToScalar(), low = bound.ToScalar();
        return rand(new[] { i, o }, generator: g).mul(width).sub(low);
    };

    /// <summary>Glorot / Xavier uniform: +-sqrt(6 / (fan_in + fan_out)) (dopamine's networks).</summary>
    public static WeightInit XavierUniform => (i, o, g) => Uniform(Math.Sqrt(6.0 / (i + o)))(i, o, g);

    /// <summary>Every value <paramref name="value"/>.</summary>
    public static WeightInit Constant(double value) => (i, o, _) =>
    {
        using Scalar v = value.ToScalar();
        return full(new[] { i, o }, v);
    };
}
