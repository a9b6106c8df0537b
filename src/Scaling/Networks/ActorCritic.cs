using Hybrid.Scaling.Distributions;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>What a network is built for, decided by the environment and the algorithm.</summary>
/// <param name="Observation">Feature shape of one observation (e.g. [10, 10, 4] for a MinAtar grid, [18] for MPE).</param>
/// <param name="Distribution">The action distribution the policy parameterises.</param>
/// <param name="WorldState">Width of a centralised critic's input (MAPPO's world state), or null for a critic on the observation.</param>
public sealed record NetworkShape(long[] Observation, ActionDistribution Distribution, int? WorldState = null);

/// <summary>Builds a module on rows of feature shape <paramref name="inputShape"/>, adding its blocks to <paramref name="layout"/> under the prefix <paramref name="name"/>.</summary>
public delegate IBatchedModule ModuleFactory(ParameterLayout layout, string name, long[] inputShape);

/// <summary>
/// How an <see cref="ActorCritic"/> is composed: an optional trunk on the input (an embedding and GRU, a CNN), then a
/// tower per head (hidden layers; may be empty), then the heads: the policy's Dense(K) (orthogonal gain
/// <see cref="ActorHeadGain"/>) and the value's Dense(1) (gain <see cref="CriticHeadGain"/>).
/// </summary>
public sealed record ActorCriticOptions
{
    /// <summary>Features shared by the towers of one side, or null (the towers read the input).</summary>
    public ModuleFactory? Trunk { get; init; }

    /// <summary>The policy's hidden layers.</summary>
    public required ModuleFactory ActorTower { get; init; }

    /// <summary>The value's hidden layers (null: the same kind as the actor's, with its own parameters).</summary>
    public ModuleFactory? CriticTower { get; init; }

    /// <summary>Whether a critic on the observation reads the actor's trunk (PureJaxRL's and JaxMARL's GRU networks) instead of its own.</summary>
    public bool ShareTrunk { get; init; } = true;

    /// <summary>Orthogonal gain of the policy head (0.01: near-uniform initial policies).</summary>
    public double ActorHeadGain { get; init; } = 0.01;

    /// <summary>Orthogonal gain of the value head.</summary>
    public double CriticHeadGain { get; init; } = 1.0;

    /// <summary>
    /// PureJaxRL's feed-forward actor-critic (ppo.py, JaxMARL ippo_ff): separate towers of <paramref name="layers"/>
    /// Dense(<paramref name="hidden"/>, orthogonal sqrt 2) + activation.
    /// </summary>
    public static ActorCriticOptions Mlp(int hidden = 64, int layers = 2, Activation activation = Activation.Tanh) =>
        new() { ActorTower = Towers.Mlp(hidden, layers, activation, Math.Sqrt(2)) };

    /// <summary>
    /// PureJaxRL's and JaxMARL's GRU actor-critic (ppo_rnn.py, ippo_rnn, mappo_rnn): trunk Dense(<paramref name="hidden"/>,
    /// sqrt 2) + ReLU + GRU(<paramref name="gruHidden"/>) shared by both heads, each behind Dense(hidden, gain 2) + ReLU.
    /// </summary>
    public static ActorCriticOptions Recurrent(int hidden = 128, int gruHidden = 128, GruStyle style = GruStyle.Flax) => new()
    {
        Trunk = Towers.EmbedGru(hidden, gruHidden, style),
        ActorTower = Towers.Mlp(hidden, 1, Activation.Relu, 2.0),
    };

    /// <summary>
    /// A convolutional trunk for MinAtar grids: Conv(<paramref name="channels"/>, 3x3, stride 1, SAME, sqrt 2) + ReLU,
    /// flattened, Dense(<paramref name="hidden"/>, sqrt 2) + ReLU (dopamine's MinAtar torso with PureJaxRL's
    /// initialisation), shared by both heads.
    /// </summary>
    public static ActorCriticOptions MinAtarCnn(int channels = 16, int hidden = 64) => new()
    {
        Trunk = Towers.MinAtarCnn(channels, hidden),
        ActorTower = Towers.Identity,
    };
}

/// <summary>Ready-made <see cref="ModuleFactory"/>s.</summary>
public static class Towers
{
    /// <summary>No layers.</summary>
    public static ModuleFactory Identity => (_, name, _) => new Sequential(name);

    /// <summary>
    /// <paramref name="layers"/> x (Dense(<paramref name="hidden"/>, orthogonal <paramref name="gain"/>) + activation),
    /// named "name.0", "name.1", ...; grids are flattened first.
    /// </summary>
    public static ModuleFactory Mlp(int hidden, int layers, Activation activation, double gain) => (layout, name, input) =>
    {
        var modules = new List<IBatchedModule>();
        if (input.Length > 1) modules.Add(new Flatten());
        var size = (int)input.Aggregate(1L, (a, b) => a * b);
        for (var k = 0; k < layers; k++)
        {
            modules.Add(new Dense(layout, $"{name}.{k}", size, hidden, gain));
            modules.Add(new ActivationLayer(activation));
            size = hidden;
        }
        return new Sequential(name, modules.ToArray());
    };

