using Hybrid.Shaping;
using Hybrid.Shaping.Agents;
using Xunit;

namespace Hybrid.Shaping.Tests;

/// <summary>Meta-agent architectures: parameter counts of Table 20, the Haiku GRU cell by hand, M-FOS's conditioning, Good Shepherd's table.</summary>
public class AgentTests
{
    [Fact]
    public void ParameterCountsAreThoseOfTable20()
    {
        Assert.Equal(1104, new ShaperAgent(16).ParameterCount);
        Assert.Equal(416, new GoodShepherdAgent(16, 16).ParameterCount);
        Assert.Equal(5360, new MfosAgent(16).ParameterCount);
        Assert.Equal(new ShaperAgent(16).Layout.Sum(b => b.Size), new ShaperAgent(16).ParameterCount);
    }

    static float[] Vector(int n, ulong seed, double scale = 1)
    {
        var rng = SplitMix64.Start(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(scale * (2 * SplitMix64.UnitDouble(ref rng) - 1))).ToArray();
    }

    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>One Haiku GRU step, written out per unit from the formulas (z, r, a with one bias each; r before the matmul).</summary>
    static double[] HandGru(double[] x, double[] h, float[] wi, float[] wh, float[] b, int inputs, int units)
    {
        double Gate(int g, int j, double[] state)
        {
            double sum = b[g * units + j];
            for (var i = 0; i < inputs; i++) sum += x[i] * wi[i * 3 * units + g * units + j];
            for (var k = 0; k < units; k++) sum += state[k] * wh[k * 3 * units + g * units + j];
            return sum;
        }
        var z = Enumerable.Range(0, units).Select(j => Sigmoid(Gate(0, j, h))).ToArray();
        var r = Enumerable.Range(0, units).Select(j => Sigmoid(Gate(1, j, h))).ToArray();
        var rh = h.Select((v, k) => r[k] * v).ToArray();
        var a = Enumerable.Range(0, units).Select(j => Math.Tanh(Gate(2, j, rh))).ToArray();
        return Enumerable.Range(0, units).Select(j => (1 - z[j]) * h[j] + z[j] * a[j]).ToArray();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(19)]
    public void TheShapersGruCellIsHaikusWrittenByHand(int units)
    {
        var agent = new ShaperAgent(units);
        var p = Vector(agent.ParameterCount, (ulong)units, 0.8);
        var wi = p[..(15 * units)];
        var wh = p.AsSpan(15 * units, 3 * units * units).ToArray();
        var b = p.AsSpan(15 * units + 3 * units * units, 3 * units).ToArray();
        var wpi = p.AsSpan(18 * units + 3 * units * units, 2 * units).ToArray();
        var policy = agent.CreatePolicy(new TrialLayout(1, 1));
        policy.Load(p);
        policy.BeginTrial(new TrialNoise(0, 1, 1, 1), 0);
        var h = new double[units];
        var prob = new float[1];
        foreach (var state in new byte[] { 4, 2, 2, 0, 3 })
        {
            var x = new double[5];
            x[state] = 1;
            h = HandGru(x, h, wi, wh, b, 5, units);
            var logits = new double[2];
            for (var k = 0; k < units; k++) { logits[0] += h[k] * wpi[2 * k]; logits[1] += h[k] * wpi[2 * k + 1]; }
            policy.Act(new[] { state }, prob);
            Assert.Equal(Math.Exp(logits[0]) / (Math.Exp(logits[0]) + Math.Exp(logits[1])), prob[0], 5);
        }
    }

    [Fact]
    public void ZeroParametersCooperateWithProbabilityOneHalf()
    {
        foreach (IMetaAgent agent in new IMetaAgent[] { new ShaperAgent(), new MfosAgent(), new GoodShepherdAgent() })
        {
            var policy = agent.CreatePolicy(new TrialLayout(2, 3));
            policy.Load(new float[agent.ParameterCount]);
            policy.BeginTrial(new TrialNoise(0, 1, 1, 6), 0);
            var prob = new float[6];
            policy.Act(new byte[] { 4, 4, 0, 1, 2, 3 }, prob);
            Assert.All(prob, q => Assert.Equal(0.5f, q));
        }
    }

