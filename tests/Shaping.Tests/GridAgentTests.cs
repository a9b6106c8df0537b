using Hybrid.Shaping;
using Hybrid.Shaping.Agents;
using Hybrid.Shaping.Grid;
using Xunit;
using ParameterBlock = Hybrid.Shaping.Agents.ParameterBlock;

namespace Hybrid.Shaping.Tests;

/// <summary>
/// The gridworld meta-agents: parameter counts against Table 20, the float32 kernels against a naive float64 forward
/// written from the layout, and the memory semantics of each agent.
/// </summary>
public class GridAgentTests
{
    /// <summary>pax's InTheMatrix observation (cnn = True): "observation" (OBS_SIZE 5, OBS_SIZE 5, len(Items) - 1 + 4 = 10), "inventory" (NUM_COIN_TYPES + 4 = 6).</summary>
    static readonly GridGame PaxInTheMatrix = new("in_the_matrix", 5 * 5 * 10 + 6, 5, 5, 10, 6);

    /// <summary>A small game that exercises padding everywhere: 3 x 3 x 2 view, 2 inventory floats.</summary>
    static readonly GridGame Tiny = new("tiny", 3 * 3 * 2 + 2, 5, 3, 2, 2);

    [Fact]
    public void ParameterCountsAreThoseOfTable20()
    {
        Assert.Equal(2272, new GridShaperAgent(GridGame.CoinGame).ParameterCount);
        Assert.Equal(688, new GridGoodShepherdAgent(GridGame.CoinGame).ParameterCount);
        Assert.Equal(6896, new GridMfosAgent(GridGame.CoinGame).ParameterCount);
        Assert.Equal(3892, new GridGoodShepherdAgent(PaxInTheMatrix).ParameterCount);
        Assert.Equal(29024, new GridMfosAgent(PaxInTheMatrix).ParameterCount);
        // pax's make_GRU_ipditm_network at hidden 32, channels 16: conv 3*3*10*16 + 16 = 1456, w_i (25*16 + 6) x 96 =
        // 38976, w_h 32 x 96 = 3072, b 96, heads 32 x 5 + 32 = 192: 43792, exactly twice Table 20's 21896.
        Assert.Equal(1456 + 38976 + 3072 + 96 + 192, new GridShaperAgent(PaxInTheMatrix).ParameterCount);
        Assert.Equal(2 * 21896, new GridShaperAgent(PaxInTheMatrix).ParameterCount);
    }

    [Fact]
    public void OurStorm2pObservationHasPaxsShapeSoTheCountsAgree()
    {
        var ours = GridGame.Storm2p;
        Assert.Equal((PaxInTheMatrix.ObservationSize, PaxInTheMatrix.ViewSide, PaxInTheMatrix.ViewChannels, PaxInTheMatrix.Inventory),
            (ours.ObservationSize, ours.ViewSide, ours.ViewChannels, ours.Inventory));
        Assert.Equal(43792, new GridShaperAgent(ours).ParameterCount);
        Assert.Equal(3892, new GridGoodShepherdAgent(ours).ParameterCount);
        Assert.Equal(29024, new GridMfosAgent(ours).ParameterCount);
        Assert.Equal(GridTorso.Dense, GridTorsos.For(GridGame.CoinGame));
        Assert.Equal(GridTorso.Conv, GridTorsos.For(ours));
    }

    [Fact]
    public void TheLayoutsAddUpToTheCounts()
    {
        foreach (var agent in Agents(GridGame.CoinGame).Concat(Agents(GridGame.Storm2p)).Concat(Agents(Tiny)))
        {
            Assert.Equal(agent.Layout.Sum(b => b.Size), agent.ParameterCount);
            Assert.Equal(agent.Layout.Count, agent.Layout.Select(b => b.Name).Distinct().Count());
        }
    }

    static IEnumerable<IGridMetaAgent> Agents(GridGame game, HiddenAveraging averaging = HiddenAveraging.Nothing) =>
    [
        new GridShaperAgent(game, averaging: averaging), new GridGoodShepherdAgent(game), new GridMfosAgent(game, averaging: averaging),
    ];

    static IEnumerable<IGridMetaAgent> SmallAgents(GridGame game, HiddenAveraging averaging = HiddenAveraging.Nothing) =>
    [
        new GridShaperAgent(game, hidden: 5, channels: 3, averaging: averaging), new GridGoodShepherdAgent(game, width: 3),
        new GridMfosAgent(game, hidden: 5, channels: 3, averaging: averaging),
    ];

