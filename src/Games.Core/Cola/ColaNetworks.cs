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

    ColaNetworks(DifferentiableGame game, ColaSettings settings, Tensor parameters, (int, int, int, int)[][] layers)
    {
        Game = game; Settings = settings; Parameters = parameters; this.layers = layers;
        // Weight views into the parameter tensor are made once: they follow its in-place updates, and a step
        // saves the narrow/view operations that would otherwise be recorded for every layer.
        views = Views(parameters);
    }

    (Tensor, Tensor)[][] Views(Tensor parameters)
    {
        var runs = parameters.shape[0];
        return layers.Select(player => player.Select(layer =>
        {
            var w = parameters.narrow(1, layer.Weight, layer.In * layer.Out).view(runs, layer.In, layer.Out);
            var b = parameters.narrow(1, layer.Bias, layer.Out).view(runs, 1, layer.Out);
            w.DetachFromDisposeScope(); b.DetachFromDisposeScope();
            return (w, b);
        }).ToArray()).ToArray();
    }

    /// <summary>The game the networks play.</summary>
    public DifferentiableGame Game { get; }

    /// <summary>Architecture and training settings.</summary>
    public ColaSettings Settings { get; }

    /// <summary>All runs' parameters, [R, P] float64 (a leaf that requires gradients).</summary>
    public Tensor Parameters { get; }

    /// <summary>Number of runs R.</summary>
    public int Runs => (int)Parameters.shape[0];

    /// <summary>Parameters per run P.</summary>
    public int Size => (int)Parameters.shape[1];

    /// <summary>
    /// Fresh networks: run r is initialised from a generator seeded with <paramref name="seeds"/>[r], like PyTorch's
    /// nn.Linear (weights and biases uniform in +-1/sqrt(fan_in)), so a run's numbers do not depend on the others.
    /// </summary>
    public static ColaNetworks Create(DifferentiableGame game, ColaSettings settings, IReadOnlyList<long> seeds, Device? device = null)
    {
        settings.Validate();
        if (seeds.Count < 1) throw new ArgumentException("at least one run is needed", nameof(seeds));
        var plan = Plan(game, settings, out var size);
        var rows = new Tensor[seeds.Count];
        using (NewDisposeScope())
        {
            for (var r = 0; r < seeds.Count; r++)
            {
                var generator = new Generator((ulong)seeds[r]);
                var row = zeros(size, dtype: ScalarType.Float64);
                foreach (var player in plan)
                    foreach (var (inputs, outputs, weight, bias) in player)
                    {
                        var bound = 1 / Math.Sqrt(inputs);
                        row[weight..(weight + inputs * outputs)] = rand(inputs * outputs, dtype: ScalarType.Float64, generator: generator) * (2 * bound) - bound;
                        row[bias..(bias + outputs)] = rand(outputs, dtype: ScalarType.Float64, generator: generator) * (2 * bound) - bound;
                    }
                rows[r] = row.MoveToOuterDisposeScope();
            }
        }
        var parameters = stack(rows).to(device ?? CPU).detach().requires_grad_(true);
        foreach (var r in rows) r.Dispose();
        return new ColaNetworks(game, settings, parameters, plan);
    }

    /// <summary>Networks around existing parameters (loading, or one run taken out of a batch).</summary>
    public static ColaNetworks FromParameters(DifferentiableGame game, ColaSettings settings, Tensor parameters)
    {
        var plan = Plan(game, settings, out var size);
        if (parameters.dim() != 2 || parameters.shape[1] != size)
            throw new ArgumentException($"COLA parameters for {game.Name} with these settings need shape [R, {size}], got [{string.Join(", ", parameters.shape)}]");
        return new ColaNetworks(game, settings, parameters, plan);
    }

    /// <summary>The parameter count of one run's pair of networks.</summary>
    public static int ParameterCount(DifferentiableGame game, ColaSettings settings)
    {
        Plan(game, settings, out var size);
        return size;
    }

    static (int, int, int, int)[][] Plan(DifferentiableGame game, ColaSettings settings, out int size)
    {
        var offset = 0;
        var result = new (int, int, int, int)[game.PlayerCount][];
        for (var i = 0; i < game.PlayerCount; i++)
        {
            var widths = new List<int> { game.TotalParameters };
            widths.AddRange(Enumerable.Repeat(settings.Width, settings.HiddenLayers));
            widths.Add(game.Players[i].ParameterSize);
            result[i] = new (int, int, int, int)[widths.Count - 1];
            for (var l = 0; l + 1 < widths.Count; l++)
            {
                var weight = offset; offset += widths[l] * widths[l + 1];
                var bias = offset; offset += widths[l + 1];
                result[i][l] = (widths[l], widths[l + 1], weight, bias);
            }
        }
        size = offset;
        return result;
    }

    /// <summary>Updates of every player for every run: <paramref name="theta"/> is [R, B, D], the result one [R, B, d_i] per player.</summary>
    public Tensor[] Forward(Tensor theta) => Forward(views, theta);

    /// <summary>Updates of run <paramref name="run"/> at points [B, D]: one [B, d_i] tensor per player.</summary>
    public Tensor[] ForwardRun(int run, Tensor theta)
    {
        using var scope = NewDisposeScope();
        var single = Views(Parameters.narrow(0, run, 1));
        var result = Forward(single, theta.unsqueeze(0)).Select(h => h.squeeze(0).MoveToOuterDisposeScope()).ToArray();
        foreach (var (w, b) in single.SelectMany(p => p)) { w.Dispose(); b.Dispose(); }
        return result;
    }

    Tensor[] Forward((Tensor Weight, Tensor Bias)[][] weights, Tensor theta)
    {
        var result = new Tensor[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            var x = theta;
            for (var l = 0; l < weights[i].Length; l++)
            {
                x = x.bmm(weights[i][l].Weight).add_(weights[i][l].Bias);
                if (l + 1 < weights[i].Length) x = Settings.Activation == ColaActivation.Relu ? x.relu() : x.tanh();
            }
            result[i] = x;
        }
        return result;
    }
}
