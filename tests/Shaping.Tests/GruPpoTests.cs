using Hybrid.Shaping;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Grid;
using Hybrid.Shaping.GridCoPlayers;
using Xunit;
using Xunit.Abstractions;

namespace Hybrid.Shaping.Tests;

/// <summary>The PPO-GRU naive learner of the gridworlds against independent computations of pax's network and loss.</summary>
public class GruPpoTests(ITestOutputHelper output)
{
    static readonly GruPpoInput Coin = GruPpoSeat.InputOf(GridGame.CoinGame);

    /// <summary>A Coin-Game-like observation: four one-hot 3 x 3 planes, stored [row, column, channel].</summary>
    static void RandomCoinObservation(Span<float> obs, ref ulong state)
    {
        obs.Clear();
        for (var c = 0; c < 4; c++) obs[SplitMix64.Below(ref state, 9) * 4 + c] = 1;
    }

    /// <summary>A sparse observation of any geometry: about a third of the entries 1, a few other values.</summary>
    static void RandomSparseObservation(Span<float> obs, ref ulong state)
    {
        for (var j = 0; j < obs.Length; j++)
        {
            var u = SplitMix64.UnitDouble(ref state);
            obs[j] = u < 0.3 ? 1 : u < 0.4 ? (float)(2 * SplitMix64.UnitDouble(ref state) - 1) : 0;
        }
    }

    static int Sample(ReadOnlySpan<float> p, float u)
    {
        var acc = 0f;
        for (var a = 0; a < p.Length - 1; a++)
        {
            acc += p[a];
            if (u < acc) return a;
        }
        return p.Length - 1;
    }

