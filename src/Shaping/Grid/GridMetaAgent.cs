using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Hybrid.Shaping.Agents;
using ParameterBlock = Hybrid.Shaping.Agents.ParameterBlock;

namespace Hybrid.Shaping.Grid;

/// <summary>
/// A meta-agent architecture for the gridworlds (the Coin Game, IPD/IMP in the Matrix): a flat float32 parameter
/// vector, which OpenES searches from the zero vector, and a policy over the rows of a trial. As with the matrix-game
/// <see cref="IMetaAgent"/>, architectures are immutable and shared across workers, and each policy owns one worker's
/// buffers, so many population members can play at once without locks.
/// </summary>
public interface IGridMetaAgent
{
    /// <summary>Short name: shaper, mfos, gs.</summary>
    string Name { get; }

    /// <summary>The blocks of the parameter vector, in order (row-major, pax's shapes: Haiku's w [in, out], conv w [kh, kw, in, out]).</summary>
    IReadOnlyList<ParameterBlock> Layout { get; }

    /// <summary>Length of the parameter vector (the sum of the blocks; compare Table 20 of the thesis).</summary>
    int ParameterCount { get; }

    /// <summary>A policy with buffers for one member's trial batch.</summary>
    IGridMetaPolicy CreatePolicy(TrialLayout layout);
}

/// <summary>A gridworld meta-agent playing one seat; <see cref="Load"/> binds the parameters before <see cref="IGridSeat.BeginTrial"/>.</summary>
public interface IGridMetaPolicy : IGridSeat
{
    /// <summary>Copies a parameter vector of the architecture's length into the kernels' padded layouts.</summary>
    void Load(ReadOnlySpan<float> parameters);
}

/// <summary>
/// How a gridworld meta-agent reads its observation, as pax builds it per environment: the Coin Game's agents see the
/// flat 36-float egocentric vector through a dense layer (pax <c>with_cnn: False</c>), those of IPD/IMP in the Matrix
/// see the view through one convolution (<c>CNN_ipditm</c> / <c>CNNFusion</c>) with the inventory appended after it.
/// </summary>
public enum GridTorso
{
    /// <summary>A dense layer on the flat observation (view and inventory alike).</summary>
    Dense,
    /// <summary>Conv2D(channels, 3 x 3, stride 1, SAME, bias) -> ReLU -> flatten [row, column, channel] ++ inventory.</summary>
    Conv,
}

/// <summary>pax's torso for each gridworld.</summary>
public static class GridTorsos
{
    /// <summary>Dense for the Coin Game (pax's coin configs set <c>with_cnn: False</c>), Conv for the games with an inventory (*itM).</summary>
    public static GridTorso For(GridGame game) => game.Inventory == 0 && game.ViewSide <= 3 ? GridTorso.Dense : GridTorso.Conv;
}

/// <summary>Activation after a dense torso.</summary>
enum Activation { None, Relu, Tanh }

/// <summary>
/// The shape of one torso and its parameter blocks. Dense: w [obs, width], b [width], then the activation; features
/// are the <c>width</c> outputs. Conv: w [k, k, channels in, width], b [width]; features are the flattened
/// [view side, view side, width] map followed by the inventory floats (pax's flatten order), ReLU applied to the map.
/// </summary>
sealed class TorsoSpec
{
    public const int Kernel = 3;

