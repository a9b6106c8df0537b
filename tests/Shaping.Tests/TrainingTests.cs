using Hybrid.Shaping.Training;
using Xunit;

namespace Hybrid.Shaping.Tests;

/// <summary>ES training runs: reproducibility, exact resumption, checkpoints of other runs refused, evaluation.</summary>
public class TrainingTests
{
    static ShapeConfig Small(ShapeMethod method = ShapeMethod.Shaper) => new()
    {
        Method = method, PopSize = 8, Coplayers = 2, Envs = 2, Outer = 4, Inner = 10, Generations = 6, CheckpointEvery = 2, EvalCoplayers = 3, CoplayerMinibatches = 4,
    };

    static string[] Metrics(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Select(l => string.Join(",", l.Split(',').SkipLast(1))).ToArray();

    [Theory]
    [InlineData(ShapeMethod.Shaper)]
    [InlineData(ShapeMethod.Mfos)]
    [InlineData(ShapeMethod.Gs)]
    [InlineData(ShapeMethod.Shaper, true)]
    public void AKilledRunResumesToTheNumbersOfAnUninterruptedOne(ShapeMethod method, bool attention = false)
    {
        ShapeConfig Config() => Small(method) with { Averaging = attention ? Hybrid.Shaping.Agents.HiddenAveraging.Att : Hybrid.Shaping.Agents.HiddenAveraging.Nothing };
        var whole = Directory.CreateTempSubdirectory("hybrid-shape-");
        var killed = Directory.CreateTempSubdirectory("hybrid-shape-");
        try
        {
            using (var run = new ShapeRun(whole.FullName, Config(), resume: false)) Assert.NotNull(run.Run());
            using (var run = new ShapeRun(killed.FullName, Config(), resume: false)) Assert.Null(run.Run(stopAfter: 3)); // checkpoint at 2, killed during 3
            Assert.Throws<IOException>(() => new ShapeRun(killed.FullName, Config(), resume: false));
            using (var run = new ShapeRun(killed.FullName, Config(), resume: true))
            {
                Assert.Equal(2, run.Trainer.Generation);
                Assert.NotNull(run.Run());
            }
            Assert.Equal(Metrics(whole.FullName), Metrics(killed.FullName));
            Assert.Equal(7, Metrics(whole.FullName).Length);
            var config = Config();
            var a = ShapeAgentFile.Read(ShapeRun.AgentPath(whole.FullName), config);
            var b = ShapeAgentFile.Read(ShapeRun.AgentPath(killed.FullName), config);
            Assert.Equal(a.Best, b.Best);
            Assert.Equal(a.Mean, b.Mean);
            Assert.Contains(a.Mean, x => x != 0);
            Assert.Equal(File.ReadAllText(Path.Combine(whole.FullName, "eval.json")), File.ReadAllText(Path.Combine(killed.FullName, "eval.json")));
        }
        finally { whole.Delete(true); killed.Delete(true); }
    }

    [Fact]
    public void TheSameSeedGivesTheSameGenerationsAndAnotherSeedOthers()
    {
        static double[] Fitness(long seed, int threads)
        {
            var c = Small();
            c.Seed = seed;
            c.Threads = threads;
            using var t = new ShapeTrainer(c);
            return Enumerable.Range(0, 3).Select(_ => t.Step().FitnessMean).ToArray();
        }
        Assert.Equal(Fitness(1, 1), Fitness(1, 2));
        Assert.NotEqual(Fitness(1, 1), Fitness(2, 1));
    }

    [Fact]
    public void ACheckpointOfOtherSettingsIsRefusedNamingTheSetting()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-shape-");
        try
        {
            using (var run = new ShapeRun(dir.FullName, Small(), resume: false)) run.Run(stopAfter: 2);
            var other = Small();
            other.CoplayerLr = 0.5;
            var e = Assert.Throws<InvalidDataException>(() => new ShapeRun(dir.FullName, other, resume: true));
            Assert.Contains("coplayer_lr", e.Message);
            var bytes = File.ReadAllBytes(Path.Combine(dir.FullName, "checkpoint.bin"));
            File.WriteAllBytes(Path.Combine(dir.FullName, "checkpoint.bin"), bytes[..(bytes.Length / 2)]);
            var damaged = Assert.Throws<InvalidDataException>(() => new ShapeRun(dir.FullName, Small(), resume: true));
            Assert.Contains("truncated", damaged.Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void BadSettingsAreRefusedWithTheKey()
    {
        Assert.Contains("pop_size", Assert.Throws<ArgumentException>(() => new ShapeTrainer(Small() with { PopSize = 7 })).Message);
        Assert.Contains("coplayer_minibatches", Assert.Throws<ArgumentException>(() => new ShapeTrainer(Small() with { CoplayerMinibatches = 3 })).Message);
        Assert.Contains("unknown co-player", Assert.Throws<ArgumentException>(() => new ShapeTrainer(Small() with { Coplayer = "nobody" })).Message);
        Assert.Contains("ipd, imp", Assert.Throws<ArgumentException>(() => new ShapeTrainer(Small() with { Env = "chess" })).Message);
    }

    [Fact]
    public void CoTrainedNaiveLearnersAndEvaluationsReportConsistentNumbers()
    {
        var c = Small();
        var e = ShapeEvaluation.CoTrained(c, 5, 3);
        Assert.Equal(1.0, e.Visitation.Sum(), 9);
        Assert.InRange(e.ShaperReward, -3, 0);
        Assert.Equal(e.ShaperReward, e.ShaperRewardByEpisode.Average(), 9);
        // IPD: the sum of both players' rewards per step is -2 on CC, -3 on CD / DC, -4 on DD
        var v = e.Visitation;
        Assert.Equal(-2 * v[0] - 3 * (v[1] + v[2]) - 4 * v[3], e.ShaperReward + e.CoPlayerReward, 9);
        var pt = ShapeEvaluation.PreTrained(c, 5, 3);
        Assert.Equal("ptnl", pt.Method);
        Assert.Equal(-2 * pt.Visitation[0] - 3 * (pt.Visitation[1] + pt.Visitation[2]) - 4 * pt.Visitation[3], pt.ShaperReward + pt.CoPlayerReward, 9);
        var agent = c.Agent();
        var zero = ShapeEvaluation.Evaluate(c, new float[agent.ParameterCount], "always_defect", 4, 1);
        Assert.Equal(-2.5, zero.ShaperReward, 1); // a uniform meta-agent against always-defect: (-3 - 2) / 2
        Assert.Equal(0.5, zero.ShaperProbCooperate[4], 6);
        Assert.Equal(0.0, zero.CoPlayerProbCooperate[4]);
    }
}