    /// <summary>Plays one episode through the learner with random observations and rewards, then prepares GAE.</summary>
    static void FillEpisode<T>(GruPpoLearner<T> learner, GruPpoInput input, int envs, int steps, ulong seed, bool coinObservations)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var state = SplitMix64.Start(seed);
        var obs = new float[envs * input.ObservationSize];
        var probs = new float[envs * input.Actions];
        var actions = new byte[envs];
        var rewards = new float[envs];
        learner.ResetMemory();
        for (var t = 0; t < steps; t++)
        {
            for (var e = 0; e < envs; e++)
            {
                var row = obs.AsSpan(e * input.ObservationSize, input.ObservationSize);
                if (coinObservations) RandomCoinObservation(row, ref state); else RandomSparseObservation(row, ref state);
            }
            learner.Act(obs, probs);
            for (var e = 0; e < envs; e++)
            {
                actions[e] = (byte)Sample(probs.AsSpan(e * input.Actions, input.Actions), SplitMix64.Unit(ref state));
                rewards[e] = (float)(2 * SplitMix64.UnitDouble(ref state) - 1);
            }
            learner.Observe(t, obs, actions, rewards);
        }
        for (var e = 0; e < envs; e++)
        {
            var row = obs.AsSpan(e * input.ObservationSize, input.ObservationSize);
            if (coinObservations) RandomCoinObservation(row, ref state); else RandomSparseObservation(row, ref state);
        }
        learner.Prepare(obs);
    }

    [Fact]
    public void TheCoinNetworkHasPaxsParameterCount()
    {
        var learner = new GruPpoLearner<float>(GruPpoConfig.CoinGame, Coin, 16, 16);
        // MLP16 torso + GRU16 (w_i, w_h, b) + bias-free logits and value heads
        const int expected = 36 * 16 + 16 + 16 * 48 + 16 * 48 + 48 + 16 * 5 + 16;
        Assert.Equal(2272, expected);
        Assert.Equal(expected, learner.ParameterCount);
        Assert.Equal(new[] { "torso.w", "torso.b", "gru.w_i", "gru.w_h", "gru.b", "logits.w", "value.w" }, learner.Blocks.Select(b => b.Name));

        var matrix = new GruPpoLearner<float>(GruPpoConfig.InTheMatrix, GruPpoSeat.InputOf(GridGame.Storm2p), 2, 8);
        // conv 3x3x10 -> 16 (+ bias); GRU 8 on 5*5*16 + 6 inputs; actor and critic MLP[8] tanh; biased logits and value
        const int flat = 5 * 5 * 16 + 6;
        Assert.Equal(3 * 3 * 10 * 16 + 16 + flat * 24 + 8 * 24 + 24 + (8 * 8 + 8) + (8 * 5 + 5) + (8 * 8 + 8) + (8 + 1), matrix.ParameterCount);
    }

    [Fact]
    public void InitialisationIsPaxsOrthogonalWithZeroBiases()
    {
        var learner = new GruPpoLearner<double>(GruPpoConfig.CoinGame, Coin, 2, 8);
        learner.Reset(7);
        var p = learner.Parameters.ToArray();
        foreach (var b in learner.Blocks)
        {
            if (b.Scale == 0) { Assert.All(p.Skip(b.Offset).Take(b.Cols), x => Assert.Equal(0.0, x)); continue; }
            // the smaller side is orthonormal: W^T W = s^2 I (tall) or W W^T = s^2 I (wide)
            var tall = b.Rows >= b.Cols;
            int n = tall ? b.Cols : b.Rows, len = tall ? b.Rows : b.Cols;
            double W(int i, int j) => p[b.Offset + i * b.Cols + j];
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (var k = 0; k < len; k++) dot += tall ? W(k, i) * W(k, j) : W(i, k) * W(j, k);
                    Assert.Equal(i == j ? b.Scale * b.Scale : 0, dot, 1e-9);
                }
        }
        // the scales pax gives: torso and GRU sqrt 2, logits 0.01, value 1
        Assert.Equal(new[] { Math.Sqrt(2), 0, Math.Sqrt(2), Math.Sqrt(2), 0, 0.01, 1 }, learner.Blocks.Select(b => b.Scale));
        // initial logits are tiny: the policy starts near uniform
        var probs = new float[2 * 5];
        var obs = new float[2 * 36];
        var state = SplitMix64.Start(3);
        RandomCoinObservation(obs.AsSpan(0, 36), ref state);
        RandomCoinObservation(obs.AsSpan(36, 36), ref state);
        learner.Act(obs, probs);
        Assert.All(probs, q => Assert.InRange(q, 0.18f, 0.22f));
    }

    /// <summary>
    /// Haiku's GRU step on tiny sizes, written out from its definition: z, r = sigmoid(x W_i,zr + h W_h,zr + b_zr),
    /// a = tanh(x W_i,a + (r h) W_h,a + b_a), h' = (1 - z) h + z a; then logits = h' W_pi, value = h' W_v.
    /// </summary>
    [Fact]
    public void OneStepMatchesTheHaikuGruWrittenOut()
    {
        var config = new GruPpoConfig { TorsoSize = 2, Hidden = 2, Minibatches = 1 };
        var input = new GruPpoInput(3, 0, 0, 0, 3);
        var learner = new GruPpoLearner<double>(config, input, 1, 2);
        learner.Reset(1);
        var p = learner.Parameters;
        // parameters in block order: torso.w [3,2], torso.b [2], w_i [2,6], w_h [2,6], b [6], logits.w [2,3], value.w [2,1]
        double[] w1 = { 0.5, -1, 0.25, 0.75, -0.5, 1 }, b1 = { 0.1, -0.2 };
        double[] wi = { 0.3, -0.2, 0.1, 0.4, -0.6, 0.2, -0.1, 0.5, 0.3, -0.4, 0.7, 0.1 };
        double[] wh = { 0.2, 0.1, -0.3, 0.6, 0.4, -0.5, -0.7, 0.3, 0.2, 0.1, -0.2, 0.9 };
        double[] bg = { 0.05, -0.1, 0.2, 0, 0.1, -0.05 };
        double[] wpi = { 1, -0.5, 0.25, -1, 0.5, 2 }, wv = { 0.8, -0.3 };
        var all = w1.Concat(b1).Concat(wi).Concat(wh).Concat(bg).Concat(wpi).Concat(wv).ToArray();
        Assert.Equal(all.Length, learner.ParameterCount);
        all.CopyTo(p);

        double Sig(double u) => 1 / (1 + Math.Exp(-u));
        double[] x0 = { 1, 0, 0.5 }, x1 = { 0, 1, 1 };
        double[] h = { 0, 0 };
        var obs = new float[3];
        var probs = new float[3];
        foreach (var x in new[] { x0, x1 })
        {
            // reference
            var t = new double[2];
            for (var j = 0; j < 2; j++) t[j] = Math.Max(0, b1[j] + x[0] * w1[j] + x[1] * w1[2 + j] + x[2] * w1[4 + j]);
            double Gate(double[] w, double[] v, int col) => v[0] * w[col] + v[1] * w[6 + col];
            var z = new double[2];
            var r = new double[2];
            var hn = new double[2];
            for (var j = 0; j < 2; j++)
            {
                z[j] = Sig(Gate(wi, t, j) + Gate(wh, h, j) + bg[j]);
                r[j] = Sig(Gate(wi, t, 2 + j) + Gate(wh, h, 2 + j) + bg[2 + j]);
            }
            double[] rh = { r[0] * h[0], r[1] * h[1] };
            for (var j = 0; j < 2; j++)
            {
                var a = Math.Tanh(Gate(wi, t, 4 + j) + Gate(wh, rh, 4 + j) + bg[4 + j]);
                hn[j] = (1 - z[j]) * h[j] + z[j] * a;
            }
            var logits = new double[3];
            for (var k = 0; k < 3; k++) logits[k] = hn[0] * wpi[k] + hn[1] * wpi[3 + k];
            var norm = logits.Sum(Math.Exp);

            for (var j = 0; j < 3; j++) obs[j] = (float)x[j];
            learner.Act(obs, probs);
            for (var j = 0; j < 2; j++) Assert.Equal(hn[j], learner.Memory[j], 1e-12);
            for (var k = 0; k < 3; k++) Assert.Equal(Math.Exp(logits[k]) / norm, probs[k], 1e-6);
            learner.Observe(x == x0 ? 0 : 1, obs, new byte[] { 1 }, new float[] { 0 });
            var value = hn[0] * wv[0] + hn[1] * wv[1];
            Assert.Equal(value, learner.Sample(x == x0 ? 0 : 1).OldValue, 1e-12);
            h = hn;
        }
        Assert.NotEqual(0, h[0]); // the second step really started from a non-zero hidden state
    }

    /// <summary>
    /// The CNN torso against Haiku's Conv2D written out: SAME padding, stride 1, cross-correlation with weights
    /// [kh, kw, c_in, c_out] over an NHWC view, ReLU, flattened [row, column, channel], then the inventory.
    /// </summary>
    [Fact]
    public void TheCnnTorsoIsHaikusSameConvolution()
    {
        const int side = 4, cin = 3, cout = 2, inv = 2, ks = 3;
        var config = GruPpoConfig.InTheMatrix with { ConvChannels = cout, Hidden = 2, Minibatches = 1 };
        var learner = new GruPpoLearner<double>(config, new GruPpoInput(side * side * cin + inv, side, cin, inv, 5), 1, 2);
        learner.Reset(2);
        var state = SplitMix64.Start(8);
        var p = learner.Parameters;
        for (var i = 0; i < p.Length; i++) p[i] = SplitMix64.StandardNormal(ref state);
        var x = new double[side * side * cin + inv];
        for (var i = 0; i < x.Length; i++) x[i] = SplitMix64.StandardNormal(ref state);
        var w = learner.Blocks.Single(b => b.Name == "conv.w");
        var bias = learner.Blocks.Single(b => b.Name == "conv.b");
        Assert.Equal((ks * ks * cin, cout), (w.Rows, w.Cols));
        var expected = new double[side * side * cout + inv];
        for (var i = 0; i < side; i++)
            for (var j = 0; j < side; j++)
                for (var c = 0; c < cout; c++)
                {
                    var sum = p[bias.Offset + c];
                    for (var di = -1; di <= 1; di++)
                        for (var dj = -1; dj <= 1; dj++)
                        {
                            int ii = i + di, jj = j + dj;
                            if (ii < 0 || jj < 0 || ii >= side || jj >= side) continue; // SAME: zero padding
                            for (var ci = 0; ci < cin; ci++)
                                sum += x[(ii * side + jj) * cin + ci] * p[w.Offset + (((di + 1) * ks + (dj + 1)) * cin + ci) * cout + c];
                        }
                    expected[(i * side + j) * cout + c] = Math.Max(0, sum);
                }
        expected[^2] = x[^2];
        expected[^1] = x[^1];
        var actual = new double[expected.Length];
        learner.TorsoOutput(x, actual);
        for (var k = 0; k < expected.Length; k++) Assert.Equal(expected[k], actual[k], 1e-12);
        Assert.Contains(expected, e => e == 0); // the ReLU was exercised
        Assert.Contains(expected.Take(side * side * cout), e => e > 0);
    }

    public static TheoryData<string> Networks => new() { "coin", "cnn-separate", "cnn-shared" };

    static (GruPpoConfig Config, GruPpoInput Input, bool Coin) Network(string name) => name switch
    {
        "coin" => (GruPpoConfig.CoinGame with { Minibatches = 2 }, Coin, true),
        // a small In-the-Matrix network: 3 x 3 x 2 view and 2 inventory floats, 3 channels, GRU 4
        "cnn-separate" => (GruPpoConfig.InTheMatrix with { ConvChannels = 3, Hidden = 4, Minibatches = 2 }, new GruPpoInput(3 * 3 * 2 + 2, 3, 2, 2, 5), false),
        "cnn-shared" => (GruPpoConfig.InTheMatrix with { ConvChannels = 3, Hidden = 4, SeparateHeads = false, Minibatches = 2 }, new GruPpoInput(3 * 3 * 2 + 2, 3, 2, 2, 5), false),
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// The analytic gradient of the whole PPO loss of a minibatch against central differences in float64, for every
    /// parameter block, at the behaviour parameters (ratios 1) and after a perturbation that drives ratios out of the
    /// clip interval and values out of the value clip (both regimes asserted to occur).
    /// </summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void TheGradientMatchesCentralDifferences(string network)
    {
        var (config, input, coin) = Network(network);
        const int envs = 4, steps = 8;
        var learner = new GruPpoLearner<double>(config, input, envs, steps);
        learner.Reset(11);
        // zero biases put ReLU pre-activations exactly at the kink wherever a receptive field is empty: move them off it
        var jitter = SplitMix64.Start(12);
        for (var i = 0; i < learner.ParameterCount; i++) learner.Parameters[i] += 0.05 * SplitMix64.StandardNormal(ref jitter);
        FillEpisode(learner, input, envs, steps, 5, coin);
        var batch = Enumerable.Range(0, envs * steps).Where(i => i % 3 != 1).Take(16).ToArray();
        var n = learner.ParameterCount;
        foreach (var perturbed in new[] { false, true })
        {
            if (perturbed)
            {
                var state = SplitMix64.Start(99);
                var p = learner.Parameters;
                foreach (var b in learner.Blocks)
                {
                    // logits and value move most, so some ratios leave [0.8, 1.2] and some values move beyond 0.2
                    var s = b.Name.StartsWith("logits", StringComparison.Ordinal) || b.Name.StartsWith("value", StringComparison.Ordinal) ? 0.4 : 0.05;
                    for (var i = b.Offset; i < b.Offset + b.Rows * b.Cols; i++) p[i] += s * SplitMix64.StandardNormal(ref state);
                }
                int outside = 0, inside = 0, valueOutside = 0, valueInside = 0;
                var logp = new double[input.Actions];
                foreach (var i in batch)
                {
                    var value = learner.Evaluate(i, logp);
                    var (a, old, oldValue, _, _) = learner.Sample(i);
                    var ratio = Math.Exp(logp[a] - old);
                    if (ratio is < 0.8 or > 1.2) outside++; else inside++;
                    if (Math.Abs(value - oldValue) > 0.2) valueOutside++; else valueInside++;
                }
                Assert.True(outside > 0 && inside > 0, $"ratios outside/inside the clip: {outside}/{inside}");
                Assert.True(valueOutside > 0 && valueInside > 0, $"values outside/inside the value clip: {valueOutside}/{valueInside}");
            }
            var analytic = new double[n];
            learner.Loss(batch, analytic);
            Assert.Contains(analytic, g => g != 0);
            var parameters = learner.Parameters;
            foreach (var b in learner.Blocks)
            {
                double errSq = 0, normSq = 0;
                var len = b.Rows * b.Cols;
                // every entry of small blocks, a spread of entries of large ones
                var stride = Math.Max(1, len / 40);
                for (var j = b.Offset; j < b.Offset + len; j += stride)
                {
                    var keep = parameters[j];
                    const double h = 1e-6;
                    parameters[j] = keep + h;
                    var up = learner.Loss(batch, Span<double>.Empty);
                    parameters[j] = keep - h;
                    var down = learner.Loss(batch, Span<double>.Empty);
                    parameters[j] = keep;
                    var fd = (up - down) / (2 * h);
                    errSq += (fd - analytic[j]) * (fd - analytic[j]);
                    normSq += fd * fd;
                }
                Assert.True(normSq > 0 || b.Name.EndsWith(".b", StringComparison.Ordinal), $"{network} {b.Name}: the loss does not depend on the block");
                var rel = Math.Sqrt(errSq) / Math.Max(Math.Sqrt(normSq), 1e-8);
                Assert.True(rel < 1e-5, $"{network} {(perturbed ? "perturbed" : "behaviour")} {b.Name}: relative gradient error {rel:E2}");
            }
        }
    }

    [Fact]
    public void TheFirstEvaluationReproducesTheBehaviourPolicyExactly()
    {
        var learner = new GruPpoLearner<float>(GruPpoConfig.CoinGame, Coin, 16, 16);
        learner.Reset(4);
        FillEpisode(learner, Coin, 16, 16, 8, true);
        var logp = new float[5];
        for (var i = 0; i < learner.Samples; i++)
        {
            var value = learner.Evaluate(i, logp);
            var (a, old, oldValue, _, _) = learner.Sample(i);
            Assert.Equal(oldValue, value);
            Assert.Equal(old, logp[a]);
        }
    }

    [Fact]
    public void OneSmallStepDecreasesTheLossOnItsOwnBatch()
    {
        var config = GruPpoConfig.CoinGame with { Lr = 1e-4, Minibatches = 1, Epochs = 1 };
        var learner = new GruPpoLearner<float>(config, Coin, 16, 16);
        learner.Reset(21);
        FillEpisode(learner, Coin, 16, 16, 22, true);
        var all = Enumerable.Range(0, learner.Samples).ToArray();
        var before = learner.Loss(all, Span<float>.Empty);
        var start = learner.Parameters.ToArray();
        learner.Step(all);
        var after = learner.Loss(all, Span<float>.Empty);
        Assert.NotEqual(start, learner.Parameters.ToArray());
        Assert.True(after < before, $"loss {before} -> {after}");
        // a step uphill (the sign flipped) would raise it: the decrease is not rounding
        Assert.True(before - after > 1e-5, $"loss {before} -> {after}");
    }

    static TrialNoise Noise(ulong seed, int outer, int inner, TrialLayout layout) => new(seed, outer, inner, layout.Rows);

    /// <summary>Plays a seat through a trial whose observations are random Coin states and whose reward is 1 for action 2 only.</summary>
    static List<double> PlayBandit(GruPpoSeat seat, TrialLayout layout, TrialNoise noise, ulong obsSeed)
    {
        var rows = layout.Rows;
        var obs = new float[rows * 36];
        var next = new float[rows * 36];
        var probs = new float[rows * 5];
        var actions = new byte[rows];
        var rewards = new float[rows];
        var state = SplitMix64.Start(obsSeed);
        var meanP2 = new List<double>();
        seat.BeginTrial(noise, 0);
        for (var r = 0; r < rows; r++) RandomCoinObservation(next.AsSpan(r * 36, 36), ref state);
        for (var episode = 0; episode < noise.Outer; episode++)
        {
            seat.BeginEpisode(episode);
            double p2 = 0;
            for (var t = 0; t < noise.Inner; t++)
            {
                next.CopyTo(obs, 0);
                seat.Act(obs, probs);
                var u = noise.Uniforms(0, episode, t);
                for (var r = 0; r < rows; r++)
                {
                    var p = probs.AsSpan(r * 5, 5);
                    Assert.Equal(1.0, p.ToArray().Sum(), 1e-5);
                    p2 += p[2];
                    actions[r] = (byte)Sample(p, u[r]);
                    rewards[r] = actions[r] == 2 ? 1 : 0;
                }
                seat.Observe(t, obs, actions, rewards);
                for (var r = 0; r < rows; r++) RandomCoinObservation(next.AsSpan(r * 36, 36), ref state);
            }
            seat.EndEpisode(episode, next);
            meanP2.Add(p2 / (rows * noise.Inner));
        }
        return meanP2;
    }

    [Fact]
    public void TheSeatLearnsToPreferTheRewardedAction()
    {
        var layout = new TrialLayout(2, 16);
        var seat = new GruPpoSeat(GruPpoConfig.CoinGame, GridGame.CoinGame, layout);
        var p2 = PlayBandit(seat, layout, Noise(5, 20, 16, layout), 6);
        output.WriteLine("mean P(action 2) per episode: " + string.Join(" ", p2.Select(x => x.ToString("F3"))));
        Assert.InRange(p2[0], 0.17, 0.23);
        Assert.True(p2[^1] > 0.5, $"P(action 2) only reached {p2[^1]:F3}");
        Assert.True(p2[^1] > p2[10] && p2[10] > p2[0], "P(action 2) does not keep rising");
    }

    [Fact]
    public void AHardstopSeatStopsLearningAfterItsEpisodes()
    {
        var layout = new TrialLayout(1, 16);
        var seat = new GruPpoSeat(GruPpoConfig.CoinGame, GridGame.CoinGame, layout, stopAfter: 3);
        var p2 = PlayBandit(seat, layout, Noise(5, 8, 16, layout), 6);
        // episodes 0..2 update; the policy played from episode 3 on is the one after episode 2's update, unchanged
        Assert.True(p2[3] > p2[0] + 0.01, "the first updates did not change the policy");
        Assert.Equal(3 * 2 * 8, seat.Learners[0].Steps);
        var full = new GruPpoSeat(GruPpoConfig.CoinGame, GridGame.CoinGame, layout);
        var q2 = PlayBandit(full, layout, Noise(5, 8, 16, layout), 6);
        Assert.Equal(p2.Take(4), q2.Take(4)); // identical until the stop takes effect
        Assert.True(q2[^1] > p2[^1] + 0.01, "learning past the stop changes nothing");
    }

    [Fact]
    public void SameSeedSameLearnerAndCoPlayersDiffer()
    {
        var layout = new TrialLayout(3, 16);
        var noise = Noise(77, 2, 16, layout);
        var a = new GruPpoSeat(GruPpoConfig.CoinGame, GridGame.CoinGame, layout);
        var b = new GruPpoSeat(GruPpoConfig.CoinGame, GridGame.CoinGame, layout);
        a.BeginTrial(noise, 0);
        b.BeginTrial(noise, 0);
        // co-player o starts the same in every member, and co-players differ from each other
        for (var o = 0; o < 3; o++) Assert.Equal(a.Learners[o].Parameters.ToArray(), b.Learners[o].Parameters.ToArray());
        Assert.NotEqual(a.Learners[0].Parameters.ToArray(), a.Learners[1].Parameters.ToArray());
        Assert.NotEqual(a.Learners[1].Parameters.ToArray(), a.Learners[2].Parameters.ToArray());
        // the other seat starts elsewhere, and so does another generation
        var c = new GruPpoSeat(GruPpoConfig.CoinGame, GridGame.CoinGame, layout);
        c.BeginTrial(noise, 1);
        Assert.NotEqual(a.Learners[0].Parameters.ToArray(), c.Learners[0].Parameters.ToArray());
        c.BeginTrial(Noise(78, 2, 16, layout), 0);
        Assert.NotEqual(a.Learners[0].Parameters.ToArray(), c.Learners[0].Parameters.ToArray());

        // identical trials give bit-identical learners after their updates
        PlayBandit(a, layout, noise, 1);
        PlayBandit(b, layout, noise, 1);
        for (var o = 0; o < 3; o++)
        {
            Assert.Equal(2 * 2 * 8, a.Learners[o].Steps);
            Assert.Equal(a.Learners[o].Parameters.ToArray(), b.Learners[o].Parameters.ToArray());
        }
        // a new trial re-initialises: back to the start parameters
        var d = new GruPpoSeat(GruPpoConfig.CoinGame, GridGame.CoinGame, layout);
        d.BeginTrial(noise, 0);
        a.BeginTrial(noise, 0);
        Assert.Equal(d.Learners[2].Parameters.ToArray(), a.Learners[2].Parameters.ToArray());
        Assert.Equal(0, a.Learners[2].Steps);
    }

    [Fact]
    public void TheUpdateFollowsThePermutation()
    {
        var one = new GruPpoLearner<float>(GruPpoConfig.CoinGame, Coin, 16, 16);
        var two = new GruPpoLearner<float>(GruPpoConfig.CoinGame, Coin, 16, 16);
        var next = new float[16 * 36];
        var s = SplitMix64.Start(1);
        for (var e = 0; e < 16; e++) RandomCoinObservation(next.AsSpan(e * 36, 36), ref s);
        foreach (var l in new[] { one, two }) { l.Reset(3); FillEpisode(l, Coin, 16, 16, 4, true); }
        one.Update(next, (epoch, order) => { for (var i = 0; i < order.Length; i++) order[i] = i; });
        two.Update(next, (epoch, order) => { for (var i = 0; i < order.Length; i++) order[i] = order.Length - 1 - i; });
        Assert.NotEqual(one.Parameters.ToArray(), two.Parameters.ToArray());
        Assert.Equal(16, one.Steps);
        Assert.All(one.Memory.ToArray(), h => Assert.Equal(0f, h)); // memory zeroed after the update
    }
}
