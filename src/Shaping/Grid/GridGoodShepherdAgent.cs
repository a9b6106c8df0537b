using Hybrid.Shaping.Agents;
using ParameterBlock = Hybrid.Shaping.Agents.ParameterBlock;

namespace Hybrid.Shaping.Grid;

/// <summary>
/// Good Shepherd in the gridworlds (thesis section 4.3; pax agent 'PPO' under the evo runner): memoryless, so its only
/// history is what the current observation shows. Coin Game (<c>make_coingame_network</c>): a tanh dense layer of
/// <see cref="Width"/> units on the flat observation; in the Matrix (<c>make_ipditm_network</c>, <c>CNN_ipditm</c>):
/// Conv2D(16, 3 x 3, SAME) -> ReLU -> flatten ++ inventory. Both end in bias-free heads (5 logits, a value unused under
/// ES). 688 parameters in the Coin Game and 3892 on pax's 5 x 5 x 10 + 6 Matrix observation, as Table 20. Layout:
/// torso blocks (<see cref="GridTorso"/>), logits/w [features, 5], value/w [features, 1].
/// </summary>
public sealed class GridGoodShepherdAgent : IGridMetaAgent
{
    readonly TorsoSpec torso;

    /// <summary>A Good Shepherd for <paramref name="game"/> whose torso has <paramref name="width"/> units or channels (pax: 16).</summary>
    public GridGoodShepherdAgent(GridGame game, int width = 16, GridTorso? torso = null)
    {
        Game = game;
        Torso = torso ?? GridTorsos.For(game);
        Width = width;
        this.torso = new TorsoSpec(game, Torso, width, Activation.Tanh);
        var blocks = new List<ParameterBlock>(this.torso.Blocks("torso"))
        {
            new("logits/w", this.torso.Features, game.Actions), new("value/w", this.torso.Features, 1),
        };
        Layout = blocks;
        ParameterCount = Layouts.Count(blocks);
    }

    /// <summary>The game the agent reads.</summary>
    public GridGame Game { get; }

    /// <summary>How the observation is read.</summary>
    public GridTorso Torso { get; }

    /// <summary>Units of the dense torso or channels of the conv torso.</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public string Name => "gs";

    /// <inheritdoc/>
    public IReadOnlyList<ParameterBlock> Layout { get; }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public IGridMetaPolicy CreatePolicy(TrialLayout layout) => new Policy(this, layout);

    sealed class Policy : IGridMetaPolicy
    {
        readonly GridGoodShepherdAgent agent;
        readonly TorsoSpec spec;
        readonly TorsoKernel torso;
        readonly LogitHead head;
        readonly int rows, obs, actions;
        readonly float[] features;

        public Policy(GridGoodShepherdAgent agent, TrialLayout layout)
        {
            this.agent = agent;
            spec = agent.torso;
            torso = new TorsoKernel(spec);
            rows = layout.Rows;
            obs = agent.Game.ObservationSize;
            actions = agent.Game.Actions;
            head = new LogitHead(spec.Features, spec.PaddedFeatures, actions);
            features = new float[spec.PaddedFeatures];
        }

        public void Load(ReadOnlySpan<float> parameters)
        {
            Layouts.Check(parameters, agent.ParameterCount, "the gridworld good shepherd");
            var reader = new BlockReader(parameters);
            torso.Load(ref reader);
            head.Load(reader.Next(spec.Features * actions), spec);
        }

        public void BeginTrial(TrialNoise noise, int seat) { }

        public void BeginEpisode(int episode) { }

        public void Act(ReadOnlySpan<float> observations, Span<float> probabilities)
        {
            for (var r = 0; r < rows; r++)
            {
                torso.Forward(observations.Slice(r * obs, obs), features);
                head.Probabilities(features, probabilities.Slice(r * actions, actions));
            }
        }

        public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

        public void EndEpisode(int episode, ReadOnlySpan<float> nextObservations) { }
    }
}
