namespace Hybrid.Shaping.Agents;

/// <summary>
/// M-FOS as pax trains it by ES in the matrix games (<c>ActorCriticMFOS</c>; thesis section 4.3): three Linear(H)
/// embeddings of the observation feed a meta GRU, an actor GRU and a critic GRU (Haiku cells); logits =
/// W_pi (th * h_actor), value = W_v (th * h_critic), and th_next = sigmoid(W_m h_meta + b_m). At the end of every episode
/// th &lt;- th_next of its last step, so the meta-agent outputs a conditioning vector th in (0, 1)^H that is fixed for the
/// next episode; th = 1 at the start of a trial. Memory: pax resets every hidden state (meta too) after each episode
/// (<see cref="MetaMemory"/> = Episode, the default); Trial keeps the meta GRU's state over the trial (the thesis'
/// FAQ) and resets the actor's. The critic never influences an action, so the trial kernel skips it. Layout (5360
/// parameters at H = 16, Table 20): meta_in, actor_in, critic_in (w [5, H], b [H] each); meta_gru, actor_gru,
/// critic_gru (w_i [H, 3H], w_h [H, 3H], b [3H] each); meta_out w [H, H], b [H]; logits w [H, 2]; value w [H, 1].
/// </summary>
public sealed class MfosAgent : IMetaAgent
{
    /// <summary>An M-FOS agent with <paramref name="hidden"/> units per part.</summary>
    public MfosAgent(int hidden = 16, HiddenAveraging averaging = HiddenAveraging.Nothing, float lambda = 0.5f, MemorySpan metaMemory = MemorySpan.Episode)
    {
        Layouts.CheckRecurrent(hidden, lambda);
        if (averaging == HiddenAveraging.Att) throw new ArgumentException("averaging=att is the Shaper's (pax has no attention variant of M-FOS); M-FOS takes nothing or avg");
        Hidden = hidden;
        Averaging = averaging;
        Lambda = lambda;
        MetaMemory = metaMemory;
        var blocks = new List<ParameterBlock>();
        foreach (var part in new[] { "meta_in", "actor_in", "critic_in" })
        {
            blocks.Add(new ParameterBlock($"{part}/w", 5, hidden));
            blocks.Add(new ParameterBlock($"{part}/b", hidden));
        }
        foreach (var part in new[] { "meta_gru", "actor_gru", "critic_gru" })
        {
            blocks.Add(new ParameterBlock($"{part}/w_i", hidden, 3 * hidden));
            blocks.Add(new ParameterBlock($"{part}/w_h", hidden, 3 * hidden));
            blocks.Add(new ParameterBlock($"{part}/b", 3 * hidden));
        }
        blocks.Add(new ParameterBlock("meta_out/w", hidden, hidden));
        blocks.Add(new ParameterBlock("meta_out/b", hidden));
        blocks.Add(new ParameterBlock("logits/w", hidden, 2));
        blocks.Add(new ParameterBlock("value/w", hidden, 1));
        Layout = blocks;
        ParameterCount = Layouts.Count(blocks);
    }

    /// <summary>Units of each part.</summary>
    public int Hidden { get; }

    /// <summary>Batch averaging, applied to every hidden part before each step (pax's mfos avg).</summary>
    public HiddenAveraging Averaging { get; }

    /// <summary>Weight of the mean in the averaging.</summary>
    public float Lambda { get; }

    /// <summary>How long the meta GRU's state lasts.</summary>
    public MemorySpan MetaMemory { get; }

    /// <inheritdoc/>
    public string Name => "mfos";

    /// <inheritdoc/>
    public IReadOnlyList<ParameterBlock> Layout { get; }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public IMetaPolicy CreatePolicy(TrialLayout layout) => new Policy(this, layout);

    sealed class Policy : IMetaPolicy
    {
        readonly MfosAgent agent;
        readonly int rows, groupSize, h, hp;
        readonly float[] metaGates, actorGates; // [5, 3Hp]: (embedding(s)) w_i + b
        readonly float[] metaWh, actorWh;       // [H, 3Hp]
        readonly float[] metaOut;               // [H, Hp]
        readonly float[] metaOutBias;           // [Hp]
        readonly float[] logitDifference;       // [Hp]
        readonly float[] th, hMeta, hActor;     // [rows, Hp]
        readonly float[] scratch, mean, product;

        public Policy(MfosAgent agent, TrialLayout layout)
        {
            this.agent = agent;
            rows = layout.Rows;
            groupSize = layout.Envs;
            h = agent.Hidden;
            hp = FastMath.Padded(h);
            metaGates = new float[5 * 3 * hp];
            actorGates = new float[5 * 3 * hp];
            metaWh = new float[h * 3 * hp];
            actorWh = new float[h * 3 * hp];
            metaOut = new float[h * hp];
            metaOutBias = new float[hp];
            logitDifference = new float[hp];
            th = new float[rows * hp];
            hMeta = new float[rows * hp];
            hActor = new float[rows * hp];
            scratch = new float[3 * hp];
            mean = new float[hp];
            product = new float[hp];
        }

