using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Distributions;

/// <summary>
/// A diagonal Gaussian over D-dimensional actions: means from the network, one state-independent log standard
/// deviation per dimension (PureJaxRL's continuous PPO). Samples are not clipped here: the collector clips what the
/// environment receives to its Box and keeps the unclipped sample, whose log-density the loss uses.
/// </summary>
public sealed class DiagonalGaussian : ActionDistribution
{
    /// <summary>Actions of <paramref name="dimensions"/> values.</summary>
    public DiagonalGaussian(int dimensions)
    {
        if (dimensions < 1) throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "a Gaussian needs at least one dimension");
        Dimensions = dimensions;
    }

    /// <summary>Dimensions D.</summary>
    public int Dimensions { get; }

    /// <inheritdoc/>
    public override int ParameterSize => Dimensions;

    /// <inheritdoc/>
    public override int ActionSize => Dimensions;

    /// <inheritdoc/>
    public override bool IsDiscrete => false;

    /// <summary>Log-density of actions [C, M, D] under means [C, M, D] and log-stds [C, D], and the entropy.</summary>
    public override (Tensor LogProb, Tensor Entropy) Evaluate(PolicyParameters parameters, Tensor actions)
    {
        var (mean, logStd) = (parameters.Primary, parameters.LogStd ?? throw new ArgumentException("a Gaussian policy needs its log standard deviations"));
        using Scalar minusHalf = (-0.5).ToScalar(), logNorm = (0.5 * Math.Log(2 * Math.PI)).ToScalar(), entropyConstant = (0.5 * (1 + Math.Log(2 * Math.PI))).ToScalar();
        var ls = logStd.unsqueeze(1);
        var z = (actions - mean) / ls.exp();
        var logp = (z.Squared().mul(minusHalf) - ls).sub(logNorm).sum(-1);
        var entropy = ls.Plus(entropyConstant).sum(-1).expand(mean.shape[0], mean.shape[1]);
        return (logp, entropy);
    }

    /// <summary>Each row: mean + exp(log-std) z with Box-Muller normals from <paramref name="rng"/>; writes the sample and its log-density.</summary>
    public override void Sample(ReadOnlySpan<float> primary, ReadOnlySpan<float> logStd, ref ulong rng, Span<int> indices, Span<float> vectors, Span<float> logProbs)
    {
        var d = Dimensions;
        var rows = logProbs.Length;
        if (logStd.Length != d) throw new ArgumentException($"{logStd.Length} log standard deviations for {d} dimensions");
        if (primary.Length != rows * d || vectors.Length != rows * d) throw new ArgumentException($"means and samples must be {rows} x {d}");
        for (var r = 0; r < rows; r++)
        {
            double logp = 0;
            for (var k = 0; k < d; k++)
            {
                var z = SplitMix64.StandardNormal(ref rng);
                vectors[r * d + k] = (float)(primary[r * d + k] + Math.Exp(logStd[k]) * z);
                logp += -0.5 * z * z - logStd[k] - 0.5 * Math.Log(2 * Math.PI);
            }
            logProbs[r] = (float)logp;
        }
    }

    /// <summary>The means.</summary>
    public override void Greedy(ReadOnlySpan<float> primary, Span<int> indices, Span<float> vectors) => primary[..vectors.Length].CopyTo(vectors);
}
