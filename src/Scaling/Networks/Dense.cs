using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// A dense layer of C copies, y = x W + b: blocks "name.weight" [in, out] and "name.bias" [out] (zeros) unless
/// <c>bias: false</c>. Rows [C, M, in] to [C, M, out] (further feature dimensions are not allowed: flatten first).
/// </summary>
public sealed class Dense : IBatchedModule
{
    readonly int weight, bias = -1;

    /// <summary>Adds the layer's blocks to <paramref name="layout"/>; the default kernel is orthogonal with <paramref name="gain"/> (flax Dense with orthogonal(gain), constant(0) bias).</summary>
    public Dense(ParameterLayout layout, string name, int inputs, int outputs, double gain = 1.0, bool useBias = true, WeightInit? init = null)
    {
        if (inputs < 1 || outputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), $"{name}: a dense layer needs positive sizes, got {inputs} -> {outputs}");
        (Name, Inputs, Outputs) = (name, inputs, outputs);
        var draw = init ?? Inits.Orthogonal(gain);
        weight = layout.Add(name + ".weight", new long[] { inputs, outputs }, g => draw(inputs, outputs, g));
        if (useBias) bias = layout.Add(name + ".bias", new long[] { outputs }, _ => zeros(outputs));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) =>
        inputShape.Length == 1 && inputShape[0] == Inputs ? new long[] { Outputs } : throw new ArgumentException($"{Name} takes [{Inputs}] features, got [{string.Join(", ", inputShape)}]");

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context) => Apply(parameters, x);

    /// <summary>The layer of every copy on its rows [C, M, in].</summary>
    /// <remarks>bmm then add: TorchSharp 0.107's baddbmm passes its operands to libtorch in the wrong order.</remarks>
    public Tensor Apply(ParameterStore parameters, Tensor x)
    {
        var y = bmm(x, parameters.Block(weight));
        return bias < 0 ? y : y.PlusInPlace(parameters.Block(bias).unsqueeze(1));
    }
}
