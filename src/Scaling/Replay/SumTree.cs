namespace Hybrid.Scaling.Replay;

/// <summary>
/// A binary tree of non-negative priorities whose inner nodes hold the sums of their children (dopamine's
/// <c>sum_tree.SumTree</c>): setting a leaf and finding the leaf at a cumulative value take O(log n), so prioritised
/// replay samples transition i with probability p_i / sum_j p_j without scanning the buffer.
/// </summary>
/// <remarks>
/// Leaves sit at the bottom of an implicit heap of 2 L - 1 doubles (L = capacity rounded up to a power of two; unused
/// leaves stay 0 and are never found). The largest priority ever set is remembered, as dopamine's
/// <c>max_recorded_priority</c>, because new transitions enter with it.
/// </remarks>
public sealed class SumTree
{
    readonly double[] nodes;
    readonly int leaves;

    /// <summary>A tree of <paramref name="capacity"/> zero priorities.</summary>
    public SumTree(int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a sum tree needs at least one leaf");
        Capacity = capacity;
        leaves = 1;
        while (leaves < capacity) leaves <<= 1;
        nodes = new double[2 * leaves - 1];
    }

    /// <summary>Number of leaves that can hold a priority.</summary>
    public int Capacity { get; }

    /// <summary>The sum of all priorities.</summary>
    public double Total => nodes[0];

    /// <summary>The largest priority set since construction (1 before any: dopamine's initial value).</summary>
    public double MaxRecorded { get; private set; } = 1.0;

    /// <summary>Leaf <paramref name="index"/>'s priority.</summary>
    public double Get(int index) => nodes[Leaf(index)];

    /// <summary>Sets leaf <paramref name="index"/> to <paramref name="priority"/> (finite, &gt;= 0) and updates the sums above it.</summary>
    public void Set(int index, double priority)
    {
        if (!(priority >= 0) || double.IsInfinity(priority))
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "a priority must be finite and >= 0");
        var node = Leaf(index);
        nodes[node] = priority;
        // Each sum is recomputed from its children rather than moved by a delta: no round-off accumulates over
        // millions of updates, an empty subtree sums to exactly 0, and a tree rebuilt from its leaves (a resumed
        // run) is bit for bit the tree that was saved.
        while (node > 0)
        {
            node = (node - 1) >> 1;
            nodes[node] = nodes[2 * node + 1] + nodes[2 * node + 2];
        }
        if (priority > MaxRecorded) MaxRecorded = priority;
    }

    /// <summary>
    /// The leaf whose cumulative range holds <paramref name="value"/> (0 &lt;= value &lt; Total): going down, left when
    /// the value lies below the left sum, else right with the left sum subtracted. Leaves of priority 0 are never
    /// returned, also when rounding puts the value at the very end of the range.
    /// </summary>
    public int Find(double value)
    {
        if (!(Total > 0)) throw new InvalidOperationException("the sum tree holds no positive priority");
        var node = 0;
        while (node < leaves - 1)
        {
            var left = 2 * node + 1;
            if (value < nodes[left] || !(nodes[left + 1] > 0)) node = left;
            else
            {
                value -= nodes[left];
                node = left + 1;
            }
        }
        var index = node - (leaves - 1);
        if (nodes[node] > 0 && index < Capacity) return index;
        // Round-off at a boundary: the nearest positive leaf below, else above.
        for (var i = index - 1; i >= 0; i--) if (nodes[Leaf(i)] > 0) return i;
        for (var i = index + 1; i < Capacity; i++) if (nodes[Leaf(i)] > 0) return i;
        throw new InvalidOperationException("the sum tree holds no positive priority");
    }

    /// <summary>
    /// Stratified sampling (dopamine's <c>stratified_sample</c>): the total is cut into as many equal
    /// segments and one leaf is found at a uniform point of each, so a batch covers the distribution evenly.
    /// <paramref name="uniforms"/> holds one U[0, 1) number per segment (per sampled leaf).
    /// </summary>
    public void StratifiedSample(ReadOnlySpan<double> uniforms, Span<int> into)
    {
        var count = uniforms.Length;
        var segment = Total / count;
        for (var k = 0; k < count; k++) into[k] = Find(Math.Min((k + uniforms[k]) * segment, Math.BitDecrement(Total)));
    }

    /// <summary>All leaf priorities (for checkpoints).</summary>
    public double[] Leaves() => nodes.AsSpan(leaves - 1, Capacity).ToArray();

    /// <summary>Restores leaf priorities and the recorded maximum (the sums are rebuilt from the leaves as <see cref="Set"/> computes them).</summary>
    public void Restore(ReadOnlySpan<double> priorities, double maxRecorded)
    {
        if (priorities.Length != Capacity) throw new ArgumentException($"{priorities.Length} priorities for {Capacity} leaves", nameof(priorities));
        Array.Clear(nodes);
        for (var i = 0; i < Capacity; i++)
        {
            if (!(priorities[i] >= 0) || double.IsInfinity(priorities[i])) throw new InvalidDataException($"priority {i} is {priorities[i]}");
            nodes[leaves - 1 + i] = priorities[i];
        }
        for (var node = leaves - 2; node >= 0; node--) nodes[node] = nodes[2 * node + 1] + nodes[2 * node + 2];
        MaxRecorded = maxRecorded;
    }

    int Leaf(int index)
    {
        if ((uint)index >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(index), index, $"leaf index outside [0, {Capacity})");
        return leaves - 1 + index;
    }
}