    public TorsoSpec(GridGame game, GridTorso kind, int width, Activation activation)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "torso width must be at least 1");
        if (game.ObservationSize != game.ViewSide * game.ViewSide * game.ViewChannels + game.Inventory)
            throw new ArgumentException($"{game.Name}: observation size {game.ObservationSize} is not view {game.ViewSide}^2 x {game.ViewChannels} + inventory {game.Inventory}");
        Game = game;
        Kind = kind;
        Width = width;
        Activation = kind == GridTorso.Conv ? Activation.Relu : activation;
        PaddedWidth = FastMath.Padded(width);
        Cells = game.ViewSide * game.ViewSide;
        Features = kind == GridTorso.Dense ? width : Cells * width + game.Inventory;
        PaddedFeatures = kind == GridTorso.Dense ? PaddedWidth : Cells * PaddedWidth + game.Inventory;
    }

    public GridGame Game { get; }
    public GridTorso Kind { get; }
    public int Width { get; }
    public int PaddedWidth { get; }
    public Activation Activation { get; }
    public int Cells { get; }

    /// <summary>Features in pax's (logical) order.</summary>
    public int Features { get; }

    /// <summary>Length of the kernel's feature buffer (conv channels padded per cell).</summary>
    public int PaddedFeatures { get; }

    int Inputs => Kind == GridTorso.Dense ? Game.ObservationSize : Kernel * Kernel * Game.ViewChannels;

    public IEnumerable<ParameterBlock> Blocks(string prefix) => Kind == GridTorso.Dense
        ? [new($"{prefix}/w", Game.ObservationSize, Width), new($"{prefix}/b", Width)]
        : [new($"{prefix}/w", Kernel, Kernel, Game.ViewChannels, Width), new($"{prefix}/b", Width)];

    public int Count => (Inputs + 1) * Width;

    /// <summary>Where logical feature <paramref name="f"/> lives in the padded feature buffer.</summary>
    public int PaddedRow(int f)
    {
        if (Kind == GridTorso.Dense || f >= Cells * Width) return Kind == GridTorso.Dense ? f : f - Cells * Width + Cells * PaddedWidth;
        return f / Width * PaddedWidth + f % Width;
    }

    /// <summary>
    /// A layer reading the features, w [Features, gates x width] row-major, into a padded [PaddedFeatures, gates x
    /// padded] matrix: rows moved to the padded feature rows, each gate's columns to its padded slot, the rest zero.
    /// </summary>
    public float[] PadFeatureLayer(ReadOnlySpan<float> w, int gates, int width)
    {
        var padded = FastMath.Padded(width);
        var result = new float[PaddedFeatures * gates * padded];
        for (var f = 0; f < Features; f++)
            for (var g = 0; g < gates; g++)
                w.Slice(f * gates * width + g * width, width).CopyTo(result.AsSpan(PaddedRow(f) * gates * padded + g * padded, width));
        return result;
    }
}

/// <summary>A torso's loaded weights and its forward pass for one observation.</summary>
sealed class TorsoKernel
{
    readonly TorsoSpec spec;
    readonly float[] w; // dense: [obs, Wp]; conv: [k * k * cin, Wp]
    readonly float[] b; // [Wp]

    public TorsoKernel(TorsoSpec spec)
    {
        this.spec = spec;
        var rows = spec.Kind == GridTorso.Dense ? spec.Game.ObservationSize : TorsoSpec.Kernel * TorsoSpec.Kernel * spec.Game.ViewChannels;
        w = new float[rows * spec.PaddedWidth];
        b = new float[spec.PaddedWidth];
    }

    public void Load(ref BlockReader reader)
    {
        var rows = w.Length / spec.PaddedWidth;
        Layouts.CopyGates(reader.Next(rows * spec.Width), rows, 1, spec.Width, w, spec.PaddedWidth);
        Array.Clear(b);
        reader.Next(spec.Width).CopyTo(b);
    }

    /// <summary>Writes the torso's features [PaddedFeatures] for one observation [ObservationSize].</summary>
    public void Forward(ReadOnlySpan<float> observation, Span<float> features)
    {
        if (spec.Kind == GridTorso.Dense)
        {
            GridKernels.SparseAffine(observation, w, b, features);
            if (spec.Activation == Activation.Relu) GridKernels.Relu(features);
            else if (spec.Activation == Activation.Tanh) GridKernels.Tanh(features);
            return;
        }
        var game = spec.Game;
        var cells = spec.Cells;
        var wp = spec.PaddedWidth;
        GridKernels.SparseConvolution(observation[..(cells * game.ViewChannels)], game.ViewSide, game.ViewChannels, TorsoSpec.Kernel, w, b, features[..(cells * wp)], wp);
        observation.Slice(cells * game.ViewChannels, game.Inventory).CopyTo(features[(cells * wp)..]);
    }
}

/// <summary>Bias-free logit heads w [in, actions] as a padded [in, Ap] matrix, and the softmax that ends every policy.</summary>
/// <remarks><paramref name="rows"/> is the padded input length (rows past <paramref name="inputs"/> stay zero).</remarks>
sealed class LogitHead(int inputs, int rows, int actions)
{
    readonly int paddedActions = FastMath.Padded(actions);
    readonly float[] w = new float[rows * FastMath.Padded(actions)];
    readonly float[] logits = new float[FastMath.Padded(actions)];

    public void Load(ReadOnlySpan<float> source)
    {
        Array.Clear(w);
        Layouts.CopyGates(source, inputs, 1, actions, w, paddedActions);
    }

    /// <summary>Loads from a head laid out over a torso's logical features.</summary>
    public void Load(ReadOnlySpan<float> source, TorsoSpec torso) => torso.PadFeatureLayer(source, 1, actions).CopyTo(w, 0);

