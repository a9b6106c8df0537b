using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>The observation encoders of the DQN family (the encoder ablations of thesis chapter 6 swap them).</summary>
public enum EncoderKind
{
    /// <summary>dopamine's MinAtar network: Conv(16, 3x3, SAME) + ReLU, flattened (10 x 10 x 16 = 1,600 features).</summary>
    Minatar,
    /// <summary>
    /// Nature-CNN-like (Mnih et al. 2015: 32-64-64 channels, three convolutions), kernels and strides scaled so a 10 x 10
    /// grid ends at 4 x 4 (Nature's 84 x 84 ends at 7 x 7): Conv(32, 3x3, SAME), Conv(64, 3x3, stride 2), Conv(64, 3x3, SAME),
    /// each + ReLU (1,024 features).
    /// </summary>
    Nature,
    /// <summary>
    /// IMPALA-like (Espeholt et al. 2018, dopamine's ImpalaEncoder): stacks of 16, 32, 32 channels, each Conv(3x3) then
    /// MaxPool(3x3, stride 2, SAME) then two residual blocks [ReLU, Conv, ReLU, Conv, + skip], a final ReLU; 10 -&gt; 5 -&gt; 3 -&gt; 2
    /// (128 features).
    /// </summary>
    Impala,
    /// <summary>No convolution: the observation flattened (vector observations).</summary>
    Flat,
}

/// <summary>Builds encoders on [H, W, Ch] grids (or flat vectors for <see cref="EncoderKind.Flat"/>).</summary>
public static class Encoders
{
    /// <summary>The encoder of <paramref name="kind"/> for observations of <paramref name="shape"/>, blocks named "name.*".</summary>
    public static IBatchedModule Create(EncoderKind kind, ParameterLayout layout, string name, long[] shape, WeightInit? init = null)
    {
        if (kind == EncoderKind.Flat) return new Sequential(name, new Flatten());
        if (shape.Length != 3) throw new ArgumentException($"the {kind.ToString().ToLowerInvariant()} encoder needs [H, W, C] grids, got [{string.Join(", ", shape)}] (use encoder=flat)");
        var channels = (int)shape[2];
        init ??= Inits.XavierUniform;
        var relu = new ActivationLayer(Activation.Relu);
        Conv2d Conv(string part, int inputs, int outputs, int stride = 1, ConvPadding padding = ConvPadding.Same) =>
            new(layout, $"{name}.{part}", inputs, outputs, 3, stride, padding, init: init);
        switch (kind)
        {
            case EncoderKind.Minatar:
                return new Sequential(name, new ChannelsFirst(), Conv("conv", channels, 16), relu, new Flatten());
            case EncoderKind.Nature:
                return new Sequential(name, new ChannelsFirst(), Conv("conv0", channels, 32), relu, Conv("conv1", 32, 64, 2, ConvPadding.Valid), relu,
                    Conv("conv2", 64, 64), relu, new Flatten());
            case EncoderKind.Impala:
                var modules = new List<IBatchedModule> { new ChannelsFirst() };
                var input = channels;
                var stacks = new[] { 16, 32, 32 };
                for (var s = 0; s < stacks.Length; s++)
                {
                    modules.Add(Conv($"stack{s}.conv", input, stacks[s]));
                    modules.Add(new MaxPool2d(3, 2));
                    for (var b = 0; b < 2; b++)
                        modules.Add(new ResidualBlock(Conv($"stack{s}.block{b}.conv0", stacks[s], stacks[s]), Conv($"stack{s}.block{b}.conv1", stacks[s], stacks[s])));
                    input = stacks[s];
                }
                modules.Add(relu);
                modules.Add(new Flatten());
                return new Sequential(name, modules.ToArray());
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown encoder");
        }
    }
}

/// <summary>Max pooling of grids [C, M, Ch, H, W] with SAME padding (padding kernel / 2, as flax's SAME for odd kernels).</summary>
/// <param name="Kernel">Window side (odd).</param>
/// <param name="Stride">Stride.</param>
public sealed record MaxPool2d(int Kernel, int Stride) : IBatchedModule
{
    /// <inheritdoc/>
    public string Name => "max_pool";

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape)
    {
        if (inputShape.Length != 3) throw new ArgumentException($"max pooling takes [Ch, H, W] grids, got [{string.Join(", ", inputShape)}]");
        long Out(long size) => (size + 2 * (Kernel / 2) - Kernel) / Stride + 1;
        return new[] { inputShape[0], Out(inputShape[1]), Out(inputShape[2]) };
    }

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        long copies = x.shape[0], rows = x.shape[1];
        var pooled = nn.functional.max_pool2d(x.reshape(copies * rows, x.shape[2], x.shape[3], x.shape[4]), Kernel, Stride, Kernel / 2);
        return pooled.view(copies, rows, pooled.shape[1], pooled.shape[2], pooled.shape[3]);
    }
}

/// <summary>IMPALA's residual block: x + conv1(relu(conv0(relu(x)))).</summary>
public sealed class ResidualBlock(Conv2d first, Conv2d second) : IBatchedModule
{
    /// <inheritdoc/>
    public string Name => first.Name + "+" + second.Name;

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) => second.OutputShape(first.OutputShape(inputShape));

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        var y = first.Forward(parameters, nn.functional.relu(x), context).Value;
        y = second.Forward(parameters, nn.functional.relu(y), context).Value;
        return y.Plus(x);
    }
}
