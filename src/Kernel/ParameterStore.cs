using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Kernel;

/// <summary>One named block of a parameter store: its shape (without the copy dimension) and where it starts.</summary>
/// <param name="Name">Block name, e.g. "actor.0.weight".</param>
/// <param name="Shape">Shape of one copy's block.</param>
/// <param name="Offset">Start within a copy's row of <see cref="ParameterStore.Values"/>.</param>
public sealed record ParameterBlock(string Name, long[] Shape, long Offset)
{
    /// <summary>Number of values in the block.</summary>
    public long Size => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The parameters of C independent copies of a model held as one leaf tensor [C, P]: the training seeds of an RL
/// network, the runs of a COLA training, the members of an evolution-strategy population. Layers read their blocks as
/// views, so gradients arrive as one [C, P] tensor and the optimiser, per-copy gradient clipping, checkpoints and
/// evolution strategies work on whole rows instead of lists of small tensors.
/// </summary>
public sealed class ParameterStore : IDisposable
{
    readonly List<ParameterBlock> blocks = new();
    readonly Dictionary<string, int> index = new();

    /// <summary>Lays out the blocks for <paramref name="copies"/> copies; values start at zero (see <see cref="Initialise"/>).</summary>
    public ParameterStore(int copies, IEnumerable<(string Name, long[] Shape)> layout, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (copies < 1) throw new ArgumentOutOfRangeException(nameof(copies), copies, "at least one copy is needed");
        Size = Lay(layout);
        Copies = copies;
        Values = zeros(copies, Size, dtype, device ?? CPU).requires_grad_(true);
        Values.DetachFromDisposeScope();
    }

    /// <summary>Lays out the blocks over existing values [C, P] (loaded weights, or rows taken out of a larger store); the store takes ownership.</summary>
    public ParameterStore(IEnumerable<(string Name, long[] Shape)> layout, Tensor values)
    {
        Size = Lay(layout);
        if (values.dim() != 2 || values.shape[1] != Size)
            throw new ArgumentException($"parameters of this layout need shape [copies, {Size}], got [{string.Join(", ", values.shape)}]", nameof(values));
        Copies = (int)values.shape[0];
        Values = values.requires_grad ? values : values.detach().requires_grad_(true);
        Values.DetachFromDisposeScope();
    }

    long Lay(IEnumerable<(string Name, long[] Shape)> layout)
    {
        long offset = 0;
        foreach (var (name, shape) in layout)
        {
            if (index.ContainsKey(name)) throw new ArgumentException($"parameter block '{name}' appears twice", nameof(layout));
            if (shape.Any(d => d < 1)) throw new ArgumentException($"parameter block '{name}' has an empty dimension ({string.Join("x", shape)})", nameof(layout));
            index[name] = blocks.Count;
            blocks.Add(new ParameterBlock(name, shape, offset));
            offset += blocks[^1].Size;
        }
        return offset;
    }

    /// <summary>Number of independent copies C.</summary>
    public int Copies { get; }

    /// <summary>Values per copy P.</summary>
    public long Size { get; }

    /// <summary>All values [C, P], a leaf that requires gradients.</summary>
    public Tensor Values { get; }

    /// <summary>Element type of the values.</summary>
    public ScalarType DType => Values.dtype;

    /// <summary>The blocks in layout order.</summary>
    public IReadOnlyList<ParameterBlock> Blocks => blocks;

    /// <summary>Index of a block by name.</summary>
    public int IndexOf(string name) => index.TryGetValue(name, out var i) ? i : throw new ArgumentException($"no parameter block '{name}' (blocks: {string.Join(", ", index.Keys)})", nameof(name));

    /// <summary>Block i of every copy, [C, shape...], a view that carries gradients back to <see cref="Values"/>.</summary>
    public Tensor Block(int i)
    {
        var b = blocks[i];
        return Values.narrow(1, b.Offset, b.Size).view(new long[] { Copies }.Concat(b.Shape).ToArray());
    }

