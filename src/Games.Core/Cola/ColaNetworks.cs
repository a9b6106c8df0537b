using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Cola;

/// <summary>
/// R independent pairs of COLA update networks f_i(theta_1, theta_2) -&gt; update of player i, held as one
/// [R, P] parameter tensor so that every run trains in the same batched operations (the way JaxMARL
/// vectorises training runs). Layer weights are views into that tensor; each run's slice is its own
/// networks' parameters.
/// </summary>
public sealed class ColaNetworks
{
    readonly (int In, int Out, int Weight, int Bias)[][] layers;
    readonly (Tensor Weight, Tensor Bias)[][] views;
    readonly Tensor? outputScale;   // [R, 1, 1] per-run alpha when the networks output gradient units
    readonly Scalar? inputScale;

    ColaNetworks(DifferentiableGame game, ColaSettings settings, ParameterStore store, (int, int, int, int)[][] layers, IReadOnlyList<double>? alphas)
    {
        Game = game; Settings = settings; Store = store; this.layers = layers;
        if (settings.Output == ColaOutput.GradientUnits)
        {
            if (alphas is null || alphas.Count != store.Copies)
                throw new ArgumentException($"networks that output gradient units need one alpha per run ({store.Copies})", nameof(alphas));
            outputScale = tensor(alphas.ToArray(), dtype: ScalarType.Float64, device: store.Values.device).view(-1, 1, 1).DetachFromDisposeScope();
        }
        if (settings.InputScale != 1) inputScale = settings.InputScale.ToScalar();
        // Weight views into the parameter tensor are made once: they follow its in-place updates, and a step
        // saves the narrow/view operations that would otherwise be recorded for every layer.
        views = Views(store);
    }

    (Tensor, Tensor)[][] Views(ParameterStore store) =>
        layers.Select(player => player.Select(layer =>
        {
            var w = store.Block(layer.Weight).DetachFromDisposeScope();
            var b = store.Block(layer.Bias).unsqueeze(1).DetachFromDisposeScope();
            return (w, b);
        }).ToArray()).ToArray();

    /// <summary>The game the networks play.</summary>
    public DifferentiableGame Game { get; }

    /// <summary>Architecture and training settings.</summary>
    public ColaSettings Settings { get; }

    /// <summary>All runs' parameters as one store with a copy per run (float64).</summary>
    public ParameterStore Store { get; }

    /// <summary>All runs' parameters, [R, P] float64 (a leaf that requires gradients).</summary>
    public Tensor Parameters => Store.Values;

    /// <summary>Number of runs R.</summary>
    public int Runs => Store.Copies;

    /// <summary>Parameters per run P.</summary>
    public int Size => (int)Store.Size;

    /// <summary>
    /// Fresh networks: run r is initialised from a generator seeded with <paramref name="seeds"/>[r], like PyTorch's
    /// nn.Linear (weights and biases uniform in +-1/sqrt(fan_in)), so a run's numbers do not depend on the others.
    /// </summary>
    public static ColaNetworks Create(DifferentiableGame game, ColaSettings settings, IReadOnlyList<long> seeds, Device? device = null, IReadOnlyList<double>? alphas = null)
    {
        settings.Validate();
        if (seeds.Count < 1) throw new ArgumentException("at least one run is needed", nameof(seeds));
        var layout = Layout(game, settings, out var plan);
        return new ColaNetworks(game, settings, layout.Build(seeds, device, ScalarType.Float64), plan, alphas);
    }

    /// <summary>Networks around existing parameters [R, P] (loading, or one run taken out of a batch); they take ownership of the tensor.</summary>
    public static ColaNetworks FromParameters(DifferentiableGame game, ColaSettings settings, Tensor parameters, IReadOnlyList<double>? alphas = null)
    {
        var layout = Layout(game, settings, out var plan);
        if (parameters.dim() != 2 || parameters.shape[1] != layout.Size)
            throw new ArgumentException($"COLA parameters for {game.Name} with these settings need shape [R, {layout.Size}], got [{string.Join(", ", parameters.shape)}]");
        return new ColaNetworks(game, settings, new ParameterStore(layout.Shapes, parameters), plan, alphas);
    }