    /// <summary>"name.embed" Dense(<paramref name="hidden"/>, sqrt 2) + ReLU, then "name.gru" GRU(<paramref name="gruHidden"/>).</summary>
    public static ModuleFactory EmbedGru(int hidden, int gruHidden, GruStyle style = GruStyle.Flax) => (layout, name, input) =>
    {
        var modules = new List<IBatchedModule>();
        if (input.Length > 1) modules.Add(new Flatten());
        var size = (int)input.Aggregate(1L, (a, b) => a * b);
        modules.Add(new Dense(layout, $"{name}.embed", size, hidden, Math.Sqrt(2)));
        modules.Add(new ActivationLayer(Activation.Relu));
        modules.Add(new Gru(layout, $"{name}.gru", hidden, gruHidden, style));
        return new Sequential(name, modules.ToArray());
    };

    /// <summary>See <see cref="ActorCriticOptions.MinAtarCnn"/>: input [H, W, Ch] grids.</summary>
    public static ModuleFactory MinAtarCnn(int channels, int hidden) => (layout, name, input) =>
    {
        if (input.Length != 3) throw new ArgumentException($"{name}: a convolutional torso needs [H, W, C] grids, got [{string.Join(", ", input)}]");
        var grid = new ChannelsFirst().OutputShape(input);
        var conv = new Conv2d(layout, $"{name}.conv", (int)grid[0], channels, 3, gain: Math.Sqrt(2));
        var flat = conv.OutputShape(grid).Aggregate(1L, (a, b) => a * b);
        return new Sequential(name, new ChannelsFirst(), conv, new ActivationLayer(Activation.Relu), new Flatten(),
            new Dense(layout, $"{name}.dense", (int)flat, hidden, Math.Sqrt(2)), new ActivationLayer(Activation.Relu));
    };
}

/// <summary>Outputs of <see cref="ActorCritic.Forward"/>, rows [C, T B] time-major.</summary>
/// <param name="Policy">The policy's parameters (logits or means [C, T B, K], log-stds).</param>
/// <param name="Value">Values [C, T B].</param>
/// <param name="Auxiliary">Auxiliary losses and statistics of the modules, or null.</param>
public sealed record ActorCriticOutput(PolicyParameters Policy, Tensor Value, Auxiliary? Auxiliary);

/// <summary>
/// An actor-critic network of C copies composed of batched modules (<see cref="ActorCriticOptions"/>): the policy and
/// the value, optionally a centralised critic (MAPPO) reading the world state, with its own parameter set and
/// optimiser. Copy c of every parameter set draws its initial values from seed c only.
/// </summary>
public sealed class ActorCritic : IDisposable
{
    readonly IBatchedModule? actorTrunk, criticTrunk;
    readonly IBatchedModule actorTower, criticTower;
    readonly Dense actorHead, criticHead;
    readonly ParameterStore actor;
    readonly ParameterStore? critic;
    readonly int logStdBlock = -1;
    readonly bool criticSharesTrunk;

    ActorCritic(NetworkShape shape, ActorCriticOptions options, IReadOnlyList<long> seeds, Device? device)
    {
        Shape = shape;
        var centralised = shape.WorldState is not null;
        var actorLayout = new ParameterLayout();
        var criticLayout = centralised ? new ParameterLayout() : actorLayout;
        var k = shape.Distribution.ParameterSize;

        actorTrunk = options.Trunk?.Invoke(actorLayout, "actor", shape.Observation);
        var actorFeatures = actorTrunk?.OutputShape(shape.Observation) ?? shape.Observation;
        actorTower = options.ActorTower(actorLayout, "actor", actorFeatures);
        actorHead = new Dense(actorLayout, "actor.head", Width(actorTower.OutputShape(actorFeatures), "actor"), k, options.ActorHeadGain);

        var criticInput = centralised ? new long[] { shape.WorldState!.Value } : shape.Observation;
        criticSharesTrunk = !centralised && options.ShareTrunk && actorTrunk is not null;
        criticTrunk = criticSharesTrunk ? null : options.Trunk?.Invoke(criticLayout, "critic", criticInput);
        var criticFeatures = criticSharesTrunk ? actorFeatures : criticTrunk?.OutputShape(criticInput) ?? criticInput;
        criticTower = (options.CriticTower ?? options.ActorTower)(criticLayout, "critic", criticFeatures);
        criticHead = new Dense(criticLayout, "critic.head", Width(criticTower.OutputShape(criticFeatures), "critic"), 1, options.CriticHeadGain);

        if (shape.Distribution is DiagonalGaussian) logStdBlock = actorLayout.Add("log_std", new long[] { k }, _ => zeros(k));
        actor = actorLayout.Build(seeds, device);
        // The critic's generator stream is its own: seeds offset so actor and critic do not start from the same numbers.
        critic = centralised ? criticLayout.Build(seeds.Select(s => s ^ 0x5DEECE66DL).ToArray(), device) : null;
        RecurrentModules = new[] { actorTrunk, actorTower, criticTrunk, criticTower }.Where(m => m is not null)
            .SelectMany(m => Sequential.Flatten(m!)).OfType<IRecurrentModule>().ToArray();
    }