    /// <summary>The logits of the last <see cref="Probabilities"/> call (the RL seat's log-probabilities).</summary>
    public ReadOnlySpan<float> Logits(int actions) => logits.AsSpan(0, actions);

    /// <summary>Writes softmax(x w) into <paramref name="probabilities"/> [actions].</summary>
    public void Probabilities(ReadOnlySpan<float> x, Span<float> probabilities)
    {
        logits.AsSpan().Clear();
        GridKernels.SparseMultiplyAdd(x, w, logits);
        GridKernels.Softmax(logits.AsSpan(0, probabilities.Length), probabilities);
    }
}

/// <summary>
/// The gridworld agents' vector kernels (float32, widths a multiple of <see cref="FastMath.Lanes"/>). The inputs are
/// sparse (one-hot planes; torso outputs after ReLU), so a layer first gathers its nonzero inputs and then runs over
/// them once per tile of output columns with the accumulators in registers: a multiply-add into memory per input
/// would chain every step through a store and a load.
/// </summary>
[SkipLocalsInit]
static class GridKernels
{
    /// <summary>Writes the indices and values of the nonzero x[i] and returns their number (a mask per block of 8, no branch per element).</summary>
    public static int Gather(ReadOnlySpan<float> x, Span<int> index, Span<float> value)
    {
        if (index.Length < x.Length || value.Length < x.Length) throw new ArgumentException("index and value must be as long as x");
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var ir = ref MemoryMarshal.GetReference(index);
        ref var vr = ref MemoryMarshal.GetReference(value);
        var n = 0;
        var i = 0;
        for (; i + FastMath.Lanes <= x.Length; i += FastMath.Lanes)
        {
            var mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
            while (mask != 0)
            {
                var j = i + BitOperations.TrailingZeroCount(mask);
                Unsafe.Add(ref ir, n) = j;
                Unsafe.Add(ref vr, n++) = Unsafe.Add(ref xr, j);
                mask &= mask - 1;
            }
        }
        for (; i < x.Length; i++)
            if (x[i] != 0) { index[n] = i; value[n++] = x[i]; }
        return n;
    }

