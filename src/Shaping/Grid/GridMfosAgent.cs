using Hybrid.Shaping.Agents;
using ParameterBlock = Hybrid.Shaping.Agents.ParameterBlock;

namespace Hybrid.Shaping.Grid;

/// <summary>
/// M-FOS in the gridworlds as pax trains it by ES (thesis section 4.3): the matrix <see cref="MfosAgent"/> with
/// gridworld embeddings. Coin Game (<c>make_mfos_network</c>, <c>ActorCriticMFOS</c>): three Linear(H) embeddings of
/// the flat observation; in the Matrix (<c>make_mfos_ipditm_network</c>, <c>CNNMFOS</c>): three <c>CNNFusion</c>
/// embeddings, Conv2D(16, 3 x 3, SAME) -> ReLU -> flatten ++ inventory -> Linear(H), each with its own weights. They feed
/// a meta, an actor and a critic Haiku GRU of H units; logits = W_pi (th * h_actor), value = W_v (th * h_critic), and at
/// each episode end th &lt;- sigmoid(W_m h_meta + b_m), so a conditioning vector in (0, 1)^H is fixed for the next
/// episode (th = 1 at the start of a trial). Memory as the matrix agent: every state is reset after each episode
/// (<see cref="MetaMemory"/> = Episode, pax) or the meta state is kept over the trial (Trial). The critic never acts, so
/// the kernel skips it. 6896 parameters in the Coin Game and 29024 on pax's 5 x 5 x 10 + 6 Matrix observation at
/// H = 16, as Table 20. Layout: meta_in, actor_in, critic_in (dense: w [obs, H], b [H]; conv: conv/w [3, 3, channels,
/// 16], conv/b [16], linear/w [features, H], linear/b [H]); meta_gru, actor_gru, critic_gru (w_i [H, 3H], w_h [H, 3H],
/// b [3H]); meta_out w [H, H], b [H]; logits w [H, 5]; value w [H, 1].
/// </summary>
public sealed class GridMfosAgent : IGridMetaAgent
{
    static readonly string[] Parts = ["meta", "actor", "critic"];
    readonly TorsoSpec torso;

    /// <summary>An M-FOS agent for <paramref name="game"/> with <paramref name="hidden"/> units per part and <paramref name="channels"/> per conv torso.</summary>
    public GridMfosAgent(GridGame game, int hidden = 16, int channels = 16, HiddenAveraging averaging = HiddenAveraging.Nothing,
        float lambda = 0.5f, MemorySpan metaMemory = MemorySpan.Episode, GridTorso? torso = null)
    {
        Layouts.CheckRecurrent(hidden, lambda);
        if (averaging == HiddenAveraging.Att) throw new ArgumentException("pax has no attention variant of M-FOS; it takes averaging nothing or avg");
        Game = game;
        Hidden = hidden;
        Averaging = averaging;
        Lambda = lambda;
        MetaMemory = metaMemory;
        Torso = torso ?? GridTorsos.For(game);
        this.torso = Torso == GridTorso.Dense
            ? new TorsoSpec(game, GridTorso.Dense, hidden, Activation.None)
            : new TorsoSpec(game, GridTorso.Conv, channels, Activation.Relu);
        var blocks = new List<ParameterBlock>();
        foreach (var part in Parts)
        {
            if (Torso == GridTorso.Dense) blocks.AddRange(this.torso.Blocks($"{part}_in"));
            else
            {
                blocks.AddRange(this.torso.Blocks($"{part}_in/conv"));
                blocks.Add(new ParameterBlock($"{part}_in/linear/w", this.torso.Features, hidden));
                blocks.Add(new ParameterBlock($"{part}_in/linear/b", hidden));
            }
        }
        foreach (var part in Parts)
        {
            blocks.Add(new ParameterBlock($"{part}_gru/w_i", hidden, 3 * hidden));
            blocks.Add(new ParameterBlock($"{part}_gru/w_h", hidden, 3 * hidden));
            blocks.Add(new ParameterBlock($"{part}_gru/b", 3 * hidden));
        }
        blocks.Add(new ParameterBlock("meta_out/w", hidden, hidden));
        blocks.Add(new ParameterBlock("meta_out/b", hidden));
        blocks.Add(new ParameterBlock("logits/w", hidden, game.Actions));
        blocks.Add(new ParameterBlock("value/w", hidden, 1));
        Layout = blocks;
        ParameterCount = Layouts.Count(blocks);
        EmbeddingCount = Layouts.Count(blocks.Take(Torso == GridTorso.Dense ? 2 : 4));
    }

    /// <summary>The game the agent reads.</summary>
    public GridGame Game { get; }

