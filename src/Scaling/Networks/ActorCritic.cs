using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>Shape and kind of an actor-critic network.</summary>
/// <param name="Observation">Actor input size (a flattened observation, plus the agent id if used).</param>
/// <param name="Actions">Number of discrete actions, or the Box action size.</param>
/// <param name="Continuous">Gaussian policy with a state-independent log-std (initialised 0) instead of categorical logits.</param>
/// <param name="Activation">Nonlinearity of the feed-forward towers (recurrent networks always use ReLU, as the references).</param>
/// <param name="Hidden">Width of the feed-forward hidden layers, or of the embedding and post-GRU layers.</param>
/// <param name="Layers">Hidden layers of each feed-forward tower.</param>
/// <param name="Recurrent">A GRU after the embedding (hidden state reset where an episode starts).</param>
/// <param name="GruHidden">GRU width.</param>
/// <param name="CriticInput">Input size of a separate centralised critic (MAPPO's world state), or null for a critic on the actor's input.</param>
public sealed record NetworkSpec(int Observation, int Actions, bool Continuous = false, Activation Activation = Activation.Tanh, int Hidden = 64, int Layers = 2,
    bool Recurrent = false, int GruHidden = 128, int? CriticInput = null);

/// <summary>Outputs of <see cref="ActorCritic.Forward"/>.</summary>
/// <param name="Policy">Logits (discrete) or means (continuous), [T, S, B, K].</param>
/// <param name="Value">Values [T, S, B].</param>
/// <param name="ActorHidden">Last hidden state of the actor's (or the shared) GRU [S, B, H], or null.</param>
/// <param name="CriticHidden">Last hidden state of a separate critic's GRU, or null.</param>
public sealed record ActorCriticOutput(Tensor Policy, Tensor Value, Tensor? ActorHidden, Tensor? CriticHidden);

/// <summary>
/// The PPO family's networks for S independent copies (PureJaxRL ppo.py / ppo_rnn.py, JaxMARL ippo_*, mappo_rnn_mpe):
/// <list type="bullet">
/// <item>feed-forward: separate actor and critic towers, Dense(h, orth sqrt 2) -> act, repeated, then Dense(K, orth 0.01)
/// for the actor and Dense(1, orth 1) for the critic;</item>
/// <item>recurrent: Dense(h, orth sqrt 2) -> relu -> GRU shared by two heads Dense(h, orth 2) -> relu -> Dense(K, orth 0.01)
/// and Dense(h, orth 2) -> relu -> Dense(1, orth 1);</item>
/// <item>with a centralised critic (MAPPO): actor and critic are separate networks of the chosen kind with separate
/// parameter sets (and optimisers), the critic reading its own input.</item>
/// </list>
/// </summary>
public sealed class ActorCritic : IDisposable
{
    readonly NetworkSpec spec;
    readonly Dense[] actorLayers, criticLayers;
    readonly Dense? actorEmbed, criticEmbed;
    readonly Gru? actorGru, criticGru;
    readonly ParameterStore actor;
    readonly ParameterStore? critic;
    readonly int logStdBlock = -1;

    /// <summary>Builds and initialises S copies; copy c draws its initial values from seed <paramref name="seeds"/>[c] only.</summary>
    public ActorCritic(NetworkSpec spec, IReadOnlyList<long> seeds, Device? device = null)
    {
        if (spec.Observation < 1 || spec.Actions < 1 || spec.Hidden < 1 || spec.Layers < 1 || spec.GruHidden < 1)
            throw new ArgumentException($"network sizes must be positive: {spec}");
        this.spec = spec;
        var actorLayout = new ParameterLayout();
        var centralised = spec.CriticInput is not null;
        var criticLayout = centralised ? new ParameterLayout() : actorLayout;
        (actorEmbed, actorGru, actorLayers) = Tower(actorLayout, "actor", spec.Observation, spec.Actions, 0.01, embedAndGru: spec.Recurrent);
        // A recurrent critic on the actor's input shares the actor's embedding and GRU (PureJaxRL, IPPO).
        var ownTrunk = spec.Recurrent && centralised;
        (criticEmbed, criticGru, criticLayers) = Tower(criticLayout, "critic", spec.CriticInput ?? spec.Observation, 1, 1.0, embedAndGru: ownTrunk);
        if (spec.Continuous) logStdBlock = actorLayout.Add("log_std", new long[] { spec.Actions }, _ => zeros(spec.Actions));
        actor = actorLayout.Build(seeds, device);
        // The critic's generator stream is its own: seeds offset so actor and critic do not start from the same numbers.
        critic = centralised ? criticLayout.Build(seeds.Select(s => s ^ 0x5DEECE66DL).ToArray(), device) : null;
    }

