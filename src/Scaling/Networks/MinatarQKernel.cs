using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// dopamine's MinAtar Q-network (<see cref="EncoderKind.Minatar"/>: Conv(16, 3x3, SAME) + ReLU, flattened, one dense
/// layer to A action values) computed in managed code for one copy and one observation at a time, forward and backward:
/// the same function as <see cref="QNetwork.Forward"/> on the same parameter rows, equal up to float rounding (the sums
/// run in another order).
/// </summary>
/// <remarks>
/// <para>Why: at MinAtar's sizes (a 10 x 10 grid, 32 transitions per step) libtorch spends more time dispatching the ~60
/// small operations of a DQN gradient step than computing them. MinAtar's observations are 0/1 grids with few cells set
/// (about 30 of 400 in Breakout), so the convolution scatters the kernel of each non-zero input cell into the 16-wide
/// feature vectors of the positions it reaches, and its weight gradient gathers the same way; both are exact for any
/// input values (zeros are skipped, other values multiply).</para>
/// <para>Layouts: a parameter row is the store's (conv weight [16, Ch, 3, 3], conv bias [16], head weight
/// [16 H W, A] with features in torch's flatten order o H W + y W + x, head bias [A]); <see cref="Weights"/> holds the
/// same numbers position-major for vector arithmetic (taps [Ch 3 3, 16], head [A, H W 16]). An instance keeps scratch
/// memory: one instance per thread.</para>
/// </remarks>
public sealed class MinatarQKernel
{
    const int Filters = 16, Side = 3;
    readonly int height, width, channels, positions, features;
    readonly long convWeight, convBias, headWeight, headBias;
    readonly float[] hidden;
    readonly Taps scratch;

    MinatarQKernel(int height, int width, int channels, int actions, long convWeight, long convBias, long headWeight, long headBias, long size)
    {
        (this.height, this.width, this.channels, Actions) = (height, width, channels, actions);
        (this.convWeight, this.convBias, this.headWeight, this.headBias, Size) = (convWeight, convBias, headWeight, headBias, checked((int)size));
        positions = height * width;
        features = positions * Filters;
        ObservationSize = positions * channels;
        hidden = new float[features];
        scratch = NewTaps();
    }

    /// <summary>
    /// The kernel for <paramref name="network"/>'s parameter layout on observations of <paramref name="observationShape"/>
    /// [H, W, Ch], or null with the reason where the network is not dopamine's MinAtar network with a plain head (another
    /// encoder or a caller's, hidden layers, atoms, dueling or noisy layers) or its parameters are not float32 on the CPU.
    /// </summary>
    public static MinatarQKernel? For(QNetwork network, long[] observationShape, out string reason)
    {
        var o = network.Options;
        reason = network.CustomEncoder ? "a caller's encoder"
            : o.Encoder != EncoderKind.Minatar ? $"the {o.Encoder.ToString().ToLowerInvariant()} encoder"
            : o.HiddenLayers > 0 ? "hidden layers" : o.Atoms > 1 ? "a distributional head" : o.Dueling ? "a dueling head" : o.Noisy ? "noisy layers"
            : observationShape.Length != 3 ? "observations that are not grids"
            : !HostSpan.CanView(network.Online.Values) ? "parameters that are not float32 on the CPU" : "";
        if (reason.Length > 0) return null;
        var blocks = network.Online.Blocks;
        int h = (int)observationShape[0], w = (int)observationShape[1], ch = (int)observationShape[2], a = network.Actions;
        var expected = new (string Name, long[] Shape)[]
        {
            ("encoder.conv.weight", new long[] { Filters, ch, Side, Side }), ("encoder.conv.bias", new long[] { Filters }),
            ("head.q.weight", new long[] { (long)Filters * h * w, a }), ("head.q.bias", new long[] { a }),
        };
        if (blocks.Count != expected.Length || blocks.Zip(expected).Any(p => p.First.Name != p.Second.Name || !p.First.Shape.SequenceEqual(p.Second.Shape)))
        {
            reason = $"a parameter layout other than the MinAtar network's ({string.Join(", ", blocks.Select(b => b.Name))})";
            return null;
        }
        return new MinatarQKernel(h, w, ch, a, blocks[0].Offset, blocks[1].Offset, blocks[2].Offset, blocks[3].Offset, network.Online.Size);
    }

    /// <summary>Actions A.</summary>
    public int Actions { get; }