    static int Width(long[] features, string side) =>
        features.Length == 1 ? (int)features[0] : throw new ArgumentException($"the {side} tower must end in flat features, it gives [{string.Join(", ", features)}] (add Flatten)");

    /// <summary>Builds the network of <paramref name="options"/> for <paramref name="shape"/>: one copy per seed.</summary>
    public static ActorCritic Create(NetworkShape shape, ActorCriticOptions options, IReadOnlyList<long> seeds, Device? device = null)
    {
        if (seeds.Count < 1) throw new ArgumentException("at least one copy (seed) is needed", nameof(seeds));
        if (shape.Observation.Length == 0 || shape.Observation.Any(d => d < 1)) throw new ArgumentException($"observation shape [{string.Join(", ", shape.Observation)}] has an empty dimension");
        return new ActorCritic(shape, options, seeds, device);
    }

    /// <summary>Inputs and outputs.</summary>
    public NetworkShape Shape { get; }

    /// <summary>The action distribution of the policy.</summary>
    public ActionDistribution Distribution => Shape.Distribution;

    /// <summary>The parameter sets, each with its own optimiser: one, or actor then critic for a centralised critic.</summary>
    public IReadOnlyList<ParameterStore> ParameterSets => critic is null ? new[] { actor } : new[] { actor, critic };

    /// <summary>Number of copies C.</summary>
    public int Copies => actor.Copies;

    /// <summary>The GRUs (or other recurrent modules) whose state a caller carries from step to step, in a fixed order.</summary>
    public IReadOnlyList<IRecurrentModule> RecurrentModules { get; }

    /// <summary>Whether the network carries states.</summary>
    public bool Recurrent => RecurrentModules.Count > 0;

    /// <summary>Fresh initial values for every copy (copy c from <paramref name="seeds"/>[c]), as a newly built network of these seeds would have.</summary>
    public void Reinitialise(IReadOnlyList<long> seeds)
    {
        actor.Reinitialise(seeds);
        critic?.Reinitialise(seeds.Select(s => s ^ 0x5DEECE66DL).ToArray());
    }

    /// <summary>Log standard deviations [C, D] of a Gaussian policy.</summary>
    public Tensor LogStd => logStdBlock >= 0 ? actor.Block(logStdBlock) : throw new InvalidOperationException("the policy is not Gaussian");

    /// <summary>
    /// Runs policy and value over <paramref name="observations"/> [T, C, B, ...] (and <paramref name="worldState"/>
    /// [T, C, B, W] for a centralised critic). Rows become [C, T B] time-major, the layout of every module; recurrent
    /// modules read their states and resets from <paramref name="context"/> (which must say T).
    /// </summary>
    public ActorCriticOutput Forward(Tensor observations, Tensor? worldState, ForwardContext context)
    {
        if ((Shape.WorldState is null) != (worldState is null))
            throw new ArgumentException(Shape.WorldState is null ? "this critic reads the observation, not a world state" : "the centralised critic needs the world state");
        if (observations.shape[0] != context.Steps) throw new ArgumentException($"{observations.shape[0]} steps of observations, the context says {context.Steps}");
        var x = Rows(observations);
        var trunk = actorTrunk?.Forward(actor, x, context);
        var features = trunk?.Value ?? x;
        var tower = actorTower.Forward(actor, features, context);
        var policy = actorHead.Apply(actor, tower.Value);
        var criticParameters = critic ?? actor;
        Tensor criticFeatures;
        ModuleOutput? ownTrunk = null;
        if (criticSharesTrunk) criticFeatures = features;
        else
        {
            var criticX = worldState is null ? x : Rows(worldState);
            ownTrunk = criticTrunk?.Forward(criticParameters, criticX, context);
            criticFeatures = ownTrunk?.Value ?? criticX;
        }
        var criticOut = criticTower.Forward(criticParameters, criticFeatures, context);
        var value = criticHead.Apply(criticParameters, criticOut.Value).squeeze(-1);
        var aux = Auxiliary.Merge(Auxiliary.Merge(trunk?.Auxiliary, tower.Auxiliary), Auxiliary.Merge(ownTrunk?.Auxiliary, criticOut.Auxiliary));
        return new ActorCriticOutput(new PolicyParameters(policy, logStdBlock >= 0 ? LogStd : null), value, aux);
    }

    /// <summary>[T, C, B, ...] to [C, T B, ...] (time-major rows per copy).</summary>
    static Tensor Rows(Tensor x)
    {
        var dims = Enumerable.Range(0, (int)x.dim()).Select(d => (long)d).ToArray();
        (dims[0], dims[1]) = (1, 0);
        var shape = new long[] { x.shape[1], x.shape[0] * x.shape[2] }.Concat(x.shape.Skip(3)).ToArray();
        return x.permute(dims).reshape(shape);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        actor.Dispose();
        critic?.Dispose();
    }
}
