namespace Hybrid.Shaping.Agents;

/// <summary>
/// The Shaper of the matrix games (thesis section 4.3; pax's <c>make_GRU_ipd_network</c> under the evo runner): a
/// Haiku GRU of <see cref="Hidden"/> units reads the one-hot(5) observation, bias-free linear heads give two logits and
/// a value (unused under ES). The hidden state is carried over the whole trial (<see cref="Memory"/> = Trial) and
/// optionally averaged over the co-player's environments before each step. Layout (1104 parameters at 16 units, as
/// Table 20): w_i [5, 3H] (gates z | r | a), w_h [H, 3H], b [3H], w_pi [H, 2], w_v [H, 1]; with Att averaging the
/// attention blocks of <see cref="SelfAttention"/> follow.
/// </summary>
public sealed class ShaperAgent : IMetaAgent
{
    /// <summary>A Shaper with <paramref name="hidden"/> GRU units.</summary>
    public ShaperAgent(int hidden = 16, HiddenAveraging averaging = HiddenAveraging.Nothing, float lambda = 0.5f, MemorySpan memory = MemorySpan.Trial)
    {
        Layouts.CheckRecurrent(hidden, lambda);
        Hidden = hidden;
        Averaging = averaging;
        Lambda = lambda;
        Memory = memory;
        var blocks = new List<ParameterBlock>
        {
            new("gru/w_i", 5, 3 * hidden), new("gru/w_h", hidden, 3 * hidden), new("gru/b", 3 * hidden),
            new("logits/w", hidden, 2), new("value/w", hidden, 1),
        };
        if (averaging == HiddenAveraging.Att) blocks.AddRange(SelfAttention.Blocks(hidden));
        Layout = blocks;
        ParameterCount = Layouts.Count(Layout);
    }

    /// <summary>GRU units.</summary>
    public int Hidden { get; }

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
    public IMetaPolicy CreatePolicy(TrialLayout layout) => new Policy(this, layout);

    sealed class Policy : IMetaPolicy
    {
        readonly ShaperAgent agent;
        readonly int rows, groupSize, h, hp;
        readonly float[] inputGates; // [5, 3Hp]: w_i[s] + b
        readonly float[] wh;         // [H, 3Hp]
        readonly float[] logitDifference; // [Hp]: w_pi[:, 0] - w_pi[:, 1]
        readonly float[] hidden;     // [rows, Hp]
        readonly float[] scratch, mean;
        readonly SelfAttention? attention;

        public Policy(ShaperAgent agent, TrialLayout layout)
        {
            this.agent = agent;
            rows = layout.Rows;
            groupSize = layout.Envs;
            h = agent.Hidden;
            hp = FastMath.Padded(h);
            inputGates = new float[5 * 3 * hp];
            wh = new float[h * 3 * hp];
            logitDifference = new float[hp];
            hidden = new float[rows * hp];
            scratch = new float[3 * hp];
            mean = new float[hp];
            if (agent.Averaging == HiddenAveraging.Att) attention = new SelfAttention(h, hp, groupSize);
        }

        public void Load(ReadOnlySpan<float> parameters)
        {
            Layouts.Check(parameters, agent.ParameterCount, "the shaper");
            var reader = new BlockReader(parameters);
            var wi = reader.Next(5 * 3 * h);
            var whSource = reader.Next(h * 3 * h);
            var b = reader.Next(3 * h);
            var wpi = reader.Next(2 * h);
            reader.Next(h);
            attention?.Load(reader.Next(SelfAttention.Count(h)));
            Layouts.CopyGates(wi, 5, 3, h, inputGates, hp);
            Layouts.CopyGates(whSource, h, 3, h, wh, hp);
            for (var s = 0; s < 5; s++)
                for (var g = 0; g < 3; g++)
                    for (var j = 0; j < h; j++) inputGates[s * 3 * hp + g * hp + j] += b[g * h + j];
            Layouts.LogitDifference(wpi, h, logitDifference);
        }

        public void BeginTrial(TrialNoise noise, int seat) => Array.Clear(hidden);

        public void BeginEpisode(int episode) { }

        public void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate)
        {
            if (agent.Averaging == HiddenAveraging.Avg && groupSize > 1) FastMath.AverageGroups(hidden, rows, hp, groupSize, agent.Lambda, mean);
            if (attention != null)
                for (var g = 0; g < rows; g += groupSize) attention.Mix(hidden.AsSpan(g * hp, groupSize * hp));
            var stride = 3 * hp;
            for (var r = 0; r < rows; r++)
            {
                var state = hidden.AsSpan(r * hp, hp);
                FastMath.HaikuGru(inputGates.AsSpan(observations[r] * stride, stride), wh, h, state, scratch);
                probCooperate[r] = FastMath.Sigmoid(FastMath.Dot(state, logitDifference));
            }
        }

        public void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

        public void EndEpisode(int episode)
        {
            if (agent.Memory == MemorySpan.Episode) Array.Clear(hidden);
        }
    }
}
