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
        var map = features[..(cells * wp)];
        for (var cell = 0; cell < cells; cell++) b.CopyTo(map.Slice(cell * wp, wp));
        GridKernels.SparseConvolution(observation[..(cells * game.ViewChannels)], game.ViewSide, game.ViewChannels, TorsoSpec.Kernel, w, map, wp);
        GridKernels.Relu(map);
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

    /// <summary>Writes softmax(x w) into <paramref name="probabilities"/> [actions].</summary>
    public void Probabilities(ReadOnlySpan<float> x, Span<float> probabilities)
    {
        logits.AsSpan().Clear();
        GridKernels.SparseMultiplyAdd(x, w, logits);
        GridKernels.Softmax(logits.AsSpan(0, probabilities.Length), probabilities);
    }
}

/// <summary>The gridworld agents' vector kernels (float32, spans of a multiple of <see cref="FastMath.Lanes"/> wide).</summary>
static class GridKernels
{
    /// <summary>y = b + sum_i x[i] w[i, :] over the nonzero x[i]; w is [x.Length, y.Length].</summary>
    public static void SparseAffine(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        b.CopyTo(y);
        SparseMultiplyAdd(x, w, y);
    }

    /// <summary>y += sum_i x[i] w[i, :] over the nonzero x[i] (the observations are one-hot planes, the torso outputs half zero after ReLU).</summary>
    public static void SparseMultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        var width = y.Length;
        ref var xr = ref MemoryMarshal.GetReference(x);
        var i = 0;
        for (; i + FastMath.Lanes <= x.Length; i += FastMath.Lanes)
        {
            if (Vector256.EqualsAll(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256<float>.Zero)) continue;
            for (var j = i; j < i + FastMath.Lanes; j++)
                if (x[j] != 0) FastMath.MultiplyAdd(x[j], w.Slice(j * width, width), y);
        }
        for (; i < x.Length; i++)
            if (x[i] != 0) FastMath.MultiplyAdd(x[i], w.Slice(i * width, width), y);
    }

    /// <summary>
    /// map[cell] += 'SAME' cross-correlation (stride 1) of a [side, side, channels] view with w [k, k, channels, Wp],
    /// scattered from the nonzero inputs: out[y, x] += v w[ky, kx, c] for the input v at (y + ky - p, x + kx - p, c),
    /// p = (k - 1) / 2 (XLA's low-side padding).
    /// </summary>
    public static void SparseConvolution(ReadOnlySpan<float> view, int side, int channels, int kernel, ReadOnlySpan<float> w, Span<float> map, int wp)
    {
        var pad = (kernel - 1) / 2;
        ref var vr = ref MemoryMarshal.GetReference(view);
        for (var block = 0; block < view.Length; block += FastMath.Lanes)
        {
            var end = Math.Min(block + FastMath.Lanes, view.Length);
            if (end - block == FastMath.Lanes && Vector256.EqualsAll(Vector256.LoadUnsafe(ref vr, (nuint)block), Vector256<float>.Zero)) continue;
            for (var i = block; i < end; i++)
            {
                var v = view[i];
                if (v == 0) continue;
                var cell = i / channels;
                var c = i - cell * channels;
                var row = cell / side;
                var col = cell - row * side;
                for (var ky = 0; ky < kernel; ky++)
                {
                    var y = row - ky + pad;
                    if ((uint)y >= (uint)side) continue;
                    for (var kx = 0; kx < kernel; kx++)
                    {
                        var x = col - kx + pad;
                        if ((uint)x >= (uint)side) continue;
                        FastMath.MultiplyAdd(v, w.Slice(((ky * kernel + kx) * channels + c) * wp, wp), map.Slice((y * side + x) * wp, wp));
                    }
                }
            }
        }
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
