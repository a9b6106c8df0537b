using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// The GRU cell of a reference implementation: their gates, biases and parameter counts differ (input width I, state
/// width H), so reproducing a paper's network (and its parameter count) needs the cell it used.
/// </summary>
public enum GruStyle
{
    /// <summary>
    /// flax.linen.GRUCell (PureJaxRL, JaxMARL): r = s(x W_ir + b_ir + h W_hr), z = s(x W_iz + b_iz + h W_hz),
    /// n = tanh(x W_in + b_in + r (h W_hn + b_hn)), h' = (1 - z) n + z h. Input kernels LeCun normal, recurrent kernels
    /// orthogonal, biases zero. 3H(I + H + 1) + H parameters.
    /// </summary>
    Flax,

    /// <summary>
    /// haiku.GRU (pax's Shaper and M-FOS): z, r = s(x W_i,zr + h W_h,zr + b_zr), a = tanh(x W_i,a + (r h) W_h,a + b_a),
    /// h' = (1 - z) h + z a: one bias per gate, the reset gate applied before the matrix product, the update gate in the
    /// opposite sense to flax's. Kernels LeCun normal (VarianceScaling()), biases zero. 3H(I + H + 1) parameters.
    /// </summary>
    Haiku,

    /// <summary>
    /// torch.nn.GRU / GRUCell: as flax, but with a recurrent bias on every gate. Every value uniform in
    /// +-1/sqrt(H). 3H(I + H + 2) parameters.
    /// </summary>
    PyTorch,
}

/// <summary>
/// A GRU over sequences for C copies: rows [C, T B, I] are T time steps of B sequences (time-major), the state
/// [C, B, H] starts from the context's state (zeros if none) and is zeroed where the context's resets mark a new
/// sequence, before that step. Blocks: "name.input" [I, 3H], "name.input_bias", "name.recurrent" [H, 3H],
/// "name.recurrent_bias", gates side by side (flax and PyTorch: r, z, n; haiku: z, r, a).
/// </summary>
public sealed class Gru : IRecurrentModule
{
    readonly int inputKernel, inputBias = -1, recurrentKernel, recurrentBias = -1;