    /// <summary>The parameter count of one run's pair of networks.</summary>
    public static int ParameterCount(DifferentiableGame game, ColaSettings settings) => (int)Layout(game, settings, out _).Size;

    /// <summary>
    /// Per player, dense layers D -> width (x hidden layers) -> d_i, each a weight [in, out] then a bias [out] drawn
    /// uniform in +-1/sqrt(in) from the run's generator in that order.
    /// </summary>
    static ParameterLayout Layout(DifferentiableGame game, ColaSettings settings, out (int, int, int, int)[][] plan)
    {
        var layout = new ParameterLayout();
        plan = new (int, int, int, int)[game.PlayerCount][];
        for (var i = 0; i < game.PlayerCount; i++)
        {
            var widths = new List<int> { game.TotalParameters };
            widths.AddRange(Enumerable.Repeat(settings.Width, settings.HiddenLayers));
            widths.Add(game.Players[i].ParameterSize);
            plan[i] = new (int, int, int, int)[widths.Count - 1];
            for (var l = 0; l + 1 < widths.Count; l++)
            {
                int inputs = widths[l], outputs = widths[l + 1];
                var weight = layout.Add($"player{i}.{l}.weight", new long[] { inputs, outputs }, g => Uniform(inputs * outputs, inputs, g).view(inputs, outputs));
                var bias = layout.Add($"player{i}.{l}.bias", new long[] { outputs }, g => Uniform(outputs, inputs, g));
                plan[i][l] = (inputs, outputs, weight, bias);
            }
        }
        return layout;
    }

    /// <summary>n values uniform in +-1/sqrt(fanIn) (float64), as nn.Linear.</summary>
    static Tensor Uniform(long n, int fanIn, Generator generator)
    {
        var bound = 1 / Math.Sqrt(fanIn);
        using Scalar width = (2 * bound).ToScalar(), low = bound.ToScalar();
        return rand(n, dtype: ScalarType.Float64, generator: generator).mul(width).sub(low);
    }

    /// <summary>Updates of every player for every run: <paramref name="theta"/> is [R, B, D], the result one [R, B, d_i] per player.</summary>
    public Tensor[] Forward(Tensor theta) => Forward(views, theta, outputScale);

    /// <summary>Updates of run <paramref name="run"/> at points [B, D]: one [B, d_i] tensor per player.</summary>
    public Tensor[] ForwardRun(int run, Tensor theta)
    {
        using var scope = NewDisposeScope();
        var single = layers.Select(player => player.Select(layer =>
            (Store.Block(layer.Weight).narrow(0, run, 1), Store.Block(layer.Bias).narrow(0, run, 1).unsqueeze(1))).ToArray()).ToArray();
        return Forward(single, theta.unsqueeze(0), outputScale?.narrow(0, run, 1)).Select(h => h.squeeze(0).MoveToOuterDisposeScope()).ToArray();
    }

    Tensor[] Forward((Tensor Weight, Tensor Bias)[][] weights, Tensor theta, Tensor? scale)
    {
        var result = new Tensor[weights.Length];
        var input = inputScale is null ? theta : theta.mul(inputScale);
        for (var i = 0; i < weights.Length; i++)
        {
            var x = input;
            for (var l = 0; l < weights[i].Length; l++)
            {
                x = x.bmm(weights[i][l].Weight).PlusInPlace(weights[i][l].Bias);
                if (l + 1 < weights[i].Length) x = Settings.Activation == ColaActivation.Relu ? x.relu() : x.tanh();
            }
            result[i] = scale is null ? x : x.mul(scale);
        }
        return result;
    }
}