    /// <summary>Units of each part.</summary>
    public int Hidden { get; }

    /// <summary>How the observation is read.</summary>
    public GridTorso Torso { get; }

    /// <summary>Batch averaging, applied to the meta and actor states before each step (pax's matrix mfos avg; pax has none in the gridworlds).</summary>
    public HiddenAveraging Averaging { get; }

    /// <summary>Weight of the mean in the averaging.</summary>
    public float Lambda { get; }

    /// <summary>How long the meta GRU's state lasts.</summary>
    public MemorySpan MetaMemory { get; }

    /// <summary>Floats of one part's embedding blocks (the layout holds meta, actor, critic embeddings first).</summary>
    internal int EmbeddingCount { get; }

    /// <summary>A part's embedding kernel (the RL trainer's recording seat runs the critic's as well).</summary>
    internal Embedding CreateEmbedding() => new(torso, Hidden);

    /// <inheritdoc/>
    public string Name => "mfos";

    /// <inheritdoc/>
    public IReadOnlyList<ParameterBlock> Layout { get; }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public IGridMetaPolicy CreatePolicy(TrialLayout layout) => new Policy(this, layout);

    /// <summary>One part's path from observation to GRU input gates [3Hp].</summary>
    internal sealed class Embedding
    {
        readonly TorsoSpec spec;
        readonly int h, hp;
        // Dense: the embedding and the GRU's input product folded, gates = x (w_e w_i) + (b_e w_i + b), [obs, 3Hp],
        // since a one-hot observation then costs a few rows instead of a [obs, H] and an [H, 3H] product.
        readonly float[]? folded;
        // Conv: torso, then linear [PaddedFeatures, Hp] and w_i [Hp, 3Hp].
        readonly TorsoKernel? conv;
        readonly float[]? linear, features, embedding;
        readonly float[] linearBias, wi, b;

        public Embedding(TorsoSpec spec, int hidden)
        {
            this.spec = spec;
            h = hidden;
            hp = FastMath.Padded(hidden);
            b = new float[3 * hp];
            linearBias = new float[hp];
            wi = new float[hp * 3 * hp];
            if (spec.Kind == GridTorso.Dense) folded = new float[spec.Game.ObservationSize * 3 * hp];
            else
            {
                conv = new TorsoKernel(spec);
                linear = new float[spec.PaddedFeatures * hp];
                features = new float[spec.PaddedFeatures];
                embedding = new float[hp];
            }
        }

        /// <summary>Reads the embedding's blocks (from <paramref name="embeddingReader"/>) and the GRU's input blocks w_i, b.</summary>
        public void Load(ref BlockReader embeddingReader, ReadOnlySpan<float> gruWi, ReadOnlySpan<float> gruB)
        {
            Layouts.CopyGates(gruWi, h, 3, h, wi, hp);
            Layouts.CopyGates(gruB, 1, 3, h, b, hp);
            if (folded != null)
            {
                var obs = spec.Game.ObservationSize;
                var we = embeddingReader.Next(obs * h);
                var be = embeddingReader.Next(h);
                Array.Clear(folded);
                var rowSum = new float[3 * hp];
                for (var i = 0; i <= obs; i++)
                {
                    var x = i < obs ? we.Slice(i * h, h) : be;
                    rowSum.AsSpan().Clear();
                    for (var k = 0; k < h; k++) FastMath.MultiplyAdd(x[k], wi.AsSpan(k * 3 * hp, 3 * hp), rowSum);
                    if (i < obs) rowSum.CopyTo(folded, i * 3 * hp);
                    else for (var j = 0; j < b.Length; j++) b[j] += rowSum[j];
                }
                return;
            }
            conv!.Load(ref embeddingReader);
            spec.PadFeatureLayer(embeddingReader.Next(spec.Features * h), 1, h).CopyTo(linear!, 0);
            Array.Clear(linearBias);
            embeddingReader.Next(h).CopyTo(linearBias);
        }

        public void Gates(ReadOnlySpan<float> observation, Span<float> gates)
        {
            if (folded != null)
            {
                GridKernels.SparseAffine(observation, folded, b, gates);
                return;
            }
            conv!.Forward(observation, features);
            GridKernels.SparseAffine(features!, linear!, linearBias, embedding!);
            GridKernels.SparseAffine(embedding!, wi, b, gates);
        }
    }

    sealed class Policy : IGridMetaPolicy
    {
        readonly GridMfosAgent agent;
        readonly Embedding meta, actor;
        readonly LogitHead head;
        readonly int rows, groupSize, h, hp, obs, actions;
        readonly float[] metaWh, actorWh; // [H, 3Hp]
        readonly float[] metaOut;         // [H, Hp]
        readonly float[] metaOutBias;     // [Hp]
        readonly float[] th, hMeta, hActor; // [rows, Hp]
        readonly float[] gates, scratch, mean, product;

