using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>How a convolution pads its input.</summary>
public enum ConvPadding
{
    /// <summary>No padding (output shrinks by kernel - 1).</summary>
    Valid,
    /// <summary>Output as large as the input divided by the stride (odd kernels; flax's and haiku's "SAME" for stride 1).</summary>
    Same,
}

/// <summary>
/// A 2-D convolution of C copies on grids [C, M, Ch, H, W] (channels first; <see cref="ChannelsFirst"/> turns
/// MinAtar's H x W x Ch observations around): one grouped convolution with C groups, so all copies share one call.
/// Blocks "name.weight" [out, Ch, k, k] and "name.bias" [out] (zeros). The default kernel is orthogonal with
/// the given gain over the flattened [k k Ch, out] matrix, as jax's orthogonal initialiser treats conv kernels.
/// </summary>
public sealed class Conv2d : IBatchedModule
{
    readonly int weight, bias = -1;

    /// <summary>Adds the layer's blocks.</summary>
    public Conv2d(ParameterLayout layout, string name, int inChannels, int outChannels, int kernel, int stride = 1, ConvPadding padding = ConvPadding.Same,
        double gain = 1.0, bool useBias = true, WeightInit? init = null)
    {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1) throw new ArgumentOutOfRangeException(nameof(kernel), $"{name}: sizes must be positive");
        if (padding == ConvPadding.Same && (kernel % 2 == 0 || stride != 1)) throw new ArgumentException($"{name}: SAME padding is supported for odd kernels with stride 1");
        (Name, InChannels, OutChannels, Kernel, Stride, PaddingMode) = (name, inChannels, outChannels, kernel, stride, padding);
        var draw = init ?? Inits.Orthogonal(gain);
        long fanIn = (long)kernel * kernel * inChannels;
        // [k k Ch, out] (flax's HWIO flattened) to torch's OIHW.
        weight = layout.Add(name + ".weight", new long[] { outChannels, inChannels, kernel, kernel },
            g => draw(fanIn, outChannels, g).view(kernel, kernel, inChannels, outChannels).permute(3, 2, 0, 1).contiguous());
        if (useBias) bias = layout.Add(name + ".bias", new long[] { outChannels }, _ => zeros(outChannels));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel size (square).</summary>
    public int Kernel { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Padding.</summary>
    public ConvPadding PaddingMode { get; }

    long Pad => PaddingMode == ConvPadding.Same ? (Kernel - 1) / 2 : 0;

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[0] != InChannels) throw new ArgumentException($"{Name} takes [{InChannels}, H, W] grids, got [{string.Join(", ", inputShape)}]");
        long Out(long size) => (size + 2 * Pad - Kernel) / Stride + 1;
        return new[] { OutChannels, Out(inputShape[1]), Out(inputShape[2]) };
    }

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        if (x.dim() != 5) throw new ArgumentException($"{Name} takes [C, M, Ch, H, W], got [{string.Join(", ", x.shape)}]");
        long copies = x.shape[0], rows = x.shape[1];
        // Copies become groups of one convolution: [M, C Ch, H, W] with kernels [C out, Ch, k, k].
        var grouped = x.permute(1, 0, 2, 3, 4).reshape(rows, copies * InChannels, x.shape[3], x.shape[4]);
        var w = parameters.Block(weight).reshape(copies * OutChannels, InChannels, Kernel, Kernel);
        var b = bias < 0 ? null : parameters.Block(bias).reshape(copies * OutChannels);
        var y = nn.functional.conv2d(grouped, w, b, strides: new long[] { Stride, Stride }, padding: new[] { Pad, Pad }, groups: copies);
        return y.view(rows, copies, OutChannels, y.shape[2], y.shape[3]).permute(1, 0, 2, 3, 4);
    }
}
