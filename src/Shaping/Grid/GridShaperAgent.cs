using Hybrid.Shaping.Agents;
using ParameterBlock = Hybrid.Shaping.Agents.ParameterBlock;

namespace Hybrid.Shaping.Grid;

/// <summary>
/// The Shaper of the gridworlds (thesis section 4.3; pax agent 'PPO_memory' under the evo runner). Coin Game
/// (<c>make_GRU_coingame_network</c>): a ReLU dense layer of <see cref="Hidden"/> units on the flat observation, a Haiku
/// GRU of <see cref="Hidden"/> units, bias-free heads giving 5 logits and a value (unused under ES): 2272 parameters at
/// 16 units, as Table 20. In the Matrix (<c>make_GRU_ipditm_network</c>, <c>CNN_ipditm</c>): Conv2D(16, 3 x 3, SAME) ->
/// ReLU -> flatten ++ inventory -> GRU(32) -> the same heads; 43792 parameters on pax's 5 x 5 x 10 + 6 observation,
/// where Table 20 prints 21896 (exactly half; no reading of pax gives it). The hidden state lasts the whole trial
/// (<see cref="Memory"/>) and may be averaged over the co-player's environments before each step, as pax's
/// <c>make_GRU_ipditm_avg_network</c> (lambda 0.5). Layout: torso blocks (<see cref="GridTorso"/>), gru/w_i [features,
/// 3H] (gates z | r | a), gru/w_h [H, 3H], gru/b [3H], logits/w [H, 5], value/w [H, 1].
/// </summary>
public sealed class GridShaperAgent : IGridMetaAgent
{
    readonly TorsoSpec torso;

    /// <summary>
    /// A Shaper for <paramref name="game"/>. <paramref name="hidden"/> defaults to pax's GRU size (16 in the Coin Game,
    /// where it is also the dense torso's width; 32 in the Matrix); <paramref name="channels"/> is the conv torso's.
    /// </summary>
    public GridShaperAgent(GridGame game, int? hidden = null, int channels = 16, HiddenAveraging averaging = HiddenAveraging.Nothing,
        float lambda = 0.5f, MemorySpan memory = MemorySpan.Trial, GridTorso? torso = null)
    {
        var kind = torso ?? GridTorsos.For(game);
        var units = hidden ?? (kind == GridTorso.Dense ? 16 : 32);
        Layouts.CheckRecurrent(units, lambda);
        if (averaging == HiddenAveraging.Att) throw new ArgumentException("the gridworld Shaper takes averaging nothing or avg (att is not ported)");
        Game = game;
        Hidden = units;
        Averaging = averaging;
        Lambda = lambda;
        Memory = memory;
        Torso = kind;
        this.torso = new TorsoSpec(game, kind, kind == GridTorso.Dense ? units : channels, Activation.Relu);
        var blocks = new List<ParameterBlock>(this.torso.Blocks("torso"))
        {
            new("gru/w_i", this.torso.Features, 3 * units), new("gru/w_h", units, 3 * units), new("gru/b", 3 * units),
            new("logits/w", units, game.Actions), new("value/w", units, 1),
        };
        Layout = blocks;
        ParameterCount = Layouts.Count(blocks);
    }

    /// <summary>The game the agent reads.</summary>
    public GridGame Game { get; }

    /// <summary>GRU units.</summary>
    public int Hidden { get; }

    /// <summary>How the observation is read.</summary>
    public GridTorso Torso { get; }

    /// <summary>Batch averaging of the hidden state.</summary>
    public HiddenAveraging Averaging { get; }

    /// <summary>Weight of the mean in the averaging.</summary>
    public float Lambda { get; }

    /// <summary>When the hidden state is reset.</summary>
    public MemorySpan Memory { get; }

    /// <inheritdoc/>
    public string Name => "shaper";

    /// <inheritdoc/>
    public IReadOnlyList<ParameterBlock> Layout { get; }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public IGridMetaPolicy CreatePolicy(TrialLayout layout) => new Policy(this, layout);

    sealed class Policy : IGridMetaPolicy
    {
        readonly GridShaperAgent agent;
        readonly TorsoSpec spec;
        readonly TorsoKernel torso;
        readonly LogitHead head;
        readonly int rows, groupSize, h, hp, obs, actions;
        readonly float[] wi;     // [PaddedFeatures, 3Hp]
        readonly float[] b;      // [3Hp]
        readonly float[] wh;     // [H, 3Hp]
        readonly float[] hidden; // [rows, Hp]
        readonly float[] features, gates, scratch, mean;

        public Policy(GridShaperAgent agent, TrialLayout layout)
        {
            this.agent = agent;
            spec = agent.torso;
            torso = new TorsoKernel(spec);
            rows = layout.Rows;
            groupSize = layout.Envs;
            h = agent.Hidden;
            hp = FastMath.Padded(h);
            obs = agent.Game.ObservationSize;
            actions = agent.Game.Actions;
            head = new LogitHead(h, hp, actions);
            wi = new float[spec.PaddedFeatures * 3 * hp];
            b = new float[3 * hp];
            wh = new float[h * 3 * hp];
            hidden = new float[rows * hp];
            features = new float[spec.PaddedFeatures];
            gates = new float[3 * hp];
            scratch = new float[3 * hp];
            mean = new float[hp];
        }

        public void Load(ReadOnlySpan<float> parameters)
        {
            Layouts.Check(parameters, agent.ParameterCount, "the gridworld shaper");
            var reader = new BlockReader(parameters);
            torso.Load(ref reader);
            spec.PadFeatureLayer(reader.Next(spec.Features * 3 * h), 3, h).CopyTo(wi, 0);
            Layouts.CopyGates(reader.Next(3 * h * h), h, 3, h, wh, hp);
            Layouts.CopyGates(reader.Next(3 * h), 1, 3, h, b, hp);
            head.Load(reader.Next(h * actions));
        }

        public void BeginTrial(TrialNoise noise, int seat) => Array.Clear(hidden);

        public void BeginEpisode(int episode) { }

        public void Act(ReadOnlySpan<float> observations, Span<float> probabilities)
        {
            if (agent.Averaging == HiddenAveraging.Avg && groupSize > 1) FastMath.AverageGroups(hidden, rows, hp, groupSize, agent.Lambda, mean);
            for (var r = 0; r < rows; r++)
            {
                torso.Forward(observations.Slice(r * obs, obs), features);
                GridKernels.SparseAffine(features, wi, b, gates);
                var state = hidden.AsSpan(r * hp, hp);
                GridKernels.Gru(gates, wh, h, state, scratch);
                head.Probabilities(state, probabilities.Slice(r * actions, actions));
            }
        }

        public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

        public void EndEpisode(int episode, ReadOnlySpan<float> nextObservations)
        {
            if (agent.Memory == MemorySpan.Episode) Array.Clear(hidden);
        }
    }
}
