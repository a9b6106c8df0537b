using Hybrid.Scaling.Replay;
using TorchSharp;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class ReplayTests
{
    static float[] Floats(torch.Tensor t) => t.contiguous().data<float>().ToArray();

    [Fact]
    public void SumTreeFindsTheLeafOfACumulativeValue()
    {
        var tree = new SumTree(5);
        double[] p = { 1, 0, 2, 3, 4 };
        for (var i = 0; i < p.Length; i++) tree.Set(i, p[i]);
        Assert.Equal(10, tree.Total);
        // Cumulative ranges: [0,1) -> 0, [1,3) -> 2, [3,6) -> 3, [6,10) -> 4; leaf 1 has priority 0 and is never found.
        Assert.Equal(0, tree.Find(0));
        Assert.Equal(0, tree.Find(0.999));
        Assert.Equal(2, tree.Find(1));
        Assert.Equal(2, tree.Find(2.999));
        Assert.Equal(3, tree.Find(3));
        Assert.Equal(4, tree.Find(6));
        Assert.Equal(4, tree.Find(Math.BitDecrement(10.0)));
        Assert.Equal(4, tree.MaxRecorded);
        tree.Set(4, 0);
        Assert.Equal(6, tree.Total);
        Assert.Equal(3, tree.Find(5.9999));
        Assert.Equal(4, tree.MaxRecorded); // the largest priority ever set, as dopamine's max_recorded_priority
    }

    [Fact]
    public void SumTreeSamplesInProportionToPriority()
    {
        double[] p = { 0.5, 0, 1.5, 3, 1, 4 };
        var tree = new SumTree(p.Length);
        for (var i = 0; i < p.Length; i++) tree.Set(i, p[i]);
        const int draws = 200_000;
        var counts = new int[p.Length];
        var state = SplitMix64.Start(3);
        var u = new double[32];
        var found = new int[32];
        for (var k = 0; k < draws / 32; k++)
        {
            for (var j = 0; j < 32; j++) u[j] = SplitMix64.UnitDouble(ref state);
            tree.StratifiedSample(u, found);
            foreach (var f in found) counts[f]++;
        }
        var total = p.Sum();
        for (var i = 0; i < p.Length; i++)
        {
            var expected = p[i] / total;
            // Stratified sampling has less variance than independent draws; 4 binomial standard deviations bound both.
            var sd = Math.Sqrt(expected * (1 - expected) / draws);
            Assert.InRange((double)counts[i] / draws, expected - 4 * sd - 1e-12, expected + 4 * sd + 1e-12);
        }
        Assert.Equal(0, counts[1]);
    }

    [Fact]
    public void SumTreeRebuiltFromItsLeavesIsTheSameTree()
    {
        var tree = new SumTree(37);
        var state = SplitMix64.Start(11);
        for (var k = 0; k < 5000; k++) tree.Set(SplitMix64.Below(ref state, 37), SplitMix64.UnitDouble(ref state) * 1e3);
        var copy = new SumTree(37);
        copy.Restore(tree.Leaves(), tree.MaxRecorded);
        Assert.Equal(tree.Total, copy.Total); // bit for bit: sums are recomputed from children, never moved by deltas
        for (var k = 0; k < 100; k++)
        {
            var v = SplitMix64.UnitDouble(ref state) * tree.Total;
            Assert.Equal(tree.Find(v), copy.Find(v));
        }
    }

    /// <summary>One environment whose observation at step t is [t]: a sampled row names the transition it came from.</summary>
    static ReplayBuffer Numbered(ReplayOptions options, float[] rewards, bool[] dones, int copies = 1)
    {
        var replay = new ReplayBuffer(copies, 1, new long[] { 1 }, options, Enumerable.Range(0, copies).Select(c => (long)c).ToArray());
        for (var t = 0; t < rewards.Length; t++)
            replay.Add(Enumerable.Repeat((float)t, copies).ToArray(), Enumerable.Repeat(t % 3, copies).ToArray(),
                Enumerable.Repeat(rewards[t], copies).ToArray(), Enumerable.Repeat(dones[t], copies).ToArray());
        return replay;
    }

    [Fact]
    public void NStepReturnsStopAtTheEndOfAnEpisode()
    {
        // Steps 0..7, rewards 1, 2, 4, ..., the episode ends at step 2 (its reward paid, then a new episode from step 3).
        var rewards = new float[] { 1, 2, 4, 8, 16, 32, 64, 128 };
        var dones = new[] { false, false, true, false, false, false, false, false };
        var replay = Numbered(new ReplayOptions(Capacity: 100, NStep: 3, Gamma: 0.5), rewards, dones);
        Assert.Equal(5, replay.Sampleable); // t = 0..4 have their 3 following observations
        // By hand, gamma = 0.5, n = 3:
        //   t=0: 1 + 0.5*2 + 0.25*4 = 3, the episode ends within the 3 steps: discount 0
        //   t=1: 2 + 0.5*4 = 4 (m = 2), discount 0        t=2: 4 (m = 1), discount 0
        //   t=3: 8 + 0.5*16 + 0.25*32 = 24, discount 0.125, bootstrap from s_6
        //   t=4: 16 + 0.5*32 + 0.25*64 = 48, discount 0.125, from s_7
        var expected = new Dictionary<int, (float Return, float Discount, float Next)>
        {
            [0] = (3, 0, 3), [1] = (4, 0, 3), [2] = (4, 0, 3), [3] = (24, 0.125f, 6), [4] = (48, 0.125f, 7),
        };
        using var batch = replay.Sample(256);
        var obs = Floats(batch.Observations);
        var returns = Floats(batch.Returns);
        var discounts = Floats(batch.Discounts);
        var next = Floats(batch.NextObservations);
        var acts = batch.Actions.data<long>().ToArray();
        var seen = new HashSet<int>();
        for (var r = 0; r < obs.Length; r++)
        {
            var t = (int)obs[r];
            seen.Add(t);
            Assert.True(expected.ContainsKey(t), $"sampled transition {t}, which has not its 3 next observations yet");
            Assert.Equal(expected[t].Return, returns[r]);
            Assert.Equal(expected[t].Discount, discounts[r]);
            if (expected[t].Discount > 0) Assert.Equal(expected[t].Next, next[r]);
            Assert.Equal(t % 3, acts[r]);
        }
        Assert.Equal(5, seen.Count);
        Assert.All(Floats(batch.Weights), w => Assert.Equal(1f, w));
    }

    [Fact]
    public void OneStepTargetsBootstrapFromTheNextObservation()
    {
        var replay = Numbered(new ReplayOptions(Capacity: 100, NStep: 1, Gamma: 0.9), new float[] { 1, 2, 3, 4 }, new[] { false, true, false, false });
        using var batch = replay.Sample(64);
        var obs = Floats(batch.Observations);
        var discounts = Floats(batch.Discounts);
        var next = Floats(batch.NextObservations);
        var returns = Floats(batch.Returns);
        for (var r = 0; r < obs.Length; r++)
        {
            var t = (int)obs[r];
            Assert.InRange(t, 0, 2);
            Assert.Equal(t + 1f, returns[r]);
            Assert.Equal(t == 1 ? 0f : 0.9f, discounts[r]);
            Assert.Equal(t + 1f, next[r]);
        }
    }

    [Fact]
    public void AFullBufferSamplesOnlyWhatItStillHolds()
    {
        var steps = 25;
        var replay = Numbered(new ReplayOptions(Capacity: 10, NStep: 2, Gamma: 1), Enumerable.Repeat(1f, steps).ToArray(), new bool[steps], copies: 2);
        Assert.Equal(8, replay.Sampleable); // steps 15..24 stored; 15..22 have their 2 next observations
        using var batch = replay.Sample(500);
        var obs = Floats(batch.Observations);
        Assert.All(obs, t => Assert.InRange(t, 15, 22));
        Assert.Equal(8, obs.Distinct().Count());
        Assert.All(Floats(batch.NextObservations).Zip(obs), p => Assert.Equal(p.Second + 2, p.First));
    }

    [Fact]
    public void PrioritisedReplayFollowsDopaminesConventions()
    {
        var options = new ReplayOptions(Capacity: 100, NStep: 1, Gamma: 0.99, Prioritised: true);
        var replay = Numbered(options, new float[6], new bool[6]);
        // Sampleable transitions enter with the largest priority seen (1 before any); the newest waits for its next observation.
        for (var slot = 0; slot < 5; slot++) Assert.Equal(1.0, replay.Priority(0, slot));
        Assert.Equal(0.0, replay.Priority(0, 5));

        using (var first = replay.Sample(5))
        {
            // Stratified over equal priorities: one of each.
            Assert.Equal(new[] { 0, 1, 2, 3, 4 }, Floats(first.Observations).Select(x => (int)x).OrderBy(x => x));
            var priorities = Floats(first.Observations).Select(t => t == 3 ? 9f : 1f).ToArray();
            replay.SetPriorities(first, priorities);
        }
        Assert.Equal(9.0, replay.Priority(0, 3));
        replay.Add(new float[] { 6 }, new[] { 0 }, new[] { 0f }, new[] { false });
        Assert.Equal(9.0, replay.Priority(0, 5)); // new transitions take the maximum recorded so far

        using var batch = replay.Sample(2000);
        var obs = Floats(batch.Observations);
        var weights = Floats(batch.Weights);
        // Probabilities 1/22 (t = 0, 1, 2, 4) and 9/22 (t = 3, 5): weights 1 / sqrt(P + 1e-10), over the batch's maximum.
        var heavy = obs.Count(t => t is 3 or 5) / (double)obs.Length;
        Assert.InRange(heavy, 18.0 / 22 - 0.01, 18.0 / 22 + 0.01);
        double W(double p) => 1 / Math.Sqrt(p + 1e-10);
        for (var r = 0; r < obs.Length; r++)
        {
            var expected = (obs[r] is 3 or 5 ? W(9.0 / 22) : W(1.0 / 22)) / W(1.0 / 22);
            Assert.Equal(expected, weights[r], 5);
        }
    }

    [Fact]
    public void PrioritiesOfOverwrittenSlotsAreNotRevived()
    {
        var replay = Numbered(new ReplayOptions(Capacity: 4, NStep: 1, Prioritised: true), new float[4], new bool[4]);
        using var batch = replay.Sample(3);
        replay.Add(new float[] { 4 }, new[] { 0 }, new[] { 0f }, new[] { false }); // overwrites slot 0 (step 0): not sampleable yet
        replay.SetPriorities(batch, new[] { 5f, 5f, 5f });
        Assert.Equal(0.0, replay.Priority(0, 0));
    }

    [Fact]
    public void ByteStorageKeepsBinaryObservationsAndRefusesOthers()
    {
        var options = new ReplayOptions(Capacity: 50, NStep: 2);
        var asBytes = new ReplayBuffer(2, 3, new long[] { 2, 2 }, options, new long[] { 5, 6 }, ObservationStorage.Bytes);
        var asFloats = new ReplayBuffer(2, 3, new long[] { 2, 2 }, options, new long[] { 5, 6 }, ObservationStorage.Float);
        var state = SplitMix64.Start(1);
        for (var t = 0; t < 20; t++)
        {
            var obs = Enumerable.Range(0, 24).Select(_ => (float)SplitMix64.Below(ref state, 2)).ToArray();
            var acts = Enumerable.Range(0, 6).Select(_ => SplitMix64.Below(ref state, 4)).ToArray();
            var rew = Enumerable.Range(0, 6).Select(_ => SplitMix64.Unit(ref state)).ToArray();
            var dn = Enumerable.Range(0, 6).Select(_ => SplitMix64.Below(ref state, 5) == 0).ToArray();
            asBytes.Add(obs, acts, rew, dn);
            asFloats.Add(obs, acts, rew, dn);
        }
        using var a = asBytes.Sample(64);
        using var b = asFloats.Sample(64);
        Assert.Equal(new long[] { 2, 64, 2, 2 }, a.Observations.shape);
        Assert.Equal(Floats(b.Observations), Floats(a.Observations));
        Assert.Equal(Floats(b.NextObservations), Floats(a.NextObservations));
        Assert.Equal(Floats(b.Returns), Floats(a.Returns));
        var error = Assert.Throws<ArgumentException>(() => asBytes.Add(Enumerable.Repeat(0.5f, 24).ToArray(), new int[6], new float[6], new bool[6]));
        Assert.Contains("binary", error.Message);
    }

    [Fact]
    public void ASavedBufferResumesExactly()
    {
        foreach (var prioritised in new[] { false, true })
        {
            var options = new ReplayOptions(Capacity: 30, NStep: 3, Prioritised: prioritised);
            ReplayBuffer Make() => new(2, 2, new long[] { 3 }, options, new long[] { 1, 2 });
            var straight = Make();
            var state = SplitMix64.Start(9);
            var steps = Enumerable.Range(0, 40).Select(_ => (
                Obs: Enumerable.Range(0, 12).Select(_ => SplitMix64.Unit(ref state)).ToArray(),
                Acts: Enumerable.Range(0, 4).Select(_ => SplitMix64.Below(ref state, 3)).ToArray(),
                Rew: Enumerable.Range(0, 4).Select(_ => SplitMix64.Unit(ref state)).ToArray(),
                Done: Enumerable.Range(0, 4).Select(_ => SplitMix64.Below(ref state, 6) == 0).ToArray())).ToArray();
            byte[]? saved = null;
            var header = StateHeader.Of("replay-test", 1, "replay test", new Dictionary<string, System.Text.Json.Nodes.JsonNode?>());
            List<float[]> Drive(ReplayBuffer replay, int from)
            {
                var seen = new List<float[]>();
                for (var t = from; t < steps.Length; t++)
                {
                    replay.Add(steps[t].Obs, steps[t].Acts, steps[t].Rew, steps[t].Done);
                    if (t < 5) continue;
                    using var batch = replay.Sample(8);
                    seen.Add(Floats(batch.Observations).Concat(Floats(batch.Returns)).Concat(Floats(batch.Weights)).ToArray());
                    if (prioritised) replay.SetPriorities(batch, Floats(batch.Returns).Select(r => r + 0.1f).ToArray());
                    if (t == 20 && from == 0) saved = StateFile.ToBytes(header, replay.Save);
                }
                return seen;
            }
            var all = Drive(straight, 0);
            var resumed = Make();
            using (var reader = StateFile.Read(saved!, "replay.bin", "replay-test"))
            {
                resumed.Load(reader);
                reader.ExpectEnd();
            }
            var after = Drive(resumed, 21);
            Assert.Equal(all.Skip(16).SelectMany(x => x), after.SelectMany(x => x));
        }
    }

    [Fact]
    public void MisuseGetsClearErrors()
    {
        Assert.Throws<ArgumentException>(() => new ReplayBuffer(1, 4, new long[] { 1 }, new ReplayOptions(Capacity: 8, NStep: 3), new long[] { 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayOptions(NStep: 0).Validate());
        var replay = Numbered(new ReplayOptions(Capacity: 10, NStep: 2), new float[2], new bool[2]);
        Assert.Contains("no transition", Assert.Throws<InvalidOperationException>(() => replay.Sample(4)).Message);
        Assert.Throws<ArgumentException>(() => replay.Add(new float[2], new int[1], new float[1], new bool[1]));
    }
}
