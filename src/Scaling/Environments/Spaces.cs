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

    /// <summary>Equal bounds and an equal shape (by value: a record would compare the arrays by reference).</summary>
    public bool Equals(Box? other) => other is not null && Low == other.Low && High == other.High && Shape.AsSpan().SequenceEqual(other.Shape);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Low, High, FlatSize, Shape.Length);

    /// <inheritdoc/>
    public override string ToString() => $"Box({Low}, {High}, [{string.Join(", ", Shape)}])";
}

/// <summary>Several discrete choices at once; component k takes values 0 .. Nvec[k]-1.</summary>
/// <param name="Nvec">Number of values per component.</param>
public sealed record MultiDiscrete(int[] Nvec) : Space
{
    /// <inheritdoc/>
    public override int FlatSize => Nvec.Length;

    /// <summary>Equal value counts per component (by value).</summary>
    public bool Equals(MultiDiscrete? other) => other is not null && Nvec.AsSpan().SequenceEqual(other.Nvec);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Nvec.Length, Nvec.Length > 0 ? Nvec[0] : 0);

    /// <inheritdoc/>
    public override string ToString() => $"MultiDiscrete([{string.Join(", ", Nvec)}])";
}
