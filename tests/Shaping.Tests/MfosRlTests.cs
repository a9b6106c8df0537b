using Hybrid.Shaping.Agents;
using Hybrid.Shaping.Training;
using Hybrid.Shaping.Trials;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Tests;

/// <summary>M-FOS trained by step-level PPO (pax's runner_marl): layout parity with the ES agent, targets, reproducibility, resumption, learning.</summary>
public class MfosRlTests
{
    static ShapeConfig Tiny(string coplayer = "tabular", long seed = 0) => new()
    {
        Method = ShapeMethod.Mfos, Coplayers = 2, Envs = 2, Outer = 3, Inner = 8, Hidden = 8, Coplayer = coplayer, Seed = seed, CoplayerMinibatches = 4,
    };

    static MfosRlConfig TinyRl => new() { Minibatches = 4 };

    static float[] RandomVector(int n, ulong seed, double scale)
    {
        var state = SplitMix64.Start(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(scale * SplitMix64.StandardNormal(ref state))).ToArray();
    }

    [Theory]
    [InlineData(16)]
    [InlineData(5)]
    public void TheTorchForwardGivesTheEsAgentsProbabilityOfCooperatingOverSeveralEpisodes(int hidden)
    {
        const int rows = 3, episodes = 3, steps = 6;
        using var network = new MfosRlNetwork(hidden, 7);
        var vector = RandomVector(network.Agent.ParameterCount, 11, 0.7);
        network.Load(vector);
        Assert.Equal(vector, network.Parameters);
        var policy = new MfosAgent(hidden).CreatePolicy(new TrialLayout(1, rows));
        policy.Load(vector);
        policy.BeginTrial(new TrialNoise(1, episodes, steps, rows), 0);
        var obsState = SplitMix64.Start(3);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var th = ones(rows, hidden);
        var hiddenState = zeros(rows, 3 * hidden);
        var probabilities = new float[rows];
        var compared = 0;
        for (var e = 0; e < episodes; e++)
        {
            policy.BeginEpisode(e);
            Tensor? thNext = null;
            for (var t = 0; t < steps; t++)
            {
                var obs = Enumerable.Range(0, rows).Select(_ => (byte)(t == 0 ? 4 : SplitMix64.Below(ref obsState, 4))).ToArray();
                policy.Act(obs, probabilities);
                var (logits, _, next, hiddenNext) = network.Step(tensor(obs.Select(o => (long)o).ToArray()), th, hiddenState);
                var expected = logits.softmax(1).select(1, 0).data<float>().ToArray();
                for (var r = 0; r < rows; r++) Assert.Equal(expected[r], probabilities[r], 5e-6f);
                compared += rows;
                hiddenState = hiddenNext;
                thNext = next;
                policy.Observe(t, obs, new byte[rows], new float[rows]);
            }
            policy.EndEpisode(e);
            // pax's meta_policy: th <- th_next of the last step, every hidden state <- 0
            th = thNext!;
            hiddenState = zeros(rows, 3 * hidden);
        }
        Assert.Equal(rows * episodes * steps, compared);
        // th differs from 1 after the first episode, so the later episodes checked the meta path too
        Assert.True(th.sub(ones(rows, hidden)).abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void TheRecordingSeatPlaysTheEsAgentsTrialToTheBitAndRecordsWhatTheNetworkRecomputes()
    {
        var layout = new TrialLayout(2, 2);
        const int outer = 3, inner = 8, hidden = 8;
        using var network = new MfosRlNetwork(hidden, 5);
        var vector = RandomVector(network.Agent.ParameterCount, 12, 0.6);
        network.Load(vector);
        var noise = new TrialNoise(9, outer, inner, layout.Rows);
        var trial = new MatrixTrial(MatrixPayoff.PrisonersDilemma, layout, outer, inner);
        var policy = new MfosAgent(hidden).CreatePolicy(layout);
        policy.Load(vector);
        var viaPolicy = new TrialRecord(layout, outer, inner, detail: true);
        trial.Run(policy, CoPlayers.CoPlayerKinds.Create("tabular", new(), layout), noise, viaPolicy);
        var seat = new MfosRlSeat(hidden, layout, outer, inner, MemorySpan.Episode);
        seat.Load(vector);
        var viaSeat = new TrialRecord(layout, outer, inner, detail: true);
        trial.Run(seat, CoPlayers.CoPlayerKinds.Create("tabular", new(), layout), noise, viaSeat);
        Assert.Equal(viaPolicy.RowTotal, viaSeat.RowTotal);
        Assert.Equal(viaPolicy.ColumnTotal, viaSeat.ColumnTotal);
        Assert.Equal(viaPolicy.Visits, viaSeat.Visits);
        Assert.Equal(viaPolicy.ProbCooperateSum, viaSeat.ProbCooperateSum);

        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var n = seat.Samples;
        var (logits, values) = network.Evaluate(tensor(seat.Observations.Select(o => (long)o).ToArray()), tensor(seat.Th, new long[] { n, hidden }),
            tensor(seat.HiddenActor, new long[] { n, hidden }), tensor(seat.HiddenCritic, new long[] { n, hidden }));
        var logProbs = logits.log_softmax(1).gather(1, tensor(seat.Actions.Select(a => (long)a).ToArray()).unsqueeze(1)).squeeze(1).data<float>().ToArray();
        var v = values.data<float>().ToArray();
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(seat.LogProbs[i], logProbs[i], 2e-5f);
            Assert.Equal(seat.Values[i], v[i], 2e-5f);
        }
        // th is 1 during the first episode and the meta network's output afterwards; the stored hidden state is 0 at every episode start
        Assert.All(seat.Th.AsSpan(0, inner * layout.Rows * hidden).ToArray(), x => Assert.Equal(1f, x));
        Assert.Contains(seat.Th.Skip(inner * layout.Rows * hidden), x => x != 1f);
        Assert.All(seat.HiddenActor.AsSpan(inner * layout.Rows * hidden, layout.Rows * hidden).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void TargetsRunOverTheWholeTrialAndStopOnlyAtItsEnd()
    {
        // T = 3 steps of W = 1 row: episodes of inner 1 do not cut the trace, the trial's last step does.
        float[] rewards = { 1, 2, 3 }, values = { 0.5f, 1, 2 };
        bool[] dones = { false, false, true };
        float[] adv = new float[3], targets = new float[3];
        MfosRlTrainer.Targets(rewards, values, dones, new[] { 100f }, 0.5f, 0.5f, adv, targets);
        // delta_2 = 3 + 0 - 2 = 1; delta_1 = 2 + 0.5 x 2 - 1 = 2; delta_0 = 1 + 0.5 x 1 - 0.5 = 1
        // A_2 = 1; A_1 = 2 + 0.25 x 1 = 2.25; A_0 = 1 + 0.25 x 2.25 = 1.5625
        Assert.Equal(new[] { 1.5625f, 2.25f, 1f }, adv);
        Assert.Equal(new[] { 2.0625f, 3.25f, 3f }, targets);
    }

    [Fact]
    public void AShortRunChangesTheActorAndCriticKeepsTheMetaNetworkAndItsLossesAreFinite()
    {
        using var trainer = new MfosRlTrainer(Tiny(), TinyRl);
        var before = trainer.Parameters;
        Assert.Equal(new MfosAgent(8).ParameterCount, before.Length);
        for (var k = 0; k < 3; k++)
        {
            var m = trainer.Step();
            Assert.Equal(k + 1, m.Generation);
            Assert.True(double.IsFinite(m.FitnessMean) && m.FitnessMean is >= -3 and <= 0);
            Assert.Equal(1, m.Stats.Sum(), 9);
            var l = trainer.LastLosses!;
            foreach (var x in new[] { l.Total, l.Policy, l.Value, l.Entropy, l.ApproxKl, l.GradNorm }) Assert.True(double.IsFinite(x));
            Assert.InRange(l.Entropy, 0, Math.Log(2) + 1e-6);
        }
        Assert.Equal(3, trainer.Generation);
        var after = trainer.Parameters;
        var agent = new MfosAgent(8);
        var offset = 0;
        foreach (var block in agent.Layout)
        {
            var a = before.AsSpan(offset, block.Size).ToArray();
            var b = after.AsSpan(offset, block.Size).ToArray();
            // pax's loss discards the meta output (th is an input), so the meta parts get no gradient at all.
            if (block.Name.StartsWith("meta", StringComparison.Ordinal)) Assert.Equal(a, b);
            else if (block.Name.EndsWith("/w", StringComparison.Ordinal) || block.Name.EndsWith("w_i", StringComparison.Ordinal)) Assert.NotEqual(a, b);
            offset += block.Size;
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameNumbersAndAnotherSeedOthers()
    {
        static (double[] Fitness, float[] Parameters) Run(long seed)
        {
            using var t = new MfosRlTrainer(Tiny(seed: seed), TinyRl);
            var f = Enumerable.Range(0, 2).Select(_ => t.Step().FitnessMean).ToArray();
            return (f, t.Parameters);
        }
        var (a, pa) = Run(1);
        var (b, pb) = Run(1);
        var (c, pc) = Run(2);
        Assert.Equal(a, b);
        Assert.Equal(pa, pb);
        Assert.NotEqual(pa, pc);
    }

    [Fact]
    public void AResumedRunEqualsAnUninterruptedOneBitForBit()
    {
        var config = Tiny();
        using var whole = new MfosRlTrainer(config, TinyRl);
        var wholeMetrics = Enumerable.Range(0, 4).Select(_ => whole.Step()).ToArray();

        byte[] checkpoint;
        using (var first = new MfosRlTrainer(config, TinyRl))
        {
            first.Step();
            first.Step();
            checkpoint = StateFile.ToBytes(first.CheckpointHeader(), first.Save);
        }
        using var resumed = new MfosRlTrainer(config, TinyRl);
        using (var reader = StateFile.Read(checkpoint, "checkpoint.bin", MfosRlTrainer.CheckpointKind, MfosRlTrainer.CheckpointVersion))
        {
            var header = resumed.CheckpointHeader();
            reader.ExpectIdentity(header.Description, header.Identity);
            resumed.Load(reader);
            reader.ExpectEnd();
        }
        Assert.Equal(2, resumed.Generation);
        var rest = Enumerable.Range(0, 2).Select(_ => resumed.Step()).ToArray();
        Assert.Equal(whole.Parameters, resumed.Parameters);
        for (var k = 0; k < 2; k++)
        {
            Assert.Equal(wholeMetrics[2 + k].FitnessMean, rest[k].FitnessMean);
            Assert.Equal(wholeMetrics[2 + k].Stats, rest[k].Stats);
        }

        // a checkpoint of other PPO settings is refused naming the setting
        using var other = new MfosRlTrainer(config, TinyRl with { EntropyCoef = 0.2 });
        using var again = StateFile.Read(checkpoint, "checkpoint.bin", MfosRlTrainer.CheckpointKind, MfosRlTrainer.CheckpointVersion);
        var otherHeader = other.CheckpointHeader();
        var e = Assert.Throws<InvalidDataException>(() => again.ExpectIdentity(otherHeader.Description, otherHeader.Identity));
        Assert.Contains("entropy_coef", e.Message);
    }

    [Fact]
    public void TheTrainedVectorIsEvaluatedByTheEsCodePath()
    {
        using var trainer = new MfosRlTrainer(Tiny(), TinyRl);
        trainer.Step();
        var config = Tiny();
        var evaluation = ShapeEvaluation.Evaluate(config, trainer.Parameters, "always_defect", 2, 5);
        Assert.InRange(evaluation.ShaperReward, -3, 0);
        Assert.Equal(1, evaluation.Visitation.Sum(), 9);
    }

    [Theory]
    [InlineData("always_defect", 1)]   // the best response is to defect: -2 instead of -2.5 per step
    [InlineData("always_cooperate", 1)] // defecting against a cooperator: 0 instead of -0.5
    public void AgainstAFixedCoPlayerAFewDozenUpdatesRaiseTheReward(string coplayer, int seed)
    {
        var config = new ShapeConfig { Method = ShapeMethod.Mfos, Coplayers = 1, Envs = 4, Outer = 2, Inner = 10, Hidden = 8, Coplayer = coplayer, Seed = seed };
        using var trainer = new MfosRlTrainer(config, new MfosRlConfig { Minibatches = 2, Lr = 0.01, EntropyCoef = 0.01 });
        var rewards = Enumerable.Range(0, 40).Select(_ => trainer.Step().FitnessMean).ToArray();
        var first = rewards.Take(3).Average();
        var last = rewards.TakeLast(10).Average();
        Assert.True(last > first + 0.25, $"reward per step {first:F3} over the first 3 updates, {last:F3} over the last 10");
    }
}
