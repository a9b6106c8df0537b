using Hybrid.Kernel;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Replay;

/// <summary>
/// DrQ's random-shift augmentation (Kostrikov et al. 2021; dopamine's atari_100k <c>drq</c>): each grid is padded by
/// <c>pad</c> cells that repeat its edge and cropped back to its size at an offset drawn uniformly from
/// {0 .. 2 pad}^2. Edge padding then cropping is a shift with clamped indices, out[i, j] = x[clamp(i + dy - pad),
/// clamp(j + dx - pad)], which is how it is computed here (one gather, no padded copy).
/// </summary>
public static class RandomShift
{
    /// <summary>
    /// Shifts every grid of <paramref name="grids"/> [C, B, H, W, Ch] by its own offset, copy c's offsets drawn from
    /// <paramref name="streams"/>[c] (rows in order, dy before dx), so a copy's augmentation depends on its seed only.
    /// </summary>
    public static Tensor Apply(Tensor grids, int pad, ulong[] streams)
    {
        if (grids.dim() != 5) throw new ArgumentException($"random shifts take grids [C, B, H, W, Ch], got [{string.Join(", ", grids.shape)}]");
        long copies = grids.shape[0], rows = grids.shape[1], height = grids.shape[2], width = grids.shape[3], channels = grids.shape[4];
        if (streams.Length != copies) throw new ArgumentException($"{streams.Length} augmentation streams for {copies} copies");
        if (pad < 0) throw new ArgumentOutOfRangeException(nameof(pad), pad, "the padding must be >= 0");
        var cells = height * width;
        var index = new long[copies * rows * cells];
        for (var c = 0; c < copies; c++)
            for (var r = 0; r < rows; r++)
            {
                var dy = SplitMix64.Below(ref streams[c], 2 * pad + 1) - pad;
                var dx = SplitMix64.Below(ref streams[c], 2 * pad + 1) - pad;
                var offset = (c * rows + r) * cells;
                for (var i = 0; i < height; i++)
                {
                    var source = Math.Clamp(i + dy, 0, height - 1) * width;
                    for (var j = 0; j < width; j++) index[offset + i * width + j] = source + Math.Clamp(j + dx, 0, width - 1);
                }
            }
        using var scope = NewDisposeScope();
        var gather = tensor(index, new[] { copies * rows, cells, 1L }, device: grids.device).expand(-1, -1, channels);
        return grids.reshape(copies * rows, cells, channels).gather(1, gather).view(grids.shape).MoveToOuterDisposeScope();
    }
}