    static float[] Vector(int n, ulong seed, double scale)
    {
        var rng = SplitMix64.Start(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(scale * (2 * SplitMix64.UnitDouble(ref rng) - 1))).ToArray();
    }

    /// <summary>Observations shaped like the games': one-hot planes (Coin: one cell per channel; others: sparse cells) plus small inventories.</summary>
    static float[] Observations(GridGame game, int rows, ulong seed, bool dense = false)
    {
        var rng = SplitMix64.Start(seed);
        var cells = game.ViewSide * game.ViewSide;
        var o = new float[rows * game.ObservationSize];
        for (var r = 0; r < rows; r++)
        {
            var row = o.AsSpan(r * game.ObservationSize, game.ObservationSize);
            if (dense)
            {
                for (var i = 0; i < row.Length; i++) row[i] = (float)(2 * SplitMix64.UnitDouble(ref rng) - 1);
                continue;
            }
            if (game.Inventory == 0)
                for (var c = 0; c < game.ViewChannels; c++) row[(int)(SplitMix64.UnitDouble(ref rng) * cells) * game.ViewChannels + c] = 1;
            else
            {
                for (var cell = 0; cell < cells; cell++)
                    if (SplitMix64.UnitDouble(ref rng) < 0.3) row[cell * game.ViewChannels + (int)(SplitMix64.UnitDouble(ref rng) * game.ViewChannels)] = 1;
                for (var i = 0; i < game.Inventory; i++) row[cells * game.ViewChannels + i] = (int)(SplitMix64.UnitDouble(ref rng) * 4);
            }
        }
        return o;
    }

    // ---- a naive float64 forward, written from the layout's block names and pax's formulas ----

    sealed class Reference
    {
        readonly Dictionary<string, double[]> p = new();
        readonly Dictionary<string, int[]> shapes = new();
        readonly GridGame game;
        readonly IGridMetaAgent agent;
        readonly int rows, envs;
        double[][] h = [], hMeta = [], hActor = [], th = [];

        public Reference(IGridMetaAgent agent, GridGame game, float[] parameters, TrialLayout layout)
        {
            this.agent = agent;
            this.game = game;
            rows = layout.Rows;
            envs = layout.Envs;
            var offset = 0;
            foreach (var block in agent.Layout)
            {
                p[block.Name] = parameters.AsSpan(offset, block.Size).ToArray().Select(v => (double)v).ToArray();
                shapes[block.Name] = block.Shape;
                offset += block.Size;
            }
            Assert.Equal(parameters.Length, offset);
        }

        int Hidden(string gru) => shapes[$"{gru}/w_h"][0];

        double[] Dense(string prefix, double[] x)
        {
            var w = p[$"{prefix}/w"];
            var b = p[$"{prefix}/b"];
            var y = (double[])b.Clone();
            for (var i = 0; i < x.Length; i++)
                for (var j = 0; j < y.Length; j++) y[j] += x[i] * w[i * y.Length + j];
            return y;
        }

        /// <summary>Conv2D 3 x 3, stride 1, SAME (pad 1 each side), bias, ReLU, flatten [row, col, channel], then the inventory.</summary>
        double[] Conv(string prefix, double[] obs)
        {
            var w = p[$"{prefix}/w"];
            var b = p[$"{prefix}/b"];
            int side = game.ViewSide, cin = game.ViewChannels, cout = b.Length;
            var result = new List<double>();
            for (var y = 0; y < side; y++)
                for (var x = 0; x < side; x++)
                    for (var o = 0; o < cout; o++)
                    {
                        var sum = b[o];
                        for (var ky = 0; ky < 3; ky++)
                            for (var kx = 0; kx < 3; kx++)
                            {
                                int iy = y + ky - 1, ix = x + kx - 1;
                                if (iy < 0 || iy >= side || ix < 0 || ix >= side) continue;
                                for (var c = 0; c < cin; c++) sum += obs[(iy * side + ix) * cin + c] * w[((ky * 3 + kx) * cin + c) * cout + o];
                            }
                        result.Add(Math.Max(0, sum));
                    }
            result.AddRange(obs.Skip(side * side * cin));
            return result.ToArray();
        }