    (Dense? Embed, Gru? Gru, Dense[] Layers) Tower(ParameterLayout layout, string name, int inputs, int outputs, double headGain, bool embedAndGru)
    {
        var layers = new List<Dense>();
        Dense? embed = null;
        Gru? gru = null;
        if (spec.Recurrent)
        {
            var width = spec.GruHidden;
            if (embedAndGru)
            {
                embed = layout.AddDense($"{name}.embed", inputs, spec.Hidden, Math.Sqrt(2));
                gru = Gru.Add(layout, $"{name}.gru", spec.Hidden, width);
            }
            layers.Add(layout.AddDense($"{name}.0", width, spec.Hidden, 2.0));
            layers.Add(layout.AddDense($"{name}.head", spec.Hidden, outputs, headGain));
            return (embed, gru, layers.ToArray());
        }
        var size = inputs;
        for (var k = 0; k < spec.Layers; k++)
        {
            layers.Add(layout.AddDense($"{name}.{k}", size, spec.Hidden, Math.Sqrt(2)));
            size = spec.Hidden;
        }
        layers.Add(layout.AddDense($"{name}.head", size, outputs, headGain));
        return (null, null, layers.ToArray());
    }

    /// <summary>The network's description.</summary>
    public NetworkSpec Spec => spec;

    /// <summary>The parameter sets, each with its own optimiser: one, or actor then critic for a centralised critic.</summary>
    public IReadOnlyList<ParameterStore> ParameterSets => critic is null ? new[] { actor } : new[] { actor, critic };

    /// <summary>Number of copies S.</summary>
    public int Copies => actor.Copies;

    /// <summary>Whether the network carries hidden states.</summary>
    public bool Recurrent => spec.Recurrent;

    /// <summary>Whether the critic has its own GRU (and hidden state).</summary>
    public bool CriticHasOwnHidden => criticGru is not null;

    /// <summary>Log standard deviations [S, K] of a continuous policy.</summary>
    public Tensor LogStd => spec.Continuous ? actor.Block(logStdBlock) : throw new InvalidOperationException("the policy is discrete");

    /// <summary>
    /// Runs actor and critic over <paramref name="observations"/> [T, S, B, D] (and <paramref name="criticInputs"/>
    /// [T, S, B, W] for a centralised critic). Recurrent networks need <paramref name="resets"/> [T, S, B] (bool) and the
    /// hidden states at the start [S, B, H]; feed-forward networks treat T x B as a batch.
    /// </summary>
    public ActorCriticOutput Forward(Tensor observations, Tensor? criticInputs = null, Tensor? resets = null, Tensor? actorHidden = null, Tensor? criticHidden = null)
    {
        if ((spec.CriticInput is null) != (criticInputs is null))
            throw new ArgumentException(spec.CriticInput is null ? "this critic reads the actor's input" : "the centralised critic needs its inputs");
        if (spec.Recurrent && (resets is null || actorHidden is null || (criticGru is not null && criticHidden is null)))
            throw new ArgumentException("a recurrent network needs resets and hidden states");
        var criticParameters = critic ?? actor;
        if (!spec.Recurrent)
        {
            var policy = Towers(actor, actorLayers, observations, spec.Activation);
            var value = Towers(criticParameters, criticLayers, criticInputs ?? observations, spec.Activation).squeeze(-1);
            return new ActorCriticOutput(policy, value, null, null);
        }
        var (actorFeatures, newActorHidden) = Trunk(actor, actorEmbed!, actorGru!, observations, resets!, actorHidden!);
        var pi = Towers(actor, actorLayers, actorFeatures, Activation.Relu);
        Tensor criticFeatures;
        Tensor? newCriticHidden = null;
        if (criticGru is not null) (criticFeatures, newCriticHidden) = Trunk(criticParameters, criticEmbed!, criticGru, criticInputs!, resets!, criticHidden!);
        else criticFeatures = actorFeatures;
        var v = Towers(criticParameters, criticLayers, criticFeatures, Activation.Relu).squeeze(-1);
        return new ActorCriticOutput(pi, v, newActorHidden, newCriticHidden);
    }

    static (Tensor Features, Tensor Hidden) Trunk(ParameterStore p, Dense embed, Gru gru, Tensor inputs, Tensor resets, Tensor hidden)
    {
        var e = nn.functional.relu(Apply(p, embed, inputs));
        return gru.Forward(p, e, resets, hidden);
    }

    /// <summary>Hidden layers with the activation, then the head without one; inputs [T, S, B, D].</summary>
    static Tensor Towers(ParameterStore p, Dense[] layers, Tensor x, Activation activation)
    {
        for (var k = 0; k < layers.Length; k++)
        {
            x = Apply(p, layers[k], x);
            if (k < layers.Length - 1) x = activation.Apply(x);
        }
        return x;
    }

    /// <summary>A dense layer on [T, S, B, D]: copies move to the front for the batched product and back.</summary>
    static Tensor Apply(ParameterStore p, Dense layer, Tensor x)
    {
        long t = x.shape[0], s = x.shape[1], b = x.shape[2];
        var rows = x.permute(1, 0, 2, 3).reshape(s, t * b, x.shape[3]);
        return layer.Forward(p, rows).view(s, t, b, layer.Outputs).permute(1, 0, 2, 3);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        actor.Dispose();
        critic?.Dispose();
    }
}
