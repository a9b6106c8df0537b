using Hybrid.Shaping;
using Hybrid.Shaping.CoPlayers;
using Xunit;

namespace Hybrid.Shaping.Tests;

/// <summary>The tabular PPO co-player against an independent computation of pax's update.</summary>
public class TabularPpoTests
{
    /// <summary>
    /// pax's PPO loss of one minibatch written out literally (clipped surrogate with per-minibatch advantage
    /// normalisation, clipped value loss, entropy bonus) as a function of the 15 table entries.
    /// </summary>
    static double Loss(double[] table, int[] batch, byte[] states, byte[] actions, double[] oldLogp, double[] oldValue, double[] adv, double[] ret, TabularPpoConfig c)
    {
        var mean = batch.Average(i => adv[i]);
        var std = Math.Sqrt(batch.Average(i => (adv[i] - mean) * (adv[i] - mean)));
        double pg = 0, vl = 0, ent = 0;
        foreach (var i in batch)
        {
            var s = states[i];
            double l0 = table[3 * s], l1 = table[3 * s + 1], v = table[3 * s + 2];
            var z = Math.Log(Math.Exp(l0) + Math.Exp(l1));
            double lp0 = l0 - z, lp1 = l1 - z;
            var logp = actions[i] == 0 ? lp0 : lp1;
            var ratio = Math.Exp(logp - oldLogp[i]);
            var a = (adv[i] - mean) / (std + 1e-8);
            pg += -Math.Min(ratio * a, Math.Clamp(ratio, 1 - c.Clip, 1 + c.Clip) * a);
            var vc = oldValue[i] + Math.Clamp(v - oldValue[i], -c.Clip, c.Clip);
            vl += Math.Max((v - ret[i]) * (v - ret[i]), (vc - ret[i]) * (vc - ret[i]));
            ent += -(Math.Exp(lp0) * lp0 + Math.Exp(lp1) * lp1);
        }
        var n = batch.Length;
        return pg / n + c.ValueCoef * vl / n - c.EntropyCoef * ent / n;
    }

    /// <summary>The whole update by the book: GAE, then per minibatch a central-difference gradient, global-norm clip and an optax Adam step.</summary>
    static double[] ReferenceUpdate(double[] start, byte[] states, byte[] actions, float[] rewards, int envs, int steps, PermutationSource permutation, TabularPpoConfig c)
    {
        var table = (double[])start.Clone();
        var n = envs * steps;
        var oldValue = new double[n];
        var oldLogp = new double[n];
        for (var i = 0; i < n; i++)
        {
            var s = states[i];
            oldValue[i] = table[3 * s + 2];
            var z = Math.Log(Math.Exp(table[3 * s]) + Math.Exp(table[3 * s + 1]));
            oldLogp[i] = table[3 * s + actions[i]] - z;
        }
        var adv = new double[n];
        var ret = new double[n];
        for (var e = 0; e < envs; e++)
        {
            var next = table[3 * MatrixPayoff.Start + 2];
            double g = 0;
            for (var t = steps - 1; t >= 0; t--)
            {
                var i = e * steps + t;
                g = rewards[i] + c.Gamma * next - oldValue[i] + c.Gamma * c.GaeLambda * g;
                adv[i] = g;
                ret[i] = g + oldValue[i];
                next = oldValue[i];
            }
        }
        double[] m = new double[15], v = new double[15];
        var t2 = 0;
        var order = new int[n];
        for (var epoch = 0; epoch < c.Epochs; epoch++)
        {
            permutation(epoch, order);
            var size = n / c.Minibatches;
            for (var k = 0; k < c.Minibatches; k++)
            {
                var batch = order.AsSpan(k * size, size).ToArray();
                var grad = new double[15];
                for (var j = 0; j < 15; j++)
                {
                    const double h = 1e-6;
                    var plus = (double[])table.Clone(); plus[j] += h;
                    var minus = (double[])table.Clone(); minus[j] -= h;
                    grad[j] = (Loss(plus, batch, states, actions, oldLogp, oldValue, adv, ret, c) - Loss(minus, batch, states, actions, oldLogp, oldValue, adv, ret, c)) / (2 * h);
                }
                var norm = Math.Sqrt(grad.Sum(x => x * x));
                if (norm >= c.MaxGradNorm) for (var j = 0; j < 15; j++) grad[j] *= c.MaxGradNorm / norm;
                t2++;
                for (var j = 0; j < 15; j++)
                {
                    m[j] = c.Beta1 * m[j] + (1 - c.Beta1) * grad[j];
                    v[j] = c.Beta2 * v[j] + (1 - c.Beta2) * grad[j] * grad[j];
                    table[j] -= c.Lr * (m[j] / (1 - Math.Pow(c.Beta1, t2))) / (Math.Sqrt(v[j] / (1 - Math.Pow(c.Beta2, t2))) + c.AdamEps);
                }
            }
        }
        return table;
    }