        static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

        /// <summary>Haiku's GRU: z, r = sigmoid(x Wi + h Wh + b), a = tanh(x Wi_a + (r h) Wh_a + b_a), h' = (1 - z) h + z a.</summary>
        double[] Gru(string prefix, double[] x, double[] state)
        {
            var wi = p[$"{prefix}/w_i"];
            var wh = p[$"{prefix}/w_h"];
            var b = p[$"{prefix}/b"];
            var n = state.Length;
            double Gate(int g, int j, double[] hh)
            {
                var sum = b[g * n + j];
                for (var i = 0; i < x.Length; i++) sum += x[i] * wi[i * 3 * n + g * n + j];
                for (var k = 0; k < n; k++) sum += hh[k] * wh[k * 3 * n + g * n + j];
                return sum;
            }
            var z = Enumerable.Range(0, n).Select(j => Sigmoid(Gate(0, j, state))).ToArray();
            var r = Enumerable.Range(0, n).Select(j => Sigmoid(Gate(1, j, state))).ToArray();
            var rh = state.Select((v, k) => r[k] * v).ToArray();
            var a = Enumerable.Range(0, n).Select(j => Math.Tanh(Gate(2, j, rh))).ToArray();
            return Enumerable.Range(0, n).Select(j => (1 - z[j]) * state[j] + z[j] * a[j]).ToArray();
        }

        double[] Softmax(string block, double[] x)
        {
            var w = p[block];
            var logits = new double[game.Actions];
            for (var i = 0; i < x.Length; i++)
                for (var a = 0; a < logits.Length; a++) logits[a] += x[i] * w[i * logits.Length + a];
            var max = logits.Max();
            var e = logits.Select(l => Math.Exp(l - max)).ToArray();
            return e.Select(v => v / e.Sum()).ToArray();
        }

        double[] Embedding(string part, double[] obs) => shapes.ContainsKey($"{part}_in/w")
            ? Dense($"{part}_in", obs)
            : Dense($"{part}_in/linear", Conv($"{part}_in/conv", obs));

        double[][] Zeros(int n) => Enumerable.Range(0, rows).Select(_ => new double[n]).ToArray();

        public void BeginTrial()
        {
            if (agent is GridShaperAgent s) h = Zeros(s.Hidden);
            if (agent is GridMfosAgent m)
            {
                hMeta = Zeros(m.Hidden);
                hActor = Zeros(m.Hidden);
                th = Enumerable.Range(0, rows).Select(_ => Enumerable.Repeat(1.0, m.Hidden).ToArray()).ToArray();
            }
        }

        void Average(double[][] states, float lambda)
        {
            for (var g = 0; g < rows; g += envs)
            {
                var mean = Enumerable.Range(0, states[g].Length).Select(j => Enumerable.Range(g, envs).Average(r => states[r][j])).ToArray();
                for (var r = g; r < g + envs; r++) states[r] = states[r].Select((v, j) => lambda * mean[j] + (1 - lambda) * v).ToArray();
            }
        }

        public double[][] Act(float[] observations)
        {
            var result = new double[rows][];
            if (agent is GridShaperAgent { Averaging: HiddenAveraging.Avg } sa) Average(h, sa.Lambda);
            if (agent is GridMfosAgent { Averaging: HiddenAveraging.Avg } ma) { Average(hMeta, ma.Lambda); Average(hActor, ma.Lambda); }
            for (var r = 0; r < rows; r++)
            {
                var obs = observations.AsSpan(r * game.ObservationSize, game.ObservationSize).ToArray().Select(v => (double)v).ToArray();
                switch (agent)
                {
                    case GridShaperAgent s:
                        var e = s.Torso == GridTorso.Dense ? Dense("torso", obs).Select(v => Math.Max(0, v)).ToArray() : Conv("torso", obs);
                        h[r] = Gru("gru", e, h[r]);
                        result[r] = Softmax("logits/w", h[r]);
                        break;
                    case GridGoodShepherdAgent g:
                        var f = g.Torso == GridTorso.Dense ? Dense("torso", obs).Select(Math.Tanh).ToArray() : Conv("torso", obs);
                        result[r] = Softmax("logits/w", f);
                        break;
                    case GridMfosAgent:
                        hActor[r] = Gru("actor_gru", Embedding("actor", obs), hActor[r]);
                        result[r] = Softmax("logits/w", hActor[r].Select((v, j) => th[r][j] * v).ToArray());
                        hMeta[r] = Gru("meta_gru", Embedding("meta", obs), hMeta[r]);
                        break;
                }
            }
            return result;
        }

