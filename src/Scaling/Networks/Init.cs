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
