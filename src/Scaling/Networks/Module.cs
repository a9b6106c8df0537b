using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// What a module adds besides its output: losses the algorithm adds to its own (one [C] tensor per name, per copy,
/// e.g. a mixture-of-experts load-balancing loss) and statistics it only reports (routing fractions, norms).
/// </summary>
public sealed class Auxiliary
{
    readonly Dictionary<string, Tensor> losses = new(StringComparer.Ordinal);
    readonly Dictionary<string, Tensor> statistics = new(StringComparer.Ordinal);

    /// <summary>Per-copy losses [C] by name; the algorithm adds their sum to its loss.</summary>
    public IReadOnlyDictionary<string, Tensor> Losses => losses;

    /// <summary>Diagnostics by name (any shape with the copy dimension first).</summary>
    public IReadOnlyDictionary<string, Tensor> Statistics => statistics;

    /// <summary>Adds a per-copy loss [C]; a repeated name is an error (modules prefix their names).</summary>
    public Auxiliary AddLoss(string name, Tensor perCopy)
    {
        if (!losses.TryAdd(name, perCopy)) throw new ArgumentException($"auxiliary loss '{name}' is reported twice", nameof(name));
        return this;
    }

    /// <summary>Adds a statistic.</summary>
    public Auxiliary AddStatistic(string name, Tensor value)
    {
        if (!statistics.TryAdd(name, value)) throw new ArgumentException($"statistic '{name}' is reported twice", nameof(name));
        return this;
    }

    /// <summary>Everything of <paramref name="a"/> and <paramref name="b"/> (either may be null).</summary>
    public static Auxiliary? Merge(Auxiliary? a, Auxiliary? b)
    {
        if (a is null) return b;
        if (b is null) return a;
        var merged = new Auxiliary();
        foreach (var source in new[] { a, b })
        {
            foreach (var (k, v) in source.losses) merged.AddLoss(k, v);
            foreach (var (k, v) in source.statistics) merged.AddStatistic(k, v);
        }
        return merged;
    }

    /// <summary>The sum of the losses per copy [C], or null when there are none.</summary>
    public Tensor? TotalLoss()
    {
        Tensor? total = null;
        foreach (var loss in losses.Values) total = total is null ? loss : total.Plus(loss);
        return total;
    }
}

/// <summary>A module's output [C, M, ...] and its optional auxiliary data.</summary>
/// <param name="Value">The output.</param>
/// <param name="Auxiliary">Losses and statistics, or null.</param>
public readonly record struct ModuleOutput(Tensor Value, Auxiliary? Auxiliary = null)
{
    /// <summary>An output without auxiliary data.</summary>
    public static implicit operator ModuleOutput(Tensor value) => new(value);
}

/// <summary>
/// What a forward pass knows besides the inputs: the sequence structure of the rows (M = T x B, time-major), where
/// sequences start again, and the recurrent state of every recurrent module, read at the start and written at the end.
/// Feed-forward modules ignore it.
/// </summary>
public sealed class ForwardContext
{
    readonly Dictionary<IRecurrentModule, Tensor> initial = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<IRecurrentModule, Tensor> final = new(ReferenceEqualityComparer.Instance);

    /// <summary>Rows are <paramref name="steps"/> time steps of equally many sequences; <paramref name="resets"/> [T, C, B] (bool) marks where a sequence starts again from a zero state.</summary>
    public ForwardContext(int steps = 1, Tensor? resets = null)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "at least one step");
        Steps = steps;
        Resets = resets;
    }

    /// <summary>Time steps T of the rows.</summary>
    public int Steps { get; }

    /// <summary>Where noisy layers draw this pass's noise from; null: they use their mean weights (no noise).</summary>
    public NoiseSource? Noise { get; init; }

    /// <summary>[T, C, B] start flags, or null (no sequence starts again).</summary>
    public Tensor? Resets { get; }

    /// <summary>Sets a recurrent module's state at the first step [C, B, H].</summary>
    public ForwardContext WithState(IRecurrentModule module, Tensor state)
    {
        initial[module] = state;
        return this;
    }

    /// <summary>A recurrent module's state at the first step [C, B, H]: the one given, or zeros (every sequence starts fresh).</summary>
    public Tensor InitialStateOrZeros(IRecurrentModule module, long copies, long batch, Tensor like)
    {
        if (!initial.TryGetValue(module, out var h)) return zeros(new[] { copies, batch, (long)module.StateSize }, like.dtype, like.device);
        if (h.shape[0] != copies || h.shape[1] != batch || h.shape[2] != module.StateSize)
            throw new ArgumentException($"{module.Name}: state of shape [{string.Join(", ", h.shape)}], the rows need [{copies}, {batch}, {module.StateSize}]");
        return h;
    }

    /// <summary>Called by a recurrent module with its state after the last step.</summary>
    public void SetFinalState(IRecurrentModule module, Tensor state) => final[module] = state;

    /// <summary>A recurrent module's state after the last step.</summary>
    public Tensor FinalState(IRecurrentModule module) =>
        final.TryGetValue(module, out var h) ? h : throw new InvalidOperationException($"{module.Name} did not run in this pass");
}