    /// <summary>Values of one copy's parameter row P.</summary>
    public int Size { get; }

    /// <summary>Values of one observation (H W Ch).</summary>
    public int ObservationSize { get; }

    /// <summary>Values of the pre-activation features that <c>Forward</c> keeps for <c>Backward</c> (16 H W).</summary>
    public int Features => features;

    /// <summary>One network's parameters, or their gradient, in the kernel's layout.</summary>
    public sealed class Weights
    {
        internal Weights(int taps, int features, int actions)
        {
            (Taps, ConvBias, Head, HeadBias) = (new float[taps * Filters], new float[Filters], new float[actions * features], new float[actions]);
        }

        internal float[] Taps { get; }
        internal float[] ConvBias { get; }
        internal float[] Head { get; }
        internal float[] HeadBias { get; }

        /// <summary>Sets every value to zero (a gradient before accumulating).</summary>
        public void Clear()
        {
            Array.Clear(Taps); Array.Clear(ConvBias); Array.Clear(Head); Array.Clear(HeadBias);
        }
    }

    /// <summary>Zeroed weights of this network's shape.</summary>
    public Weights NewWeights() => new(channels * Side * Side, features, Actions);

    /// <summary>Reads a parameter row [P] (the store's layout) into <paramref name="into"/>.</summary>
    public void Load(ReadOnlySpan<float> row, Weights into)
    {
        Check(row.Length == Size, "parameter row", row.Length, Size);
        ref var source = ref MemoryMarshal.GetReference(row);
        Permute(ref source, into, toRow: false);
    }

    /// <summary>Writes <paramref name="weights"/> (a gradient, usually) as a parameter row [P] in the store's layout.</summary>
    public void Store(Weights weights, Span<float> row)
    {
        Check(row.Length == Size, "parameter row", row.Length, Size);
        ref var target = ref MemoryMarshal.GetReference(row);
        Permute(ref target, weights, toRow: true);
    }

