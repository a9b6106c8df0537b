namespace Hybrid.Shaping.Agents;

/// <summary>A named block of a meta-agent's flat parameter vector, in layout order (row-major).</summary>
public sealed record ParameterBlock(string Name, params int[] Shape)
{
    /// <summary>Number of parameters in the block.</summary>
    public int Size => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>How a recurrent meta-agent mixes hidden states across the environments of one co-player (eq. 3-4 of the thesis).</summary>
public enum HiddenAveraging
{
    /// <summary>No mixing.</summary>
    Nothing,
    /// <summary>h &lt;- lambda mean_envs(h) + (1 - lambda) h before each step (pax: lambda 0.5).</summary>
    Avg,
    /// <summary>
    /// pax's <c>make_GRU_ipd_att_network</c>: self-attention over the environments, h &lt;- 0.5 h + 0.5 mlp(LN2(mha(LN1(h)) + h)),
    /// with both layer norms normalising across the environments (axis -2, a pax quirk); Shaper only.
    /// </summary>
    Att,
}

/// <summary>How long a meta-agent's memory lasts.</summary>
public enum MemorySpan
{
    /// <summary>Reset only at the start of a trial (Shaper; M-FOS's meta memory as the thesis' FAQ describes it).</summary>
    Trial,
    /// <summary>Reset after every episode (the Shaper ablation without context; M-FOS's meta memory in pax).</summary>
    Episode,
}

/// <summary>
/// A meta-agent architecture for the finite matrix games: a flat float32 parameter vector (what OpenES searches) and a
/// policy over the rows of a trial. Architectures are immutable and shared; policies hold one worker's buffers.
/// </summary>
public interface IMetaAgent
{
    /// <summary>Short name: shaper, mfos, gs.</summary>
    string Name { get; }

    /// <summary>The blocks of the parameter vector, in order.</summary>
    IReadOnlyList<ParameterBlock> Layout { get; }

    /// <summary>Length of the parameter vector (the sum of the blocks; Table 20 of the thesis).</summary>
    int ParameterCount { get; }

    /// <summary>A policy with buffers for one member's trial batch.</summary>
    IMetaPolicy CreatePolicy(TrialLayout layout);
}

/// <summary>A meta-agent playing one seat; <see cref="Load"/> binds the parameters before <see cref="ISeat.BeginTrial"/>.</summary>
public interface IMetaPolicy : ISeat
{
    /// <summary>Prepares the per-state tables of a parameter vector of the architecture's length.</summary>
    void Load(ReadOnlySpan<float> parameters);
}

/// <summary>Reads consecutive blocks of a parameter vector.</summary>
ref struct BlockReader(ReadOnlySpan<float> parameters)
{
    readonly ReadOnlySpan<float> all = parameters;
    int offset;

    public ReadOnlySpan<float> Next(int size)
    {
        var block = all.Slice(offset, size);
        offset += size;
        return block;
    }
}

/// <summary>Helpers shared by the architectures.</summary>
static class Layouts
{
    public static int Count(IEnumerable<ParameterBlock> blocks) => blocks.Sum(b => b.Size);

    /// <summary>Throws for a recurrent agent's invalid size or averaging weight.</summary>
    public static void CheckRecurrent(int hidden, float lambda)
    {
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "hidden must be at least 1");
        if (!(lambda is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "the averaging weight lambda lies in [0, 1]");
    }

    /// <summary>
    /// w_pi[:, C] - w_pi[:, D] of bias-free logit heads w_pi [H, 2] into a padded row: with two actions P(C) is the
    /// sigmoid of h . (w_C - w_D), one dot product per step instead of two logits and a softmax.
    /// </summary>
    public static void LogitDifference(ReadOnlySpan<float> wpi, int hidden, Span<float> destination)
    {
        destination.Clear();
        for (var k = 0; k < hidden; k++) destination[k] = wpi[2 * k] - wpi[2 * k + 1];
    }

    /// <summary>Splits <paramref name="parameters"/> into the blocks' spans, checking the length.</summary>
    public static void Check(ReadOnlySpan<float> parameters, int count, string name)
    {
        if (parameters.Length != count) throw new ArgumentException($"{name} has {count} parameters, got a vector of {parameters.Length}");
    }

    /// <summary>
    /// Copies a [rows, cols] row-major block into a destination with a padded row stride, gate-wise: each of the
    /// <paramref name="gates"/> column groups of width <paramref name="width"/> lands at gate x padded.
    /// </summary>
    public static void CopyGates(ReadOnlySpan<float> source, int rows, int gates, int width, Span<float> destination, int padded)
    {
        destination.Clear();
        for (var r = 0; r < rows; r++)
            for (var g = 0; g < gates; g++)
                source.Slice(r * gates * width + g * width, width).CopyTo(destination.Slice(r * gates * padded + g * padded, width));
    }
}