        public void EndEpisode()
        {
            if (agent is GridShaperAgent { Memory: MemorySpan.Episode } s) h = Zeros(s.Hidden);
            if (agent is GridMfosAgent m)
            {
                for (var r = 0; r < rows; r++) th[r] = Dense("meta_out", hMeta[r]).Select(Sigmoid).ToArray();
                hActor = Zeros(m.Hidden);
                if (m.MetaMemory == MemorySpan.Episode) hMeta = Zeros(m.Hidden);
            }
        }
    }

    static TrialNoise Noise(TrialLayout layout) => new(0, 1, 1, layout.Rows);

    /// <summary>Plays <paramref name="episodes"/> x <paramref name="steps"/> with kernel and reference side by side; returns the largest probability gap.</summary>
    static double Gap(IGridMetaAgent agent, GridGame game, TrialLayout layout, ulong seed, int episodes = 3, int steps = 3, bool dense = false, double scale = 0.6)
    {
        var parameters = Vector(agent.ParameterCount, seed, scale);
        var policy = agent.CreatePolicy(layout);
        policy.Load(parameters);
        var reference = new Reference(agent, game, parameters, layout);
        policy.BeginTrial(Noise(layout), 0);
        reference.BeginTrial();
        var probabilities = new float[layout.Rows * game.Actions];
        var gap = 0.0;
        for (var e = 0; e < episodes; e++)
        {
            policy.BeginEpisode(e);
            for (var t = 0; t < steps; t++)
            {
                var obs = Observations(game, layout.Rows, seed * 1000 + (ulong)(e * steps + t), dense);
                policy.Act(obs, probabilities);
                var expected = reference.Act(obs);
                for (var r = 0; r < layout.Rows; r++)
                    for (var a = 0; a < game.Actions; a++) gap = Math.Max(gap, Math.Abs(probabilities[r * game.Actions + a] - expected[r][a]));
            }
            policy.EndEpisode(e, Observations(game, layout.Rows, 77));
            reference.EndEpisode();
        }
        return gap;
    }

    [Fact]
    public void TheCoinShapersForwardIsTheNaiveFloat64OneOnTinySizes()
    {
        // 3 units: one padded lane group, most lanes padding; 16: the register kernel of the GRU.
        foreach (var units in new[] { 3, 16 })
            Assert.True(Gap(new GridShaperAgent(GridGame.CoinGame, hidden: units), GridGame.CoinGame, new TrialLayout(2, 2), (ulong)units, scale: 1.0) < 2e-5);
    }

    [Fact]
    public void EveryAgentsForwardIsTheNaiveFloat64One()
    {
        var layout = new TrialLayout(2, 2);
        foreach (var game in new[] { GridGame.CoinGame, Tiny })
            foreach (var agent in SmallAgents(game))
                foreach (var dense in new[] { false, true })
                {
                    var gap = Gap(agent, game, layout, 5, dense: dense, scale: 1.0);
                    Assert.True(gap < 2e-5, $"{agent.Name} on {game.Name} (dense obs {dense}): gap {gap}");
                }
        foreach (var game in new[] { GridGame.CoinGame, GridGame.Storm2p })
            foreach (var agent in Agents(game).Append(new GridMfosAgent(game, metaMemory: MemorySpan.Trial)).Append(new GridShaperAgent(game, memory: MemorySpan.Episode)))
            {
                // pax-sized nets: small weights keep the 406-input gates in tanh's live range.
                var gap = Gap(agent, game, new TrialLayout(1, 2), 9, episodes: 2, steps: 2, scale: 0.1);
                Assert.True(gap < 2e-5, $"{agent.Name} on {game.Name}: gap {gap}");
            }
    }

    [Fact]
    public void AveragedAgentsMatchTheNaiveFloat64One()
    {
        foreach (var game in new[] { GridGame.CoinGame, Tiny })
            foreach (var agent in SmallAgents(game, HiddenAveraging.Avg).Where(a => a.Name != "gs"))
            {
                var gap = Gap(agent, game, new TrialLayout(2, 3), 11, scale: 1.0);
                Assert.True(gap < 2e-5, $"{agent.Name} on {game.Name}: gap {gap}");
            }
    }