/// <summary>
/// A module of C independent copies (a training seed, a population member each), applied to rows [C, M, ...features]
/// with its parameters read from a <see cref="ParameterStore"/>: the copies share every tensor operation (batched
/// matrix products, grouped convolutions), so C networks cost about one larger forward pass. Modules add their
/// parameter blocks to a <see cref="ParameterLayout"/> when constructed, in a fixed order (the order of the draws of
/// each copy's generator), and are composed like TorchSharp's modules (<see cref="Sequential"/>).
/// </summary>
public interface IBatchedModule
{
    /// <summary>Name prefix of the module's parameter blocks.</summary>
    string Name { get; }

    /// <summary>The feature shape of the output for an input feature shape (both without C and M).</summary>
    long[] OutputShape(long[] inputShape);

    /// <summary>Applies every copy's module to its rows <paramref name="x"/> [C, M, ...].</summary>
    ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context);
}

/// <summary>A module with a state carried across time steps (a GRU).</summary>
public interface IRecurrentModule : IBatchedModule
{
    /// <summary>Width of the state H.</summary>
    int StateSize { get; }
}

/// <summary>Modules applied in order; auxiliary data of all of them is merged.</summary>
public sealed class Sequential : IBatchedModule
{
    readonly IBatchedModule[] modules;

    /// <summary>Chains <paramref name="modules"/> (none: the identity).</summary>
    public Sequential(string name, params IBatchedModule[] modules) { Name = name; this.modules = modules; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The chained modules.</summary>
    public IReadOnlyList<IBatchedModule> Modules => modules;

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) => modules.Aggregate(inputShape, (shape, m) => m.OutputShape(shape));

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        Auxiliary? aux = null;
        foreach (var m in modules)
        {
            var output = m.Forward(parameters, x, context);
            x = output.Value;
            aux = Auxiliary.Merge(aux, output.Auxiliary);
        }
        return new ModuleOutput(x, aux);
    }

    /// <summary>Every module in the tree, depth first (recurrent modules are found this way).</summary>
    public static IEnumerable<IBatchedModule> Flatten(IBatchedModule module) =>
        module is Sequential s ? s.modules.SelectMany(Flatten) : new[] { module };
}

/// <summary>Hidden-layer nonlinearity.</summary>
public enum Activation
{
    /// <summary>tanh (PureJaxRL's default).</summary>
    Tanh,
    /// <summary>max(0, x).</summary>
    Relu,
}

/// <summary>An elementwise nonlinearity.</summary>
/// <param name="Kind">Which one.</param>
public sealed record ActivationLayer(Activation Kind) : IBatchedModule
{
    /// <inheritdoc/>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) => inputShape;

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context) => Kind.Apply(x);
}

/// <summary>Activation functions.</summary>
public static class Activations
{
    /// <summary>Applies <paramref name="activation"/>.</summary>
    public static Tensor Apply(this Activation activation, Tensor x) => activation == Activation.Relu ? nn.functional.relu(x) : tanh(x);
}

/// <summary>Flattens the feature dimensions: [C, M, d1, d2, ...] to [C, M, d1 d2 ...].</summary>
public sealed record Flatten : IBatchedModule
{
    /// <inheritdoc/>
    public string Name => "flatten";

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) => new[] { inputShape.Aggregate(1L, (a, b) => a * b) };

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context) =>
        x.dim() == 3 ? x : x.reshape(x.shape[0], x.shape[1], -1);
}

/// <summary>
/// Grids stored height x width x channels (gymnax's and MinAtar's layout) to channels x height x width, the layout of
/// convolutions: [C, M, H, W, Ch] to [C, M, Ch, H, W].
/// </summary>
public sealed record ChannelsFirst : IBatchedModule
{
    /// <inheritdoc/>
    public string Name => "channels_first";

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) =>
        inputShape.Length == 3 ? new[] { inputShape[2], inputShape[0], inputShape[1] } : throw new ArgumentException($"a grid [H, W, C] is needed, got [{string.Join(", ", inputShape)}]");

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context) => x.permute(0, 1, 4, 2, 3);
}