        public Policy(GridMfosAgent agent, TrialLayout layout)
        {
            this.agent = agent;
            rows = layout.Rows;
            groupSize = layout.Envs;
            h = agent.Hidden;
            hp = FastMath.Padded(h);
            obs = agent.Game.ObservationSize;
            actions = agent.Game.Actions;
            meta = new Embedding(agent.torso, h);
            actor = new Embedding(agent.torso, h);
            head = new LogitHead(h, hp, actions);
            metaWh = new float[h * 3 * hp];
            actorWh = new float[h * 3 * hp];
            metaOut = new float[h * hp];
            metaOutBias = new float[hp];
            th = new float[rows * hp];
            hMeta = new float[rows * hp];
            hActor = new float[rows * hp];
            gates = new float[3 * hp];
            scratch = new float[3 * hp];
            mean = new float[hp];
            product = new float[hp];
        }

        public void Load(ReadOnlySpan<float> parameters)
        {
            Layouts.Check(parameters, agent.ParameterCount, "gridworld m-fos");
            var embeddings = agent.EmbeddingCount;
            var gru = 6 * h * h + 3 * h;
            var reader = new BlockReader(parameters[(3 * embeddings)..]);
            var metaWi = reader.Next(3 * h * h);
            var metaWhSource = reader.Next(3 * h * h);
            var metaB = reader.Next(3 * h);
            var actorWi = reader.Next(3 * h * h);
            var actorWhSource = reader.Next(3 * h * h);
            var actorB = reader.Next(3 * h);
            reader.Next(gru); // critic GRU
            var outW = reader.Next(h * h);
            var outB = reader.Next(h);
            var wpi = reader.Next(h * actions);
            var metaReader = new BlockReader(parameters[..embeddings]);
            meta.Load(ref metaReader, metaWi, metaB);
            var actorReader = new BlockReader(parameters.Slice(embeddings, embeddings));
            actor.Load(ref actorReader, actorWi, actorB);
            Layouts.CopyGates(metaWhSource, h, 3, h, metaWh, hp);
            Layouts.CopyGates(actorWhSource, h, 3, h, actorWh, hp);
            Layouts.CopyGates(outW, h, 1, h, metaOut, hp);
            Array.Clear(metaOutBias);
            outB.CopyTo(metaOutBias);
            head.Load(wpi);
        }

        public void BeginTrial(TrialNoise noise, int seat)
        {
            Array.Clear(hMeta);
            Array.Clear(hActor);
            Array.Clear(th);
            for (var r = 0; r < rows; r++) th.AsSpan(r * hp, h).Fill(1f);
        }

        public void BeginEpisode(int episode) { }

        public void Act(ReadOnlySpan<float> observations, Span<float> probabilities)
        {
            if (agent.Averaging == HiddenAveraging.Avg && groupSize > 1)
            {
                FastMath.AverageGroups(hMeta, rows, hp, groupSize, agent.Lambda, mean);
                FastMath.AverageGroups(hActor, rows, hp, groupSize, agent.Lambda, mean);
            }
            for (var r = 0; r < rows; r++)
            {
                var observation = observations.Slice(r * obs, obs);
                var state = hActor.AsSpan(r * hp, hp);
                actor.Gates(observation, gates);
                GridKernels.Gru(gates, actorWh, h, state, scratch);
                var condition = th.AsSpan(r * hp, hp);
                for (var j = 0; j < hp; j++) product[j] = condition[j] * state[j];
                head.Probabilities(product, probabilities.Slice(r * actions, actions));
                meta.Gates(observation, gates);
                GridKernels.Gru(gates, metaWh, h, hMeta.AsSpan(r * hp, hp), scratch);
            }
        }

        public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

        public void EndEpisode(int episode, ReadOnlySpan<float> nextObservations)
        {
            for (var r = 0; r < rows; r++)
            {
                var state = hMeta.AsSpan(r * hp, hp);
                var next = th.AsSpan(r * hp, hp);
                metaOutBias.CopyTo(next);
                for (var k = 0; k < h; k++) FastMath.MultiplyAdd(state[k], metaOut.AsSpan(k * hp, hp), next);
                for (var j = 0; j < h; j++) next[j] = FastMath.Sigmoid(next[j]);
                for (var j = h; j < hp; j++) next[j] = 0;
            }
            Array.Clear(hActor);
            if (agent.MetaMemory == MemorySpan.Episode) Array.Clear(hMeta);
        }
    }
}