    [Fact]
    public void TheShapersMemorySpansTheTrialUnlessReducedToAnEpisode()
    {
        var p = Vector(1104, 3);
        float First(ShaperAgent agent)
        {
            var policy = agent.CreatePolicy(new TrialLayout(1, 1));
            policy.Load(p);
            policy.BeginTrial(new TrialNoise(0, 1, 1, 1), 0);
            var prob = new float[1];
            policy.Act(new byte[] { 4 }, prob);
            policy.Act(new byte[] { 3 }, prob);
            policy.EndEpisode(0);
            policy.Act(new byte[] { 4 }, prob); // the second episode's first step
            return prob[0];
        }
        var fresh = new ShaperAgent().CreatePolicy(new TrialLayout(1, 1));
        fresh.Load(p);
        fresh.BeginTrial(new TrialNoise(0, 1, 1, 1), 0);
        var start = new float[1];
        fresh.Act(new byte[] { 4 }, start);
        Assert.Equal(start[0], First(new ShaperAgent(memory: MemorySpan.Episode)));
        Assert.NotEqual(start[0], First(new ShaperAgent(memory: MemorySpan.Trial)));
    }

    [Fact]
    public void AveragingMixesEachRowWithItsGroupsMean()
    {
        // two groups of two rows, width 8 (one padded vector)
        var h = Enumerable.Range(0, 32).Select(i => (float)i).ToArray();
        var mean = new float[8];
        FastMath.AverageGroups(h, 4, 8, 2, 0.5f, mean);
        for (var j = 0; j < 8; j++)
        {
            Assert.Equal(0.5f * (j + 8 + j) / 2 + 0.5f * j, h[j], 5);
            Assert.Equal(0.5f * (j + 8 + j) / 2 + 0.5f * (8 + j), h[8 + j], 5);
            Assert.Equal(0.5f * (16 + j + 24 + j) / 2 + 0.5f * (16 + j), h[16 + j], 5);
        }
        var full = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        FastMath.AverageGroups(full, 2, 8, 2, 1f, mean);
        Assert.Equal(full[..8], full[8..]);
    }

    [Fact]
    public void AveragingCouplesTheEnvironmentsOfOneCoPlayerOnly()
    {
        var p = Vector(1104, 9);
        float[] Run(HiddenAveraging averaging)
        {
            var policy = new ShaperAgent(averaging: averaging).CreatePolicy(new TrialLayout(2, 2));
            policy.Load(p);
            policy.BeginTrial(new TrialNoise(0, 1, 1, 4), 0);
            var prob = new float[4];
            policy.Act(new byte[] { 4, 4, 4, 4 }, prob);
            policy.Act(new byte[] { 0, 3, 0, 0 }, prob); // co-player 0's envs diverge, co-player 1's agree
            policy.Act(new byte[] { 0, 0, 0, 0 }, prob);
            return prob;
        }
        var plain = Run(HiddenAveraging.Nothing);
        var averaged = Run(HiddenAveraging.Avg);
        Assert.NotEqual(plain[0], averaged[0]);
        Assert.NotEqual(plain[1], averaged[1]);
        Assert.Equal(plain[2], averaged[2], 6); // identical histories: the mean is the row itself
        Assert.Equal(plain[3], averaged[3], 6);
    }