    /// <summary>Copies between a row (store layout) and <paramref name="weights"/> (kernel layout), either way.</summary>
    void Permute(ref float row, Weights weights, bool toRow)
    {
        var taps = channels * Side * Side;
        ref var conv = ref Unsafe.Add(ref row, (nint)convWeight);
        ref var kernelTaps = ref MemoryMarshal.GetArrayDataReference(weights.Taps);
        for (var o = 0; o < Filters; o++)
            for (var tap = 0; tap < taps; tap++)
            {
                ref var r = ref Unsafe.Add(ref conv, o * taps + tap);
                ref var k = ref Unsafe.Add(ref kernelTaps, tap * Filters + o);
                if (toRow) r = k; else k = r;
            }
        ref var head = ref Unsafe.Add(ref row, (nint)headWeight);
        ref var kernelHead = ref MemoryMarshal.GetArrayDataReference(weights.Head);
        var actions = Actions;
        for (var o = 0; o < Filters; o++)
            for (var p = 0; p < positions; p++)
            {
                ref var r = ref Unsafe.Add(ref head, (o * positions + p) * actions);
                ref var k = ref Unsafe.Add(ref kernelHead, p * Filters + o);
                for (var a = 0; a < actions; a++)
                {
                    if (toRow) Unsafe.Add(ref r, a) = Unsafe.Add(ref k, a * features);
                    else Unsafe.Add(ref k, a * features) = Unsafe.Add(ref r, a);
                }
            }
        var convBiasRow = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref row, (nint)convBias), Filters);
        var headBiasRow = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref row, (nint)headBias), actions);
        if (toRow) { weights.ConvBias.CopyTo(convBiasRow); weights.HeadBias.CopyTo(headBiasRow); }
        else { convBiasRow.CopyTo(weights.ConvBias); headBiasRow.CopyTo(weights.HeadBias); }
    }

    /// <summary>
    /// Action values [A] of one observation [H W Ch]; the convolution's pre-activations [16 H W] (position-major) go to
    /// <paramref name="preactivation"/> for <c>Backward</c>.
    /// </summary>
    public void Forward(Weights weights, ReadOnlySpan<float> observation, Span<float> preactivation, Span<float> values) =>
        Forward(weights, Collect(observation, scratch), preactivation, values);

    /// <summary><see cref="Forward(Weights, ReadOnlySpan{float}, Span{float}, Span{float})"/> from an observation's <see cref="Collect"/>ed taps.</summary>
    public void Forward(Weights weights, Taps input, Span<float> preactivation, Span<float> values)
    {
        Check(preactivation.Length == features && values.Length == Actions, "output", preactivation.Length, features);
        ref var z = ref MemoryMarshal.GetReference(preactivation);
        ref var bias = ref MemoryMarshal.GetArrayDataReference(weights.ConvBias);
        for (var p = 0; p < positions; p++) Axpy16(1f, ref bias, ref Unsafe.Add(ref z, p * Filters), overwrite: true);
        ref var taps = ref MemoryMarshal.GetArrayDataReference(weights.Taps);
        for (var k = 0; k < input.Count; k++) Axpy16(input.Values[k], ref Unsafe.Add(ref taps, input.Indices[k] * Filters), ref Unsafe.Add(ref z, input.Positions[k] * Filters));
        Head(preactivation, weights, values);
    }

    /// <summary>
    /// Adds to <paramref name="gradient"/> the gradient of <paramref name="scale"/> Q(observation, action), given the
    /// <paramref name="preactivation"/> its <c>Forward</c> left (ReLU's gradient is taken where it is positive, as libtorch's).
    /// </summary>
    public void Backward(Weights weights, ReadOnlySpan<float> observation, ReadOnlySpan<float> preactivation, int action, float scale, Weights gradient) =>
        Backward(weights, Collect(observation, scratch), preactivation, action, scale, gradient);

    /// <summary><see cref="Backward(Weights, ReadOnlySpan{float}, ReadOnlySpan{float}, int, float, Weights)"/> from the observation's <see cref="Collect"/>ed taps.</summary>
    public void Backward(Weights weights, Taps input, ReadOnlySpan<float> preactivation, int action, float scale, Weights gradient)
    {
        Check(preactivation.Length == features, "pre-activation", preactivation.Length, features);
        if ((uint)action >= (uint)Actions) throw new ArgumentOutOfRangeException(nameof(action), action, $"the network has {Actions} actions");
        gradient.HeadBias[action] += scale;
        var head = weights.Head.AsSpan(action * features, features);
        var headGradient = gradient.Head.AsSpan(action * features, features);
        var z = MemoryMarshal.Cast<float, Vector<float>>(preactivation);
        var w = MemoryMarshal.Cast<float, Vector<float>>(head);
        var g = MemoryMarshal.Cast<float, Vector<float>>(headGradient.Slice(0, features));
        var dz = MemoryMarshal.Cast<float, Vector<float>>(hidden.AsSpan());
        var s = new Vector<float>(scale);
        for (var i = 0; i < z.Length; i++)
        {
            var active = Vector.GreaterThan(z[i], Vector<float>.Zero);
            g[i] += s * Vector.Max(z[i], Vector<float>.Zero);
            dz[i] = Vector.ConditionalSelect(active, s * w[i], Vector<float>.Zero);
        }
        ref var dHidden = ref MemoryMarshal.GetArrayDataReference(hidden);
        ref var biasGradient = ref MemoryMarshal.GetArrayDataReference(gradient.ConvBias);
        for (var p = 0; p < positions; p++) Axpy16(1f, ref Unsafe.Add(ref dHidden, p * Filters), ref biasGradient);
        ref var tapGradient = ref MemoryMarshal.GetArrayDataReference(gradient.Taps);
        for (var k = 0; k < input.Count; k++) Axpy16(input.Values[k], ref Unsafe.Add(ref dHidden, input.Positions[k] * Filters), ref Unsafe.Add(ref tapGradient, input.Indices[k] * Filters));
    }

    /// <summary>
    /// An observation as the list of (tap, value, output position) triples its non-zero cells contribute: for every
    /// non-zero cell and every kernel tap that reaches an output position inside the grid, the tap c 9 + dy 3 + dx, the
    /// cell's value and the position (torch's cross-correlation: output (y, x) reads input (y + dy - 1, x + dx - 1)).
    /// Collected once, used by the forward passes of both networks and by the backward pass.
    /// </summary>
    public sealed class Taps
    {
        internal Taps(int most) => (Indices, Values, Positions) = (new int[most], new float[most], new int[most]);

        internal int[] Indices { get; }
        internal float[] Values { get; }
        internal int[] Positions { get; }

        /// <summary>Triples listed.</summary>
        public int Count { get; internal set; }
    }

    /// <summary>Room for the taps of any observation of this network's shape.</summary>
    public Taps NewTaps() => new(ObservationSize * Side * Side);

    /// <summary>Lists the taps of <paramref name="observation"/> [H W Ch] into <paramref name="into"/> and returns it.</summary>
    public Taps Collect(ReadOnlySpan<float> observation, Taps into)
    {
        Check(observation.Length == ObservationSize, "observation", observation.Length, ObservationSize);
        Check(into.Indices.Length == ObservationSize * Side * Side, "tap list", into.Indices.Length, ObservationSize * Side * Side);
        var count = 0;
        var cells = MemoryMarshal.Cast<float, Vector<float>>(observation);
        var step = Vector<float>.Count;
        for (var block = 0; block * step < observation.Length; block++)
        {
            // Most cells are 0: skip a vector of them at once.
            if (block < cells.Length && cells[block] == Vector<float>.Zero) continue;
            for (int i = block * step, end = Math.Min(i + step, observation.Length); i < end; i++)
            {
                var value = observation[i];
                if (value == 0) continue;
                var c = i % channels;
                var y = i / channels / width;
                var x = i / channels % width;
                for (var dy = 0; dy < Side; dy++)
                {
                    var oy = y - dy + 1;
                    if ((uint)oy >= (uint)height) continue;
                    for (var dx = 0; dx < Side; dx++)
                    {
                        var ox = x - dx + 1;
                        if ((uint)ox >= (uint)width) continue;
                        (into.Indices[count], into.Values[count], into.Positions[count]) = ((c * Side + dy) * Side + dx, value, oy * width + ox);
                        count++;
                    }
                }
            }
        }
        into.Count = count;
        return into;
    }

    /// <summary>y[0..16) += a x[0..16) (or y = a x), in vectors of the machine's width (16 is a multiple of 4, 8 and 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Axpy16(float a, ref float x, ref float y, bool overwrite = false)
    {
        var va = new Vector<float>(a);
        for (var i = 0; i < Filters; i += Vector<float>.Count)
        {
            ref var to = ref Unsafe.As<float, byte>(ref Unsafe.Add(ref y, i));
            var product = va * Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref x, i)));
            Unsafe.WriteUnaligned(ref to, overwrite ? product : Unsafe.ReadUnaligned<Vector<float>>(ref to) + product);
        }
    }

    /// <summary>values[a] = bias[a] + sum_i relu(z_i) head[a, i], four actions at a time in registers.</summary>
    void Head(ReadOnlySpan<float> preactivation, Weights weights, Span<float> values)
    {
        ref var z = ref Unsafe.As<float, Vector<float>>(ref MemoryMarshal.GetReference(preactivation));
        ref var head = ref Unsafe.As<float, Vector<float>>(ref MemoryMarshal.GetArrayDataReference(weights.Head));
        var vectors = features / Vector<float>.Count;
        for (var a = 0; a < Actions; a += 4)
        {
            var group = Math.Min(4, Actions - a);
            ref var h0 = ref Unsafe.Add(ref head, a * vectors);
            ref var h1 = ref Unsafe.Add(ref h0, group > 1 ? vectors : 0);
            ref var h2 = ref Unsafe.Add(ref h0, group > 2 ? 2 * vectors : 0);
            ref var h3 = ref Unsafe.Add(ref h0, group > 3 ? 3 * vectors : 0);
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (var k = 0; k < vectors; k++)
            {
                var r = Vector.Max(Unsafe.Add(ref z, k), Vector<float>.Zero);
                s0 += r * Unsafe.Add(ref h0, k);
                s1 += r * Unsafe.Add(ref h1, k);
                s2 += r * Unsafe.Add(ref h2, k);
                s3 += r * Unsafe.Add(ref h3, k);
            }
            values[a] = weights.HeadBias[a] + Vector.Sum(s0);
            if (group > 1) values[a + 1] = weights.HeadBias[a + 1] + Vector.Sum(s1);
            if (group > 2) values[a + 2] = weights.HeadBias[a + 2] + Vector.Sum(s2);
            if (group > 3) values[a + 3] = weights.HeadBias[a + 3] + Vector.Sum(s3);
        }
    }

    static void Check(bool ok, string what, int got, int expected)
    {
        if (!ok) throw new ArgumentException($"{what} of {got} values where the MinAtar kernel takes {expected}");
    }
}