    static (byte[] States, byte[] Actions, float[] Rewards) Episode(int envs, int steps, ulong seed)
    {
        var rng = SplitMix64.Start(seed);
        var n = envs * steps;
        var states = new byte[n];
        var actions = new byte[n];
        var rewards = new float[n];
        var payoff = MatrixPayoff.PrisonersDilemma.Column;
        for (var e = 0; e < envs; e++)
        {
            byte state = MatrixPayoff.Start;
            for (var t = 0; t < steps; t++)
            {
                var i = e * steps + t;
                var own = (byte)SplitMix64.Below(ref rng, 2);
                var other = (byte)SplitMix64.Below(ref rng, 2);
                states[i] = state;
                actions[i] = own;
                var joint = 2 * other + own; // the co-player is the column player
                rewards[i] = payoff[joint];
                state = MatrixPayoff.Mirror((byte)joint);
            }
        }
        return (states, actions, rewards);
    }

    [Theory]
    [InlineData(1.0, 0.02, 11UL)]
    [InlineData(0.05, 0.1, 12UL)]
    [InlineData(1.0, 0.0, 13UL)]
    public void OneUpdateMatchesPaxLossDifferentiatedNumerically(double lr, double entropy, ulong seed)
    {
        var config = new TabularPpoConfig { Lr = lr, EntropyCoef = entropy };
        var (states, actions, rewards) = Episode(2, 50, seed);
        var noise = new TrialNoise(seed, 1, 1, 1);
        PermutationSource permutation = (epoch, order) => noise.Permutation(1, 0, 0, epoch, order);
        // two updates: the second starts from a table that is no longer uniform and from a warm Adam state
        var learner = new TabularPpoLearner(config);
        var expected = ReferenceUpdate(learner.Table, states, actions, rewards, 2, 50, permutation, config);
        learner.Update(states, actions, rewards, 2, 50, MatrixPayoff.Start, permutation);
        // Central differences carry ~1e-10 absolute error; Adam divides by |g|, so entries with tiny gradients see a
        // relative error of up to ~1e-5 after the lr-1 steps: 4 decimals. A wrong coefficient or sign moves entries by 0.1-1.
        for (var j = 0; j < 15; j++) Assert.Equal(expected[j], learner.Table[j], 4);
        Assert.Equal(8, learner.Steps);
        Assert.NotEqual(0.5, learner.ProbCooperate(MatrixPayoff.Start), 3);
    }

    [Fact]
    public void TheFirstAdamStepMovesEveryTouchedEntryByTheLearningRate()
    {
        // optax's first Adam step is lr * g / (|g| + eps): with lr 1 and one minibatch, each entry with a gradient moves by
        // almost exactly 1 against the gradient's sign, the rest not at all (states never visited keep 0.5).
        var config = new TabularPpoConfig { Epochs = 1, Minibatches = 1 };
        var states = new byte[] { 4, 0, 0, 0 };
        var actions = new byte[] { 1, 1, 0, 1 };
        var rewards = new float[] { -1, -3, 0, -2 };
        var learner = new TabularPpoLearner(config);
        learner.Update(states, actions, rewards, 1, 4, MatrixPayoff.Start, (_, order) => { for (var i = 0; i < order.Length; i++) order[i] = i; });
        foreach (var s in new[] { 1, 2, 3 })
            for (var k = 0; k < 3; k++) Assert.Equal(0.5, learner.Table[3 * s + k]);
        foreach (var s in new[] { 0, 4 })
            for (var k = 0; k < 3; k++)
            {
                var moved = Math.Abs(learner.Table[3 * s + k] - 0.5);
                Assert.InRange(moved, 0.99, 1.0 + 1e-12);
            }
        // a defection at START was followed by a worse outcome than the batch's average: P(D | START) goes down
        Assert.True(learner.ProbCooperate(4) > 0.5);
    }

    [Fact]
    public void ResetRestoresPaxInitialisationEverywhere()
    {
        var learner = new TabularPpoLearner(new TabularPpoConfig());
        var (states, actions, rewards) = Episode(2, 50, 5);
        learner.Update(states, actions, rewards, 2, 50, MatrixPayoff.Start, (_, order) => { for (var i = 0; i < order.Length; i++) order[i] = i; });
        learner.Reset();
        Assert.All(learner.Table, x => Assert.Equal(0.5, x));
        Assert.Equal(0, learner.Steps);
        for (var s = 0; s < 5; s++) Assert.Equal(0.5, learner.ProbCooperate(s));
    }

    [Fact]
    public void AnIndivisibleBatchIsRefusedWithTheNumbers()
    {
        var learner = new TabularPpoLearner(new TabularPpoConfig { Minibatches = 4 });
        var e = Assert.Throws<ArgumentException>(() => learner.Update(new byte[6], new byte[6], new float[6], 2, 3, 4, (_, _) => { }));
        Assert.Contains("6 samples", e.Message);
    }
}
