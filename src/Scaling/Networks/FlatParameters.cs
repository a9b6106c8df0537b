using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>One named block of a flat parameter vector: its shape (without the copy dimension) and where it starts.</summary>
/// <param name="Name">Block name, e.g. "actor.0.weight".</param>
/// <param name="Shape">Shape of one copy's block.</param>
/// <param name="Offset">Start within a copy's row of <see cref="FlatParameters.Values"/>.</param>
public sealed record ParameterBlock(string Name, long[] Shape, long Offset)
{
    /// <summary>Number of values in the block.</summary>
    public long Size => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The parameters of S independent copies of a network (one per training seed) held as one leaf tensor [S, P]. Layers
/// read their blocks as views, so gradients arrive as one [S, P] tensor: the optimiser, gradient clipping per copy,
/// checkpoints and evolution strategies all work on whole rows instead of lists of small tensors.
/// </summary>
public sealed class FlatParameters : IDisposable
{
    readonly List<ParameterBlock> blocks = new();
    readonly Dictionary<string, int> index = new();

    /// <summary>Lays out the blocks; values start at zero (see <see cref="Initialise"/>).</summary>
    public FlatParameters(int copies, IEnumerable<(string Name, long[] Shape)> layout, Device? device = null)
    {
        if (copies < 1) throw new ArgumentOutOfRangeException(nameof(copies), copies, "at least one copy is needed");
        long offset = 0;
        foreach (var (name, shape) in layout)
        {
            if (index.ContainsKey(name)) throw new ArgumentException($"parameter block '{name}' appears twice", nameof(layout));
            if (shape.Any(d => d < 1)) throw new ArgumentException($"parameter block '{name}' has an empty dimension ({string.Join("x", shape)})", nameof(layout));
            index[name] = blocks.Count;
            blocks.Add(new ParameterBlock(name, shape, offset));
            offset += blocks[^1].Size;
        }
        Copies = copies;
        Size = offset;
        Values = zeros(copies, offset, ScalarType.Float32, device ?? CPU).requires_grad_(true);
        Values.DetachFromDisposeScope();
    }

    /// <summary>Number of independent copies S.</summary>
    public int Copies { get; }

    /// <summary>Values per copy P.</summary>
    public long Size { get; }

    /// <summary>All values [S, P], a leaf that requires gradients.</summary>
    public Tensor Values { get; }

    /// <summary>The blocks in layout order.</summary>
    public IReadOnlyList<ParameterBlock> Blocks => blocks;

    /// <summary>Index of a block by name.</summary>
    public int IndexOf(string name) => index.TryGetValue(name, out var i) ? i : throw new ArgumentException($"no parameter block '{name}' (blocks: {string.Join(", ", index.Keys)})", nameof(name));

    /// <summary>Block i of every copy, [S, shape...], a view that carries gradients back to <see cref="Values"/>.</summary>
    public Tensor Block(int i)
    {
        var b = blocks[i];
        return Values.narrow(1, b.Offset, b.Size).view(new long[] { Copies }.Concat(b.Shape).ToArray());
    }

    /// <summary>
    /// Sets copy c's values block by block from <paramref name="init"/>(block, generator), where the generator is seeded
    /// with <paramref name="seeds"/>[c] only: a copy's initial values do not depend on how many copies are trained.
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

    /// <inheritdoc/>
    public void Dispose() => Values.Dispose();
}