    [Fact]
    public void MfosConditionsTheActorOnTheMetaOutputOfThePreviousEpisode()
    {
        var agent = new MfosAgent();
        var p = Vector(agent.ParameterCount, 21, 0.7);
        var policy = agent.CreatePolicy(new TrialLayout(1, 1));
        policy.Load(p);
        policy.BeginTrial(new TrialNoise(0, 1, 1, 1), 0);
        var prob = new float[1];
        policy.Act(new byte[] { 4 }, prob);
        var firstEpisode = prob[0];
        policy.Act(new byte[] { 1 }, prob);
        policy.EndEpisode(0);
        policy.Act(new byte[] { 4 }, prob);
        Assert.NotEqual(firstEpisode, prob[0]); // same observation, reset actor: only th changed

        // By hand: th = 1 in the first episode, so P(C) is the actor GRU's alone.
        var h = 16;
        var embedding = p[..(5 * h)];
        var embeddingBias = p.AsSpan(5 * h, h).ToArray();
        var offset = 18 * h + 3 * (6 * h * h + 3 * h); // the three embeddings and the three GRUs come first
        var actorStart = 18 * h + (3 * h * h * 2 + 3 * h);
        var wi = p.AsSpan(actorStart, 3 * h * h).ToArray();
        var wh = p.AsSpan(actorStart + 3 * h * h, 3 * h * h).ToArray();
        var b = p.AsSpan(actorStart + 6 * h * h, 3 * h).ToArray();
        var actorEmbedding = p.AsSpan(6 * h, 5 * h).ToArray();
        var actorBias = p.AsSpan(11 * h, h).ToArray();
        var x = Enumerable.Range(0, h).Select(i => (double)actorEmbedding[4 * h + i] + actorBias[i]).ToArray();
        var hidden = HandGru(x, new double[h], wi, wh, b, h, h);
        var wpi = p.AsSpan(offset + h * h + h, 2 * h).ToArray();
        double l0 = 0, l1 = 0;
        for (var k = 0; k < h; k++) { l0 += hidden[k] * wpi[2 * k]; l1 += hidden[k] * wpi[2 * k + 1]; }
        Assert.Equal(Sigmoid(l0 - l1), firstEpisode, 5);
        Assert.Equal(embedding.Length, 5 * h);
        Assert.Equal(embeddingBias.Length, h);
    }

    [Fact]
    public void MfosMetaMemoryPerTrialDiffersFromPerEpisodeOnlyFromTheThirdEpisode()
    {
        var p = Vector(5360, 5, 0.7);
        float[] Run(MemorySpan memory)
        {
            var policy = new MfosAgent(metaMemory: memory).CreatePolicy(new TrialLayout(1, 1));
            policy.Load(p);
            policy.BeginTrial(new TrialNoise(0, 1, 1, 1), 0);
            var prob = new float[1];
            var firsts = new List<float>();
            for (var episode = 0; episode < 3; episode++)
            {
                policy.Act(new byte[] { 4 }, prob);
                firsts.Add(prob[0]);
                policy.Act(new byte[] { 2 }, prob);
                policy.EndEpisode(episode);
            }
            return firsts.ToArray();
        }
        var episodic = Run(MemorySpan.Episode);
        var trial = Run(MemorySpan.Trial);
        Assert.Equal(episodic[0], trial[0]);
        Assert.Equal(episodic[1], trial[1]); // th after episode 1 comes from the same meta state
        Assert.NotEqual(episodic[2], trial[2]);
    }

    [Fact]
    public void GoodShepherdIsATableOfItsMlp()
    {
        var agent = new GoodShepherdAgent(3, 2);
        var p = Vector(agent.ParameterCount, 4, 0.9);
        var table = agent.CooperationTable(p);
        // by hand for state DC (index 2): layer 1 = tanh(w1[2] + b1), layer 2 = tanh(h1 w2 + b2), logits = h2 w_pi
        var w1 = p[..15]; var b1 = p[15..18]; var w2 = p[18..24]; var b2 = p[24..26]; var wpi = p[26..30];
        var h1 = Enumerable.Range(0, 3).Select(j => Math.Tanh(w1[2 * 3 + j] + b1[j])).ToArray();
        var h2 = Enumerable.Range(0, 2).Select(j => Math.Tanh(b2[j] + Enumerable.Range(0, 3).Sum(i => h1[i] * w2[i * 2 + j]))).ToArray();
        var d = h2[0] * (wpi[0] - wpi[1]) + h2[1] * (wpi[2] - wpi[3]);
        Assert.Equal(Sigmoid(d), table[2], 6);
        var policy = agent.CreatePolicy(new TrialLayout(1, 5));
        policy.Load(p);
        var prob = new float[5];
        policy.Act(new byte[] { 0, 1, 2, 3, 4 }, prob);
        for (var s = 0; s < 5; s++) Assert.Equal(table[s], prob[s], 6);
    }