    [Fact]
    public void ProbabilitiesSumToOneAndAreUniformAtZeroParameters()
    {
        var layout = new TrialLayout(2, 3);
        foreach (var game in new[] { GridGame.CoinGame, GridGame.Storm2p })
            foreach (var agent in Agents(game, HiddenAveraging.Avg).Concat(Agents(game)))
            {
                var probabilities = new float[layout.Rows * game.Actions];
                var policy = agent.CreatePolicy(layout);
                policy.Load(Vector(agent.ParameterCount, 3, 0.3));
                policy.BeginTrial(Noise(layout), 0);
                for (var t = 0; t < 4; t++)
                {
                    policy.Act(Observations(game, layout.Rows, (ulong)t), probabilities);
                    for (var r = 0; r < layout.Rows; r++)
                    {
                        var row = probabilities.AsSpan(r * game.Actions, game.Actions).ToArray();
                        Assert.Equal(1.0, row.Sum(), 5);
                        Assert.All(row, q => Assert.InRange(q, 0f, 1f));
                    }
                    Assert.Contains(probabilities, q => Math.Abs(q - 0.2f) > 1e-3); // random parameters are not uniform
                }
                policy.Load(new float[agent.ParameterCount]);
                policy.BeginTrial(Noise(layout), 0);
                for (var t = 0; t < 3; t++)
                {
                    policy.Act(Observations(game, layout.Rows, (ulong)t), probabilities);
                    Assert.All(probabilities, q => Assert.Equal(0.2f, q));
                }
            }
    }

    [Fact]
    public void LoadRejectsAVectorOfTheWrongLength()
    {
        foreach (var agent in Agents(GridGame.CoinGame))
            Assert.Throws<ArgumentException>(() => agent.CreatePolicy(new TrialLayout(1, 1)).Load(new float[agent.ParameterCount - 1]));
    }

    /// <summary>Plays episodes of the given per-episode observation seeds on one row; returns each step's probabilities.</summary>
    static float[][] Play(IGridMetaAgent agent, GridGame game, float[] parameters, params ulong[][] episodes)
    {
        var layout = new TrialLayout(1, 1);
        var policy = agent.CreatePolicy(layout);
        policy.Load(parameters);
        policy.BeginTrial(Noise(layout), 0);
        var result = new List<float[]>();
        for (var e = 0; e < episodes.Length; e++)
        {
            policy.BeginEpisode(e);
            foreach (var seed in episodes[e])
            {
                var probabilities = new float[game.Actions];
                policy.Act(Observations(game, 1, seed), probabilities);
                result.Add(probabilities);
            }
            policy.EndEpisode(e, Observations(game, 1, 99));
        }
        return result.ToArray();
    }

    [Theory]
    [InlineData("coin_game")]
    [InlineData("storm_2p")]
    public void TheShapersMemorySpansTheTrialUnlessReducedToAnEpisode(string name)
    {
        var game = name == "coin_game" ? GridGame.CoinGame : GridGame.Storm2p;
        var trial = new GridShaperAgent(game);
        var p = Vector(trial.ParameterCount, 4, 0.3);
        var fresh = Play(trial, game, p, [1])[0];
        Assert.NotEqual(fresh, Play(trial, game, p, [2, 3], [1])[2]);
        Assert.Equal(fresh, Play(new GridShaperAgent(game, memory: MemorySpan.Episode), game, p, [2, 3], [1])[2]);
        Assert.NotEqual(fresh, Play(trial, game, p, [2, 1])[1]); // within an episode the history matters either way
    }

    [Theory]
    [InlineData("coin_game")]
    [InlineData("storm_2p")]
    public void GoodShepherdsOutputDependsOnTheCurrentObservationOnly(string name)
    {
        var game = name == "coin_game" ? GridGame.CoinGame : GridGame.Storm2p;
        var agent = new GridGoodShepherdAgent(game);
        var p = Vector(agent.ParameterCount, 6, 0.5);
        var fresh = Play(agent, game, p, [1])[0];
        Assert.Equal(fresh, Play(agent, game, p, [2, 3, 1])[2]);
        Assert.Equal(fresh, Play(agent, game, p, [4, 5], [1])[2]);
        Assert.NotEqual(fresh, Play(agent, game, p, [2])[0]);
    }

