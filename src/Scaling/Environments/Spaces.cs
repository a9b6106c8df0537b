namespace Hybrid.Scaling.Environments;

/// <summary>An observation or action space (Gymnasium / JaxMARL conventions).</summary>
public abstract record Space
{
    /// <summary>Number of float32 values an element occupies when flattened (observations) or numbers per action.</summary>
    public abstract int FlatSize { get; }
}

/// <summary>Integers 0 .. N-1.</summary>
/// <param name="N">Number of values.</param>
public sealed record Discrete(int N) : Space
{
    /// <inheritdoc/>
    public override int FlatSize => 1;

    /// <summary>Whether <paramref name="value"/> is a valid element.</summary>
    public bool Contains(int value) => value >= 0 && value < N;

    /// <inheritdoc/>
    public override string ToString() => $"Discrete({N})";
}

/// <summary>A box of float32 values with per-space bounds.</summary>
/// <param name="Low">Lower bound of every value.</param>
/// <param name="High">Upper bound of every value.</param>
/// <param name="Shape">Shape of an element (row-major when flattened).</param>
public sealed record Box(float Low, float High, int[] Shape) : Space
{
    /// <inheritdoc/>
    public override int FlatSize => Shape.Aggregate(1, (a, b) => a * b);

    /// <inheritdoc/>
    public override string ToString() => $"Box({Low}, {High}, [{string.Join(", ", Shape)}])";
}

/// <summary>Several discrete choices at once; component k takes values 0 .. Nvec[k]-1.</summary>
/// <param name="Nvec">Number of values per component.</param>
public sealed record MultiDiscrete(int[] Nvec) : Space
{
    /// <inheritdoc/>
    public override int FlatSize => Nvec.Length;

    /// <inheritdoc/>
    public override string ToString() => $"MultiDiscrete([{string.Join(", ", Nvec)}])";
}