        public void Load(ReadOnlySpan<float> parameters)
        {
            Layouts.Check(parameters, agent.ParameterCount, "m-fos");
            var reader = new BlockReader(parameters);
            var metaEmbedding = reader.Next(5 * h);
            var metaEmbeddingBias = reader.Next(h);
            var actorEmbedding = reader.Next(5 * h);
            var actorEmbeddingBias = reader.Next(h);
            reader.Next(6 * h); // critic embedding: the critic never acts
            var metaWi = reader.Next(3 * h * h);
            var metaWhSource = reader.Next(3 * h * h);
            var metaB = reader.Next(3 * h);
            var actorWi = reader.Next(3 * h * h);
            var actorWhSource = reader.Next(3 * h * h);
            var actorB = reader.Next(3 * h);
            reader.Next(6 * h * h + 3 * h); // critic GRU
            var outW = reader.Next(h * h);
            var outB = reader.Next(h);
            var wpi = reader.Next(2 * h);
            InputGates(metaEmbedding, metaEmbeddingBias, metaWi, metaB, metaGates);
            InputGates(actorEmbedding, actorEmbeddingBias, actorWi, actorB, actorGates);
            Layouts.CopyGates(metaWhSource, h, 3, h, metaWh, hp);
            Layouts.CopyGates(actorWhSource, h, 3, h, actorWh, hp);
            Layouts.CopyGates(outW, h, 1, h, metaOut, hp);
            Array.Clear(metaOutBias);
            outB.CopyTo(metaOutBias);
            Layouts.LogitDifference(wpi, h, logitDifference);
        }

        // The observation is one-hot, so embedding and input product are one row per state: (w_e[s] + b_e) w_i + b.
        void InputGates(ReadOnlySpan<float> embedding, ReadOnlySpan<float> embeddingBias, ReadOnlySpan<float> wi, ReadOnlySpan<float> b, float[] gates)
        {
            Array.Clear(gates);
            for (var s = 0; s < 5; s++)
                for (var g = 0; g < 3; g++)
                    for (var j = 0; j < h; j++)
                    {
                        double sum = b[g * h + j];
                        for (var i = 0; i < h; i++) sum += (embedding[s * h + i] + embeddingBias[i]) * wi[i * 3 * h + g * h + j];
                        gates[s * 3 * hp + g * hp + j] = (float)sum;
                    }
        }

        public void BeginTrial(TrialNoise noise, int seat)
        {
            Array.Clear(hMeta);
            Array.Clear(hActor);
            for (var r = 0; r < rows; r++) th.AsSpan(r * hp, h).Fill(1f);
        }

        public void BeginEpisode(int episode) { }

        public void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate)
        {
            if (agent.Averaging == HiddenAveraging.Avg && groupSize > 1)
            {
                FastMath.AverageGroups(hMeta, rows, hp, groupSize, agent.Lambda, mean);
                FastMath.AverageGroups(hActor, rows, hp, groupSize, agent.Lambda, mean);
            }
            var stride = 3 * hp;
            for (var r = 0; r < rows; r++)
            {
                var actor = hActor.AsSpan(r * hp, hp);
                FastMath.HaikuGru(actorGates.AsSpan(observations[r] * stride, stride), actorWh, h, actor, scratch);
                var condition = th.AsSpan(r * hp, hp);
                for (var j = 0; j < hp; j++) product[j] = condition[j] * actor[j];
                probCooperate[r] = FastMath.Sigmoid(FastMath.Dot(product, logitDifference));
                FastMath.HaikuGru(metaGates.AsSpan(observations[r] * stride, stride), metaWh, h, hMeta.AsSpan(r * hp, hp), scratch);
            }
        }

        public void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

        public void EndEpisode(int episode)
        {
            for (var r = 0; r < rows; r++)
            {
                var meta = hMeta.AsSpan(r * hp, hp);
                var next = th.AsSpan(r * hp, hp);
                metaOutBias.CopyTo(next);
                for (var k = 0; k < h; k++) FastMath.MultiplyAdd(meta[k], metaOut.AsSpan(k * hp, hp), next);
                for (var j = 0; j < h; j++) next[j] = FastMath.Sigmoid(next[j]);
                for (var j = h; j < hp; j++) next[j] = 0;
            }
            Array.Clear(hActor);
            if (agent.MetaMemory == MemorySpan.Episode) Array.Clear(hMeta);
        }
    }
}