    /// <summary>Adds the cell's blocks to <paramref name="layout"/>; <paramref name="inputInit"/> and <paramref name="recurrentInit"/> replace the style's kernel initialisers.</summary>
    public Gru(ParameterLayout layout, string name, int inputs, int hidden, GruStyle style = GruStyle.Flax, WeightInit? inputInit = null, WeightInit? recurrentInit = null)
    {
        if (inputs < 1 || hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), $"{name}: a GRU needs positive sizes, got {inputs} -> {hidden}");
        (Name, Inputs, StateSize, Style) = (name, inputs, hidden, style);
        var h3 = 3 * hidden;
        // Each gate's kernel is drawn on its own (as the references' separate Dense layers), then placed side by side.
        Tensor Gates(WeightInit init, long fanIn, Generator g) => cat(new[] { 0, 1, 2 }.Select(_ => init(fanIn, hidden, g)).ToArray(), 1);
        switch (style)
        {
            case GruStyle.Flax:
                inputKernel = layout.Add(name + ".input", new long[] { inputs, h3 }, g => Gates(inputInit ?? Inits.LecunNormal, inputs, g));
                inputBias = layout.Add(name + ".input_bias", new long[] { h3 }, _ => zeros(h3));
                recurrentKernel = layout.Add(name + ".recurrent", new long[] { hidden, h3 }, g => Gates(recurrentInit ?? Inits.Orthogonal(1.0), hidden, g));
                recurrentBias = layout.Add(name + ".recurrent_bias", new long[] { hidden }, _ => zeros(hidden));
                break;
            case GruStyle.Haiku:
                // haiku draws each kernel as one [in, 3H] VarianceScaling matrix (fan-in = its rows).
                inputKernel = layout.Add(name + ".input", new long[] { inputs, h3 }, g => (inputInit ?? Inits.LecunNormal)(inputs, h3, g));
                recurrentKernel = layout.Add(name + ".recurrent", new long[] { hidden, h3 }, g => (recurrentInit ?? Inits.LecunNormal)(hidden, h3, g));
                inputBias = layout.Add(name + ".bias", new long[] { h3 }, _ => zeros(h3));
                break;
            case GruStyle.PyTorch:
                var bound = 1 / Math.Sqrt(hidden);
                inputKernel = layout.Add(name + ".input", new long[] { inputs, h3 }, g => (inputInit ?? Inits.Uniform(bound))(inputs, h3, g));
                inputBias = layout.Add(name + ".input_bias", new long[] { h3 }, g => Inits.Uniform(bound)(1, h3, g).view(h3));
                recurrentKernel = layout.Add(name + ".recurrent", new long[] { hidden, h3 }, g => (recurrentInit ?? Inits.Uniform(bound))(hidden, h3, g));
                recurrentBias = layout.Add(name + ".recurrent_bias", new long[] { h3 }, g => Inits.Uniform(bound)(1, h3, g).view(h3));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(style), style, "unknown GRU style");
        }
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Input width I.</summary>
    public int Inputs { get; }

    /// <inheritdoc/>
    public int StateSize { get; }

    /// <summary>The reference cell.</summary>
    public GruStyle Style { get; }

    /// <summary>Parameters of one copy for a style.</summary>
    public static long ParameterCount(GruStyle style, int inputs, int hidden) => style switch
    {
        GruStyle.Flax => 3L * hidden * (inputs + hidden + 1) + hidden,
        GruStyle.Haiku => 3L * hidden * (inputs + hidden + 1),
        _ => 3L * hidden * (inputs + hidden + 2),
    };

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) =>
        inputShape.Length == 1 && inputShape[0] == Inputs ? new long[] { StateSize } : throw new ArgumentException($"{Name} takes [{Inputs}] features, got [{string.Join(", ", inputShape)}]");

    /// <summary>Outputs [C, T B, H] (each step's new state); the state after the last step goes to the context.</summary>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        long copies = x.shape[0], steps = context.Steps, batch = x.shape[1] / steps;
        if (batch * steps != x.shape[1]) throw new ArgumentException($"{Name}: {x.shape[1]} rows are not {steps} steps of equal sequences");
        var h = context.InitialStateOrZeros(this, copies, batch, x);
        var (outputs, last) = Style switch
        {
            GruStyle.Flax => RunFlax(parameters, x, context.Resets, h, copies, steps, batch),
            GruStyle.Haiku => RunHaiku(parameters, x, context.Resets, h, copies, steps, batch),
            _ => RunPyTorch(parameters, x, context.Resets, h, copies, steps, batch),
        };
        context.SetFinalState(this, last);
        return stack(outputs, 1).view(copies, steps * batch, StateSize);
    }

    /// <summary>Where sequences start again per step: the multipliers (1 keep, 0 reset) and whether step t has any reset.</summary>
    static (Tensor[] Keep, bool[] Any) Resets(Tensor? resets, Tensor h, long steps)
    {
        if (resets is null) return (Array.Empty<Tensor>(), new bool[steps]);
        var keep = (~resets).to_type(h.dtype).unsqueeze(-1).unbind(0);
        // Steps where no sequence starts again skip the mask (in MPE all episodes end together: most steps).
        return (keep, resets.flatten(1).any(1).cpu().data<bool>().ToArray());
    }

    /// <summary>Input projections of all steps at once (one batched product instead of T), as T tensors [C, B, 3H].</summary>
    Tensor[] InputGates(ParameterStore p, Tensor x, long copies, long steps, long batch, bool withBias)
    {
        var xi = bmm(x, p.Block(inputKernel));
        if (withBias) xi = xi.PlusInPlace(p.Block(inputBias).unsqueeze(1));
        return xi.view(copies, steps, batch, 3 * StateSize).permute(1, 0, 2, 3).unbind(0);
    }

    (Tensor[] Outputs, Tensor Last) RunFlax(ParameterStore p, Tensor x, Tensor? resets, Tensor h, long copies, long steps, long batch)
    {
        var wh = p.Block(recurrentKernel);
        var bn = p.Block(recurrentBias).unsqueeze(1);
        var inputGates = InputGates(p, x, copies, steps, batch, withBias: true);
        var (keep, any) = Resets(resets, h, steps);
        var outputs = new Tensor[steps];
        long H = StateSize;
        // Eight operations per step (the recurrence is run op by op, so their count sets the cost):
        // r and z in one sigmoid, n = tanh(x_n + r (h W_hn + b_hn)) with one addcmul, h' = n + z (h - n) as one lerp.
        for (var t = 0; t < steps; t++)
        {
            if (any[t]) h = h * keep[t];
            var hh = bmm(h, wh);
            var gi = inputGates[t];
            var rz = sigmoid(gi.narrow(-1, 0, 2 * H).Plus(hh.narrow(-1, 0, 2 * H)));
            var n = tanh(addcmul(gi.narrow(-1, 2 * H, H), rz.narrow(-1, 0, H), hh.narrow(-1, 2 * H, H).Plus(bn), Keep.One));
            h = lerp(n, h, rz.narrow(-1, H, H));
            outputs[t] = h;
        }
        return (outputs, h);
    }

    (Tensor[] Outputs, Tensor Last) RunHaiku(ParameterStore p, Tensor x, Tensor? resets, Tensor h, long copies, long steps, long batch)
    {
        long H = StateSize;
        var wh = p.Block(recurrentKernel);
        var whZr = wh.narrow(-1, 0, 2 * H);
        var whA = wh.narrow(-1, 2 * H, H);
        // haiku adds the one bias after both products; folding it into the input projection adds the same numbers.
        var inputGates = InputGates(p, x, copies, steps, batch, withBias: true);
        var (keep, any) = Resets(resets, h, steps);
        var outputs = new Tensor[steps];
        for (var t = 0; t < steps; t++)
        {
            if (any[t]) h = h * keep[t];
            var gi = inputGates[t];
            var zr = sigmoid(gi.narrow(-1, 0, 2 * H).Plus(bmm(h, whZr)));
            var a = tanh(gi.narrow(-1, 2 * H, H).Plus(bmm(zr.narrow(-1, H, H) * h, whA)));
            h = lerp(h, a, zr.narrow(-1, 0, H));
            outputs[t] = h;
        }
        return (outputs, h);
    }

    (Tensor[] Outputs, Tensor Last) RunPyTorch(ParameterStore p, Tensor x, Tensor? resets, Tensor h, long copies, long steps, long batch)
    {
        long H = StateSize;
        var wh = p.Block(recurrentKernel);
        var bh = p.Block(recurrentBias).unsqueeze(1);
        var inputGates = InputGates(p, x, copies, steps, batch, withBias: true);
        var (keep, any) = Resets(resets, h, steps);
        var outputs = new Tensor[steps];
        for (var t = 0; t < steps; t++)
        {
            if (any[t]) h = h * keep[t];
            var hh = bmm(h, wh).PlusInPlace(bh);
            var gi = inputGates[t];
            var rz = sigmoid(gi.narrow(-1, 0, 2 * H).Plus(hh.narrow(-1, 0, 2 * H)));
            var n = tanh(addcmul(gi.narrow(-1, 2 * H, H), rz.narrow(-1, 0, H), hh.narrow(-1, 2 * H, H), Keep.One));
            h = lerp(n, h, rz.narrow(-1, H, H));
            outputs[t] = h;
        }
        return (outputs, h);
    }
}
