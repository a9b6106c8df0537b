using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>Hidden-layer nonlinearity.</summary>
public enum Activation
{
    /// <summary>tanh (PureJaxRL's default).</summary>
    Tanh,
    /// <summary>max(0, x).</summary>
    Relu,
}

/// <summary>Network layers added to a <see cref="ParameterLayout"/>.</summary>
public static class LayoutExtensions
{
    /// <summary>
    /// Adds a dense layer "name.weight" [in, out] (orthogonal times <paramref name="gain"/>) and "name.bias" [out]
    /// (zeros), flax's Dense with orthogonal kernel and constant(0) bias.
    /// </summary>
    public static Dense AddDense(this ParameterLayout layout, string name, int inputs, int outputs, double gain)
    {
        var weight = layout.Add(name + ".weight", new long[] { inputs, outputs }, g => Init.Orthogonal(inputs, outputs, gain, g));
        var bias = layout.Add(name + ".bias", new long[] { outputs }, _ => zeros(outputs));
        return new Dense(name, inputs, outputs, weight, bias);
    }
}

/// <summary>A dense layer of S copies: y = x W + b with x [S, B, in], W [S, in, out], b [S, out].</summary>
/// <param name="Name">Block name prefix.</param>
/// <param name="Inputs">Input width.</param>
/// <param name="Outputs">Output width.</param>
/// <param name="Weight">Index of the weight block (resolved once, not looked up by name on every forward).</param>
/// <param name="Bias">Index of the bias block.</param>
public sealed record Dense(string Name, int Inputs, int Outputs, int Weight, int Bias)
{
    /// <summary>Applies the layer of every copy to its rows.</summary>
    /// <remarks>bmm then add: TorchSharp 0.107's baddbmm passes its operands to libtorch in the wrong order.</remarks>
    public Tensor Forward(ParameterStore p, Tensor x) =>
        bmm(x, p.Block(Weight)).PlusInPlace(p.Block(Bias).unsqueeze(1));
}

/// <summary>
/// flax's GRUCell for S copies: r = s(x W_ir + b_ir + h W_hr), z = s(x W_iz + b_iz + h W_hz),
/// n = tanh(x W_in + b_in + r (h W_hn + b_hn)), h' = (1 - z) n + z h. Input kernels LeCun normal, recurrent kernels
/// orthogonal, biases zero; the three gates' kernels are stored side by side ([in, 3H] and [H, 3H], order r, z, n).
/// </summary>
public sealed record Gru(string Name, int Inputs, int Hidden, int InputKernel, int InputBias, int Recurrent, int RecurrentBias)
{
    /// <summary>Adds the cell's blocks to <paramref name="layout"/>.</summary>
    public static Gru Add(ParameterLayout layout, string name, int inputs, int hidden)
    {
        var wi = layout.Add(name + ".input", new long[] { inputs, 3 * hidden }, g => cat(new[] { 0, 1, 2 }.Select(_ => Init.LecunNormal(inputs, new long[] { inputs, hidden }, g)).ToArray(), 1));
        var bi = layout.Add(name + ".input_bias", new long[] { 3 * hidden }, _ => zeros(3 * hidden));
        var wh = layout.Add(name + ".recurrent", new long[] { hidden, 3 * hidden }, g => cat(new[] { 0, 1, 2 }.Select(_ => Init.Orthogonal(hidden, hidden, 1.0, g)).ToArray(), 1));
        var bn = layout.Add(name + ".recurrent_bias", new long[] { hidden }, _ => zeros(hidden));
        return new Gru(name, inputs, hidden, wi, bi, wh, bn);
    }

    /// <summary>
    /// Runs the cell over a sequence: <paramref name="inputs"/> [T, S, B, in], <paramref name="resets"/> [T, S, B]
    /// (true where the hidden state starts again from zero before step t), <paramref name="hidden"/> [S, B, H].
    /// Returns the outputs [T, S, B, H] (each step's new hidden state) and the last hidden state.
    /// </summary>
    public (Tensor Outputs, Tensor Hidden) Forward(ParameterStore p, Tensor inputs, Tensor resets, Tensor hidden)
    {
        long steps = inputs.shape[0], copies = inputs.shape[1], batch = inputs.shape[2];
        var wi = p.Block(InputKernel);
        var bi = p.Block(InputBias);
        var wh = p.Block(Recurrent);
        var bn = p.Block(RecurrentBias).unsqueeze(1);
        // Input projections of all steps at once: one batched matrix product instead of T.
        var xi = bmm(inputs.permute(1, 0, 2, 3).reshape(copies, steps * batch, Inputs), wi).PlusInPlace(bi.unsqueeze(1))
            .view(copies, steps, batch, 3 * Hidden).permute(1, 0, 2, 3);
        var keep = (~resets).to_type(hidden.dtype).unsqueeze(-1).unbind(0);
        // Steps where no sequence starts again skip the mask (in MPE all episodes end together: most steps).
        var anyReset = resets.flatten(1).any(1).cpu().data<bool>().ToArray();
        var inputGates = xi.unbind(0);
        var outputs = new Tensor[steps];
        var h = hidden;
        long H = Hidden;
        // Eight operations per step (the recurrence is run op by op, so their count sets the cost):
        // r and z in one sigmoid, n = tanh(x_n + r (h W_hn + b_hn)) with one addcmul, h' = n + z (h - n) as one lerp.
        for (var t = 0; t < steps; t++)
        {
            if (anyReset[t]) h = h * keep[t];
            var hh = bmm(h, wh);
            var gi = inputGates[t];
            var rz = sigmoid(gi.narrow(-1, 0, 2 * H).Plus(hh.narrow(-1, 0, 2 * H)));
            var n = tanh(addcmul(gi.narrow(-1, 2 * H, H), rz.narrow(-1, 0, H), hh.narrow(-1, 2 * H, H).Plus(bn), Keep.One));
            h = lerp(n, h, rz.narrow(-1, H, H));
            outputs[t] = h;
        }
        return (stack(outputs), h);
    }
}

/// <summary>Activation functions.</summary>
public static class Activations
{
    /// <summary>Applies <paramref name="activation"/>.</summary>
    public static Tensor Apply(this Activation activation, Tensor x) => activation == Activation.Relu ? nn.functional.relu(x) : tanh(x);
}