    /// <summary>
    /// Sets copy c's values block by block from <paramref name="init"/>(block, generator), where the generator is seeded
    /// with <paramref name="seeds"/>[c] only: a copy's initial values do not depend on how many copies there are.
    /// </summary>
    public void Initialise(IReadOnlyList<long> seeds, Func<ParameterBlock, Generator, Tensor> init)
    {
        if (seeds.Count != Copies) throw new ArgumentException($"{seeds.Count} seeds for {Copies} copies", nameof(seeds));
        using var _ = no_grad();
        for (var c = 0; c < Copies; c++)
        {
            using var scope = NewDisposeScope();
            using var generator = new Generator((ulong)seeds[c]);
            foreach (var b in blocks)
            {
                var value = init(b, generator);
                if (!value.shape.SequenceEqual(b.Shape))
                    throw new InvalidOperationException($"initialiser gave {string.Join("x", value.shape)} for block '{b.Name}' of shape {string.Join("x", b.Shape)}");
                Values[c].narrow(0, b.Offset, b.Size).copy_(value.reshape(b.Size));
            }
        }
    }

    /// <summary>The initialiser of a store built by a <see cref="ParameterLayout"/>, or null.</summary>
    internal Func<ParameterBlock, Generator, Tensor>? Initialiser { get; set; }

    /// <summary>
    /// Draws fresh initial values, copy c from <paramref name="seeds"/>[c], with the initialisers of the layout that
    /// built the store (a new trial: co-players start again without rebuilding the network).
    /// </summary>
    public void Reinitialise(IReadOnlyList<long> seeds) =>
        Initialise(seeds, Initialiser ?? throw new InvalidOperationException("this store was not built by a ParameterLayout, so it has no initialisers"));

    /// <summary>
    /// Copies <paramref name="rows"/> [C, P] into the values (a device copy, no gradient): how an evolution strategy
    /// hands its population to the network whose copies it evaluates.
    /// </summary>
    public void Assign(Tensor rows)
    {
        if (!rows.shape.SequenceEqual(Values.shape))
            throw new ArgumentException($"the store holds [{string.Join(", ", Values.shape)}] values, got [{string.Join(", ", rows.shape)}]", nameof(rows));
        using var _ = no_grad();
        Values.copy_(rows);
    }

    /// <inheritdoc/>
    public void Dispose() => Values.Dispose();
}

/// <summary>
/// Named parameter blocks with their initialisers, collected module by module and then turned into one
/// <see cref="ParameterStore"/>. The order of <see cref="Add"/> calls is the order of the blocks in a row and of the
/// draws from each copy's generator.
/// </summary>
public sealed class ParameterLayout
{
    readonly List<(string Name, long[] Shape, Func<Generator, Tensor> Init)> blocks = new();

    /// <summary>Adds a block; returns its index in the built store.</summary>
    public int Add(string name, long[] shape, Func<Generator, Tensor> init)
    {
        if (blocks.Any(b => b.Name == name)) throw new ArgumentException($"parameter block '{name}' appears twice", nameof(name));
        blocks.Add((name, shape, init));
        return blocks.Count - 1;
    }

    /// <summary>Blocks added so far.</summary>
    public int Count => blocks.Count;

    /// <summary>Values per copy of the blocks added so far.</summary>
    public long Size => blocks.Sum(b => b.Shape.Aggregate(1L, (x, y) => x * y));

    /// <summary>Names and shapes in layout order.</summary>
    public IEnumerable<(string Name, long[] Shape)> Shapes => blocks.Select(b => (b.Name, b.Shape));

    /// <summary>Creates one copy per seed and initialises copy c from a generator seeded with <paramref name="seeds"/>[c].</summary>
    public ParameterStore Build(IReadOnlyList<long> seeds, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var store = new ParameterStore(seeds.Count, Shapes, device, dtype);
        var inits = blocks.Select(b => b.Init).ToArray();
        store.Initialiser = (block, g) => inits[store.IndexOf(block.Name)](g);
        store.Initialise(seeds, store.Initialiser);
        return store;
    }
}