    [Fact]
    public void AVectorOfTheWrongLengthIsRefused()
    {
        var policy = new ShaperAgent().CreatePolicy(new TrialLayout(1, 1));
        var e = Assert.Throws<ArgumentException>(() => policy.Load(new float[1103]));
        Assert.Contains("1104", e.Message);
    }
}

/// <summary>The attention variant of batch averaging.</summary>
public class AttentionTests
{
    [Fact]
    public void AttentionAddsItsBlocksToTheShaper()
    {
        var agent = new ShaperAgent(16, HiddenAveraging.Att);
        Assert.Equal(1104 + 2 * 32 + 4 * 272 + 272, agent.ParameterCount);
        Assert.Throws<ArgumentException>(() => new MfosAgent(16, HiddenAveraging.Att));
    }

    [Fact]
    public void WithZeroAttentionWeightsTheMixHalvesTheState()
    {
        var attention = new SelfAttention(3, 8, 2);
        attention.Load(new float[SelfAttention.Count(3)]);
        var x = new float[16];
        for (var j = 0; j < 3; j++) { x[j] = j + 1; x[8 + j] = -2 * j; }
        var before = x.ToArray();
        attention.Mix(x);
        for (var j = 0; j < 16; j++) Assert.Equal(0.5f * before[j], x[j]);
    }

    [Fact]
    public void TheMixIsEquivariantToReorderingTheEnvironmentsAndMatchesAHandComputationForOneEnv()
    {
        var rng = SplitMix64.Start(8);
        var p = Enumerable.Range(0, SelfAttention.Count(4)).Select(_ => (float)(SplitMix64.UnitDouble(ref rng) - 0.5)).ToArray();
        var attention = new SelfAttention(4, 8, 3);
        attention.Load(p);
        var rows = new[] { new float[] { 0.3f, -0.2f, 0.9f, 0.1f }, new float[] { -0.5f, 0.4f, 0.0f, 0.7f }, new float[] { 0.2f, 0.2f, -0.6f, -0.3f } };
        float[] Mix(int[] order)
        {
            var x = new float[24];
            for (var e = 0; e < 3; e++) rows[order[e]].CopyTo(x, e * 8);
            attention.Mix(x);
            return x;
        }
        var a = Mix(new[] { 0, 1, 2 });
        var b = Mix(new[] { 2, 0, 1 });
        for (var j = 0; j < 4; j++)
        {
            Assert.Equal(a[j], b[8 + j], 5);
            Assert.Equal(a[8 + j], b[16 + j], 5);
            Assert.Equal(a[16 + j], b[j], 5);
        }
        // One environment: both layer norms see a single sample, so they output their offsets; the mix is
        // 0.5 x + 0.5 (offset2 W_mlp + b_mlp), whatever the attention weights.
        var single = new SelfAttention(4, 8, 1);
        single.Load(p);
        var y = new float[8];
        rows[0].CopyTo(y, 0);
        single.Mix(y);
        var offset2 = p.AsSpan(4 + 4 + 4 * 20 + 4, 4).ToArray();
        var wm = p.AsSpan(4 + 4 + 4 * 20 + 8, 16).ToArray();
        var bm = p.AsSpan(4 + 4 + 4 * 20 + 24, 4).ToArray();
        for (var j = 0; j < 4; j++)
        {
            var mlp = bm[j] + Enumerable.Range(0, 4).Sum(i => offset2[i] * wm[i * 4 + j]);
            Assert.Equal(0.5 * rows[0][j] + 0.5 * mlp, y[j], 5);
        }
    }
}