    /// <summary>
    /// One Haiku GRU step on a padded state h [Hp] from input gates [3Hp] (z | r | a) and w_h [H, 3Hp], as
    /// <see cref="FastMath.HaikuGru"/> (which it calls at 16 units, its register kernel); other sizes run the two
    /// recurrent products through <see cref="Affine"/>, whose accumulators stay in registers.
    /// </summary>
    public static void Gru(ReadOnlySpan<float> inputGates, ReadOnlySpan<float> wh, int hidden, Span<float> h, Span<float> scratch)
    {
        var hp = h.Length;
        if (hp == 16) { FastMath.HaikuGru(inputGates, wh, hidden, h, scratch); return; }
        Span<int> units = stackalloc int[hidden];
        for (var k = 0; k < hidden; k++) units[k] = k;
        var zr = scratch[..(2 * hp)];
        var a = scratch.Slice(2 * hp, hp);
        Affine(units, h[..hidden], wh, 3 * hp, inputGates[..(2 * hp)], zr, false);
        ref var zRef = ref MemoryMarshal.GetReference(zr);
        ref var hRef = ref MemoryMarshal.GetReference(h);
        for (nuint j = 0; j < (nuint)hp; j += FastMath.Lanes)
        {
            Vector256.StoreUnsafe(FastMath.Sigmoid(Vector256.LoadUnsafe(ref zRef, j)), ref zRef, j);
            var r = FastMath.Sigmoid(Vector256.LoadUnsafe(ref zRef, j + (nuint)hp));
            Vector256.StoreUnsafe(r * Vector256.LoadUnsafe(ref hRef, j), ref zRef, j + (nuint)hp);
        }
        Affine(units, zr.Slice(hp, hidden), wh[(2 * hp)..], 3 * hp, inputGates.Slice(2 * hp, hp), a, false);
        ref var aRef = ref MemoryMarshal.GetReference(a);
        for (nuint j = 0; j < (nuint)hp; j += FastMath.Lanes)
        {
            var z = Vector256.LoadUnsafe(ref zRef, j);
            var hv = Vector256.LoadUnsafe(ref hRef, j);
            Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(z, FastMath.Tanh(Vector256.LoadUnsafe(ref aRef, j)) - hv, hv), ref hRef, j);
        }
    }

    /// <summary>y = b + sum_i x[i] w[i, :] over the nonzero x[i]; w is [x.Length, y.Length].</summary>
    public static void SparseAffine(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        Span<int> index = x.Length <= 1024 ? stackalloc int[x.Length] : new int[x.Length];
        Span<float> value = x.Length <= 1024 ? stackalloc float[x.Length] : new float[x.Length];
        var n = Gather(x, index, value);
        Affine(index[..n], value[..n], w, y.Length, b, y, false);
    }

    /// <summary>y += sum_i x[i] w[i, :] over the nonzero x[i]; w is [x.Length, y.Length].</summary>
    public static void SparseMultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y) => SparseAffine(x, w, y, y);

    /// <summary>
    /// y[j] = start[j] + sum_k value[k] w[index[k] * stride + j] for j below y.Length, then ReLU if asked
    /// (<paramref name="start"/> may be <paramref name="y"/> itself). Tiles of 32 columns keep 4 + 4 accumulators
    /// (even and odd k) in registers; tail tiles of 8 keep 4 (k mod 4), which hides the FMA latency.
    /// </summary>
    public static void Affine(ReadOnlySpan<int> index, ReadOnlySpan<float> value, ReadOnlySpan<float> w, int stride, ReadOnlySpan<float> start, Span<float> y, bool relu)
    {
        var n = index.Length;
        var width = y.Length;
        if (start.Length < width || value.Length < n || width % FastMath.Lanes != 0 || (n > 0 && w.Length < width))
            throw new ArgumentException("start and value must cover y and index, y a multiple of the lanes wide");
        var lastRow = n > 0 ? (uint)((w.Length - width) / stride) : 0;
        var bad = 0u;
        for (var k = 0; k < n; k++) bad |= (uint)index[k] > lastRow ? 1u : 0u;
        if (bad != 0) throw new ArgumentOutOfRangeException(nameof(index), "a row lies outside w");
        ref var wr = ref MemoryMarshal.GetReference(w);
        ref var yr = ref MemoryMarshal.GetReference(y);
        ref var sr = ref MemoryMarshal.GetReference(start);
        ref var ir = ref MemoryMarshal.GetReference(index);
        ref var vr = ref MemoryMarshal.GetReference(value);
        var floor = relu ? Vector256<float>.Zero : Vector256.Create(float.NegativeInfinity);
        var j = 0;
        for (; j + 32 <= width; j += 32)
        {
            ref var sj = ref Unsafe.Add(ref sr, j);
            var a0 = Vector256.LoadUnsafe(ref sj, 0);
            var a1 = Vector256.LoadUnsafe(ref sj, 8);
            var a2 = Vector256.LoadUnsafe(ref sj, 16);
            var a3 = Vector256.LoadUnsafe(ref sj, 24);
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
            var k = 0;
            for (; k + 1 < n; k += 2)
            {
                var u = Vector256.Create(Unsafe.Add(ref vr, k));
                ref var row = ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k) * stride + j);
                a0 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 0), a0);
                a1 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 8), a1);
                a2 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 16), a2);
                a3 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 24), a3);
                var v = Vector256.Create(Unsafe.Add(ref vr, k + 1));
                ref var next = ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k + 1) * stride + j);
                b0 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref next, 0), b0);
                b1 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref next, 8), b1);
                b2 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref next, 16), b2);
                b3 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref next, 24), b3);
            }
            if (k < n)
            {
                var u = Vector256.Create(Unsafe.Add(ref vr, k));
                ref var row = ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k) * stride + j);
                a0 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 0), a0);
                a1 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 8), a1);
                a2 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 16), a2);
                a3 = Vector256.FusedMultiplyAdd(u, Vector256.LoadUnsafe(ref row, 24), a3);
            }
            ref var yj = ref Unsafe.Add(ref yr, j);
            Vector256.StoreUnsafe(Vector256.Max(a0 + b0, floor), ref yj, 0);
            Vector256.StoreUnsafe(Vector256.Max(a1 + b1, floor), ref yj, 8);
            Vector256.StoreUnsafe(Vector256.Max(a2 + b2, floor), ref yj, 16);
            Vector256.StoreUnsafe(Vector256.Max(a3 + b3, floor), ref yj, 24);
        }
        for (; j < width; j += FastMath.Lanes)
        {
            var a0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref sr, j));
            Vector256<float> a1 = default, a2 = default, a3 = default;
            var k = 0;
            for (; k + 3 < n; k += 4)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref vr, k)), Vector256.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k) * stride + j)), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref vr, k + 1)), Vector256.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k + 1) * stride + j)), a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref vr, k + 2)), Vector256.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k + 2) * stride + j)), a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref vr, k + 3)), Vector256.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k + 3) * stride + j)), a3);
            }
            for (; k < n; k++)
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref vr, k)), Vector256.LoadUnsafe(ref Unsafe.Add(ref wr, (nint)Unsafe.Add(ref ir, k) * stride + j)), a0);
            Vector256.StoreUnsafe(Vector256.Max(a0 + a1 + (a2 + a3), floor), ref Unsafe.Add(ref yr, j));
        }
    }

    /// <summary>
    /// map[cell] = ReLU(b + 'SAME' cross-correlation (stride 1) of a [side, side, channels] view with w [k, k, channels,
    /// Wp]): out[y, x] += v w[ky, kx, c] for each input v at (y + ky - p, x + kx - p, c), p = (k - 1) / 2 (XLA's
    /// low-side padding), b [Wp]. Each nonzero input is scattered to the outputs it reaches (a view is mostly empty).
    /// </summary>
    public static void SparseConvolution(ReadOnlySpan<float> view, int side, int channels, int kernel, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> map, int wp)
    {
        var pad = (kernel - 1) / 2;
        var cells = side * side;
        if (view.Length != cells * channels || map.Length != cells * wp || b.Length < wp || w.Length < kernel * kernel * channels * wp || wp % FastMath.Lanes != 0)
            throw new ArgumentException("view, map, bias and weights must match side, channels, kernel and the padded width");
        ref var mr = ref MemoryMarshal.GetReference(map);
        ref var wr = ref MemoryMarshal.GetReference(w);
        ref var br = ref MemoryMarshal.GetReference(b);
        for (var cell = 0; cell < cells; cell++)
            for (var j = 0; j < wp; j += FastMath.Lanes)
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref br, (nuint)j), ref mr, (nuint)(cell * wp + j));
        Span<int> index = view.Length <= 1024 ? stackalloc int[view.Length] : new int[view.Length];
        Span<float> value = view.Length <= 1024 ? stackalloc float[view.Length] : new float[view.Length];
        var n = Gather(view, index, value);
        for (var k = 0; k < n; k++)
        {
            var cell = index[k] / channels;
            var c = index[k] - cell * channels;
            var row = cell / side;
            var col = cell - row * side;
            var v = Vector256.Create(value[k]);
            // outputs (y, x) = (row - ky + p, col - kx + p) inside the map
            var kyLow = Math.Max(0, row + pad - (side - 1));
            var kyHigh = Math.Min(kernel - 1, row + pad);
            var kxLow = Math.Max(0, col + pad - (side - 1));
            var kxHigh = Math.Min(kernel - 1, col + pad);
            for (var ky = kyLow; ky <= kyHigh; ky++)
                for (var kx = kxLow; kx <= kxHigh; kx++)
                {
                    ref var wRow = ref Unsafe.Add(ref wr, ((ky * kernel + kx) * channels + c) * wp);
                    ref var out_ = ref Unsafe.Add(ref mr, ((row - ky + pad) * side + col - kx + pad) * wp);
                    for (nuint j = 0; j < (nuint)wp; j += FastMath.Lanes)
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref wRow, j), Vector256.LoadUnsafe(ref out_, j)), ref out_, j);
                }
        }
        Relu(map);
    }

    public static void Relu(Span<float> x)
    {
        ref var r = ref MemoryMarshal.GetReference(x);
        for (nuint j = 0; j < (nuint)x.Length; j += FastMath.Lanes)
            Vector256.StoreUnsafe(Vector256.Max(Vector256.LoadUnsafe(ref r, j), Vector256<float>.Zero), ref r, j);
    }

    public static void Tanh(Span<float> x)
    {
        ref var r = ref MemoryMarshal.GetReference(x);
        for (nuint j = 0; j < (nuint)x.Length; j += FastMath.Lanes)
            Vector256.StoreUnsafe(FastMath.Tanh(Vector256.LoadUnsafe(ref r, j)), ref r, j);
    }

    /// <summary>Numerically stable softmax of a few logits.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        var max = logits[0];
        for (var a = 1; a < logits.Length; a++) max = MathF.Max(max, logits[a]);
        var sum = 0f;
        for (var a = 0; a < logits.Length; a++) sum += probabilities[a] = MathF.Exp(logits[a] - max);
        var scale = 1 / sum;
        for (var a = 0; a < logits.Length; a++) probabilities[a] *= scale;
    }
}
