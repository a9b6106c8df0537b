using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// Layer normalisation over the last dimension with a per-copy gain (ones) and bias (zeros): blocks "name.scale" and
/// "name.bias" [D]. Rows [C, M, ..., D].
/// </summary>
public sealed class LayerNorm : IBatchedModule
{
    readonly int scale, bias;

    /// <summary>Adds the blocks; <paramref name="epsilon"/> is added to the variance (1e-6 as flax, 1e-5 as PyTorch).</summary>
    public LayerNorm(ParameterLayout layout, string name, int features, double epsilon = 1e-6)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, $"{name}: at least one feature");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be positive");
        (Name, Features, Epsilon) = (name, features, epsilon);
        scale = layout.Add(name + ".scale", new long[] { features }, _ => ones(features));
        bias = layout.Add(name + ".bias", new long[] { features }, _ => zeros(features));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Width D.</summary>
    public int Features { get; }

    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) =>
        inputShape.Length > 0 && inputShape[^1] == Features ? inputShape : throw new ArgumentException($"{Name} normalises {Features} features, got [{string.Join(", ", inputShape)}]");

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        var normalised = nn.functional.layer_norm(x, new long[] { Features }, null, null, Epsilon);
        // [C, D] to [C, 1, ..., 1, D] for the rows and any further feature dimensions.
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        (shape[0], shape[^1]) = (x.shape[0], Features);
        return normalised.mul(parameters.Block(scale).view(shape)).PlusInPlace(parameters.Block(bias).view(shape));
    }
}