    [Theory]
    [InlineData("coin_game")]
    [InlineData("storm_2p")]
    public void MfosConditioningIsFixedWithinAnEpisodeAndChangesAtItsEnd(string name)
    {
        var game = name == "coin_game" ? GridGame.CoinGame : GridGame.Storm2p;
        var agent = new GridMfosAgent(game);
        var p = Vector(agent.ParameterCount, 8, 0.3);
        // The meta part (meta embedding, meta GRU, meta_out) acts only through th, which is set at episode ends: changing
        // it leaves the first episode alone and changes the second.
        var q = (float[])p.Clone();
        var offset = 0;
        foreach (var block in agent.Layout)
        {
            if (block.Name.StartsWith("meta", StringComparison.Ordinal))
                for (var i = offset; i < offset + block.Size; i++) q[i] = -p[i] + 0.2f;
            offset += block.Size;
        }
        var a = Play(agent, game, p, [1, 2, 3], [1, 2, 3]);
        var b = Play(agent, game, q, [1, 2, 3], [1, 2, 3]);
        for (var t = 0; t < 3; t++) Assert.Equal(a[t], b[t]);
        for (var t = 3; t < 6; t++) Assert.NotEqual(a[t], b[t]);
        // th starts at 1 and is replaced after the first episode: the same episode replayed reads differently.
        Assert.NotEqual(a[0], a[3]);
        // pax's meta memory is one episode: the third episode depends on the second's observations only.
        var episode = Play(agent, game, p, [4, 5], [1, 2], [1]);
        Assert.Equal(Play(agent, game, p, [6, 7], [1, 2], [1])[4], episode[4]);
        Assert.NotEqual(Play(agent, game, p, [4, 5], [6, 7], [1])[4], episode[4]);
        // with trial memory it depends on the first episode's too.
        var trial = new GridMfosAgent(game, metaMemory: MemorySpan.Trial);
        Assert.NotEqual(Play(trial, game, p, [6, 7], [1, 2], [1])[4], Play(trial, game, p, [4, 5], [1, 2], [1])[4]);
    }

    [Theory]
    [InlineData("shaper")]
    [InlineData("mfos")]
    public void AveragingMixesOnlyWithinACoPlayersRows(string name)
    {
        var game = GridGame.CoinGame;
        IGridMetaAgent Make(HiddenAveraging averaging) => name == "shaper" ? new GridShaperAgent(game, averaging: averaging) : new GridMfosAgent(game, averaging: averaging);
        var p = Vector(Make(HiddenAveraging.Nothing).ParameterCount, 10, 0.5);
        // rows: co-player 0 (envs 0, 1), co-player 1 (envs 0, 1); the first step's observation of one row is changed.
        float[] SecondStep(HiddenAveraging averaging, int changedRow)
        {
            var layout = new TrialLayout(2, 2);
            var policy = Make(averaging).CreatePolicy(layout);
            policy.Load(p);
            policy.BeginTrial(Noise(layout), 0);
            var first = Observations(game, 4, 1);
            if (changedRow >= 0) Observations(game, 1, 2).CopyTo(first, changedRow * game.ObservationSize);
            var probabilities = new float[4 * game.Actions];
            policy.Act(first, probabilities);
            policy.Act(Observations(game, 4, 3), probabilities);
            return probabilities;
        }
        float[] Row(float[] all, int r) => all.AsSpan(r * game.Actions, game.Actions).ToArray();
        foreach (var averaging in new[] { HiddenAveraging.Nothing, HiddenAveraging.Avg })
        {
            var baseline = SecondStep(averaging, -1);
            var otherCoPlayer = SecondStep(averaging, 3);
            Assert.NotEqual(Row(baseline, 3), Row(otherCoPlayer, 3));
            for (var r = 0; r < 2; r++) Assert.Equal(Row(baseline, r), Row(otherCoPlayer, r));
            var sibling = SecondStep(averaging, 1);
            if (averaging == HiddenAveraging.Avg) Assert.NotEqual(Row(baseline, 0), Row(sibling, 0));
            else Assert.Equal(Row(baseline, 0), Row(sibling, 0));
            Assert.Equal(Row(baseline, 2), Row(sibling, 2));
        }
    }
}
