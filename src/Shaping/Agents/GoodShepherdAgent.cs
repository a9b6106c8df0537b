namespace Hybrid.Shaping.Agents;

/// <summary>
/// Good Shepherd in the matrix games (thesis section 4.3; pax agent 'PPO' under the evo runner): a memoryless MLP with
/// tanh layers on the one-hot(5) observation and bias-free heads, trained by ES after whole trials. Its only history is
/// the observation (the previous joint action), so its policy is a table of P(cooperate | state), computed once per
/// parameter vector. Layout (416 parameters for [16, 16], as Table 20): per layer w [in, out], b [out]; then
/// w_pi [last, 2], w_v [last, 1].
/// </summary>
public sealed class GoodShepherdAgent : IMetaAgent
{
    readonly int[] widths;

    /// <summary>A Good Shepherd with tanh layers of the given widths (pax: 16, 16).</summary>
    public GoodShepherdAgent(params int[] hidden)
    {
        if (hidden.Length == 0) hidden = new[] { 16, 16 };
        if (hidden.Any(w => w < 1)) throw new ArgumentOutOfRangeException(nameof(hidden), "layer widths must be at least 1");
        widths = hidden.ToArray();
        var blocks = new List<ParameterBlock>();
        var input = 5;
        for (var l = 0; l < widths.Length; l++)
        {
            blocks.Add(new ParameterBlock($"mlp/{l}/w", input, widths[l]));
            blocks.Add(new ParameterBlock($"mlp/{l}/b", widths[l]));
            input = widths[l];
        }
        blocks.Add(new ParameterBlock("logits/w", input, 2));
        blocks.Add(new ParameterBlock("value/w", input, 1));
        Layout = blocks;
        ParameterCount = Layouts.Count(blocks);
    }

    /// <summary>Widths of the tanh layers.</summary>
    public IReadOnlyList<int> Widths => widths;

    /// <inheritdoc/>
    public string Name => "gs";

    /// <inheritdoc/>
    public IReadOnlyList<ParameterBlock> Layout { get; }

    /// <inheritdoc/>
    public int ParameterCount { get; }

    /// <inheritdoc/>
    public IMetaPolicy CreatePolicy(TrialLayout layout) => new Policy(this, layout);

    /// <summary>P(cooperate | state) for the five states CC, CD, DC, DD, START.</summary>
    public double[] CooperationTable(ReadOnlySpan<float> parameters)
    {
        Layouts.Check(parameters, ParameterCount, "the good shepherd");
        var table = new double[5];
        for (var s = 0; s < 5; s++)
        {
            var reader = new BlockReader(parameters);
            var x = new double[5];
            x[s] = 1;
            foreach (var width in widths)
            {
                var w = reader.Next(x.Length * width);
                var b = reader.Next(width);
                var y = new double[width];
                for (var j = 0; j < width; j++)
                {
                    double sum = b[j];
                    for (var i = 0; i < x.Length; i++) sum += x[i] * w[i * width + j];
                    y[j] = Math.Tanh(sum);
                }
                x = y;
            }
            var wpi = reader.Next(2 * x.Length);
            double difference = 0;
            for (var i = 0; i < x.Length; i++) difference += x[i] * (wpi[2 * i] - wpi[2 * i + 1]);
            table[s] = 1 / (1 + Math.Exp(-difference));
        }
        return table;
    }

    sealed class Policy(GoodShepherdAgent agent, TrialLayout layout) : IMetaPolicy
    {
        readonly float[] table = new float[5];
        readonly int rows = layout.Rows;

        public void Load(ReadOnlySpan<float> parameters)
        {
            var t = agent.CooperationTable(parameters);
            for (var s = 0; s < 5; s++) table[s] = (float)t[s];
        }

        public void BeginTrial(TrialNoise noise, int seat) { }

        public void BeginEpisode(int episode) { }

        public void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate)
        {
            for (var r = 0; r < rows; r++) probCooperate[r] = table[observations[r]];
        }

        public void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards) { }

        public void EndEpisode(int episode) { }
    }
}
