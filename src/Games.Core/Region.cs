using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games;

/// <summary>
/// The box Theta = [Low, High]^d from which parameters are sampled uniformly for consistency losses and
/// COLA training (thesis 4.3: [-1, 1] for the polynomial games, [-7, 7] for the sigmoid games).
/// </summary>
public sealed record Region(double Low, double High)
{
    /// <summary>[-1, 1] per parameter.</summary>
    public static Region Unit { get; } = new(-1, 1);

    /// <summary>[-7, 7] per parameter: sigma(7) is about 1, so it spans almost all of probability space.</summary>
    public static Region Logits { get; } = new(-7, 7);

    /// <summary>Uniform draws of shape [batch, size] on <paramref name="device"/>, from <paramref name="generator"/>.</summary>
    public Tensor Sample(long batch, long size, Generator generator, Device? device = null) =>
        Sample(new[] { batch, size }, generator, device);

    /// <summary>Uniform draws of any shape on <paramref name="device"/>, from <paramref name="generator"/>.</summary>
    public Tensor Sample(long[] shape, Generator generator, Device? device = null)
    {
        using Scalar width = (High - Low).ToScalar(), low = Low.ToScalar();
        return rand(shape, dtype: ScalarType.Float64, generator: generator).mul(width).Plus(low).to(device ?? CPU);
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{Low}, {High}]";
}
