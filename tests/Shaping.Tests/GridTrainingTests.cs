using Hybrid.Shaping.Grid;
using Hybrid.Shaping.GridCoPlayers;
using Hybrid.Shaping.Training;
using Xunit;

namespace Hybrid.Shaping.Tests;

/// <summary>Gridworld and M-FOS (RL) runs: exact resumption through the run directory, settings refused with their key, the competency check.</summary>
public class GridTrainingTests
{
    static ShapeConfig Small(ShapeMethod method, string env)
    {
        var c = ShapeConfig.For(method, env);
        (c.PopSize, c.Envs, c.Outer, c.Generations, c.CheckpointEvery, c.EvalCoplayers) = (4, 4, 3, 4, 2, 2);
        c.Inner = env == "storm_2p" ? 12 : 8;
        c.CoplayerMinibatches = 4;
        return c;
    }

    static string[] Metrics(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Select(l => string.Join(",", l.Split(',').SkipLast(1))).ToArray();

    internal static void ResumeEqualsUninterrupted(ShapeConfig config)
    {
        var whole = Directory.CreateTempSubdirectory("hybrid-grid-");
        var killed = Directory.CreateTempSubdirectory("hybrid-grid-");
        try
        {
            using (var run = new ShapeRun(whole.FullName, config, resume: false)) Assert.NotNull(run.Run());
            using (var run = new ShapeRun(killed.FullName, config, resume: false)) Assert.Null(run.Run(stopAfter: 3)); // checkpoint at 2, killed during 3
            using (var run = new ShapeRun(killed.FullName, config, resume: true))
            {
                Assert.Equal(2, run.Trainer.Generation);
                Assert.NotNull(run.Run());
            }
            Assert.Equal(Metrics(whole.FullName), Metrics(killed.FullName));
            Assert.Equal(config.Generations + 1, Metrics(whole.FullName).Length);
            var a = ShapeAgentFile.Read(ShapeRun.AgentPath(whole.FullName), config);
            var b = ShapeAgentFile.Read(ShapeRun.AgentPath(killed.FullName), config);
            Assert.Equal(a.Best, b.Best);
            Assert.Contains(a.Best, x => x != 0);
            Assert.Equal(File.ReadAllText(Path.Combine(whole.FullName, "eval.json")), File.ReadAllText(Path.Combine(killed.FullName, "eval.json")));
        }
        finally { whole.Delete(true); killed.Delete(true); }
    }

    [Theory]
    [InlineData(ShapeMethod.Shaper, "coin_game")]
    [InlineData(ShapeMethod.Gs, "coin_game")]
    [InlineData(ShapeMethod.Mfos, "coin_game")]
    [InlineData(ShapeMethod.Shaper, "storm_2p")]
    public void AKilledGridworldRunResumesToTheNumbersOfAnUninterruptedOne(ShapeMethod method, string env) => ResumeEqualsUninterrupted(Small(method, env));

    [Fact]
    public void AKilledMfosRlRunResumesToTheNumbersOfAnUninterruptedOne()
    {
        var c = ShapeConfig.For(ShapeMethod.MfosRl, "ipd");
        (c.Coplayers, c.Envs, c.Outer, c.Inner, c.Generations, c.CheckpointEvery, c.EvalCoplayers, c.RlMinibatches) = (2, 2, 3, 8, 4, 2, 2, 4);
        ResumeEqualsUninterrupted(c);
    }

    [Fact]
    public void GridPopulationsShareTheirRandomNumbersAndDoNotDependOnThreads()
    {
        var c = Small(ShapeMethod.Shaper, "coin_game");
        var n = new GridShaperAgent(GridGame.CoinGame).ParameterCount;
        ulong state = 5;
        var a = Enumerable.Range(0, n).Select(_ => (SplitMix64.Unit(ref state) - 0.5f) * 0.6f).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (SplitMix64.Unit(ref state) - 0.5f) * 0.6f).ToArray();
        var population = a.Concat(b).Concat(a).ToArray();
        GridPopulationTrials Trials(int threads) => new(new GridShaperAgent(GridGame.CoinGame), l => GridCoPlayerKinds.Create("ppo_gru", c, l), GridGame.CoinGame,
            new TrialLayout(2, 4), 3, 8, threads: threads);
        var one = Trials(1).Run(population, 77);
        var two = Trials(2).Run(population, 77);
        Assert.Equal(one.Fitness, two.Fitness);
        Assert.Equal(one.CoPlayerReward, two.CoPlayerReward);
        Assert.Equal(one.Fitness[0], one.Fitness[2]);       // equal members, equal trials, whatever their neighbours
        Assert.NotEqual(one.Fitness[0], one.Fitness[1]);
        Assert.NotEqual(one.Fitness, Trials(2).Run(population, 78).Fitness);
    }

    [Fact]
    public void GridworldStatisticsNameTheGamesEvents()
    {
        var coin = Small(ShapeMethod.Shaper, "coin_game");
        using var trainer = coin.Trainer();
        Assert.Equal(new[] { "own_coin_meta", "own_coin_coplayer", "coins_meta", "coins_coplayer" }, trainer.StatNames);
        var m = trainer.Step();
        Assert.InRange(m.Stats[0], 0, 1);
        Assert.True(m.Stats[2] > 0, "random play picks up coins");
        Assert.Equal(2272, trainer.Best.Length);
        Assert.Equal("generation,fitness_mean,fitness_best,fitness_std,coplayer_reward,own_coin_meta,own_coin_coplayer,coins_meta,coins_coplayer,sigma,lrate,seconds",
            ShapeRun.MetricsHeaderFor(trainer.StatNames));
        using var storm = Small(ShapeMethod.Gs, "storm_2p").Trainer();
        Assert.Equal(3892, storm.Best.Length);
        Assert.Equal("coop_ratio_meta", storm.StatNames[0]);
    }

    [Fact]
    public void BadGridworldSettingsAreRefusedWithTheKey()
    {
        ShapeConfig Coin() => Small(ShapeMethod.Shaper, "coin_game");
        Assert.Contains("collects Coin Game coins", Assert.Throws<ArgumentException>(() => (Small(ShapeMethod.Shaper, "storm_2p") with { Coplayer = "good_greedy" }).Validate()).Message);
        Assert.Contains("att", Assert.Throws<ArgumentException>(() => (Coin() with { Averaging = Hybrid.Shaping.Agents.HiddenAveraging.Att }).Validate()).Message);
        Assert.Contains("coplayer_minibatches", Assert.Throws<ArgumentException>(() => (Coin() with { CoplayerMinibatches = 5 }).Validate()).Message);
        Assert.Contains("storm_2p", Assert.Throws<ArgumentException>(() => (Coin() with { FixedCoins = true }).Validate()).Message);
        Assert.Contains("ipd or imp", Assert.Throws<ArgumentException>(() => (Small(ShapeMethod.Shaper, "storm_2p") with { StormPayoff = "chicken" }).Validate()).Message);
        (Coin() with { Method = ShapeMethod.MfosRl }).Validate(); // the Coin Game has M-FOS (RL); storm_2p (pax's CNN M-FOS) not
        Assert.Contains("mfos_rl", Assert.Throws<ArgumentException>(() => (Small(ShapeMethod.Gs, "storm_2p") with { Method = ShapeMethod.MfosRl }).Validate()).Message);
        Assert.Contains("averaging=nothing", Assert.Throws<ArgumentException>(() => (Coin() with { Method = ShapeMethod.MfosRl, Averaging = Agents.HiddenAveraging.Avg }).Validate()).Message);
        Assert.Contains("rl", Assert.Throws<ArgumentException>(() => (Coin() with { Method = ShapeMethod.MfosRl, RlEntropy = -1 }).Validate()).Message);
        Assert.Contains("unknown co-player", Assert.Throws<ArgumentException>(() => (Coin() with { Coplayer = "tabular" }).Validate()).Message);
        Assert.Contains("rl", Assert.Throws<ArgumentException>(() => (ShapeConfig.For(ShapeMethod.MfosRl, "ipd") with { RlLr = -1 }).Validate()).Message);
    }

    [Fact]
    public void TheCompetencyCheckFreezesAPretrainedOpponentAndScoresTheLearners()
    {
        var c = Small(ShapeMethod.Shaper, "coin_game");
        var greedy = GridEvaluation.Competency(c, "good_greedy", 2, seed: 3, outer: 6);
        var coins = Array.IndexOf(greedy.StatNames, "coins_meta");
        Assert.True(greedy.Stats[coins] > greedy.Stats[coins + 1], "a greedy collector outcollects a fresh learner at first");
        var pretrained = GridEvaluation.Competency(c, "pretrained", 2, seed: 3, outer: 6);
        Assert.All(pretrained.Stats, x => Assert.True(double.IsFinite(x)));
        Assert.Throws<ArgumentException>(() => GridEvaluation.Competency(c, "evil_greedy", 2, 3, egocentric: false, outer: 2));
        Assert.Throws<ArgumentException>(() => GridEvaluation.Competency(c, "nobody", 2, 3, outer: 2));

        // A frozen seat keeps its parameters through a trial and refuses episodes of another length.
        var layout = new TrialLayout(1, 4);
        var seat = new GruPpoSeat(GridCoPlayerKinds.Config(c), GridGame.CoinGame, layout);
        using (var trial = new GridTrial(GridGame.CoinGame, layout, 3, 8)) trial.Run(new UniformGridSeat(), seat, new TrialNoise(1, 3, 8, 4), new GridRecord(layout, 3, 8, false));
        seat.Freeze();
        var before = seat.Learners[0].Parameters.ToArray();
        using (var trial = new GridTrial(GridGame.CoinGame, layout, 3, 8)) trial.Run(new UniformGridSeat(), seat, new TrialNoise(2, 3, 8, 4), new GridRecord(layout, 3, 8, false));
        Assert.Equal(before, seat.Learners[0].Parameters.ToArray());
        using var other = new GridTrial(GridGame.CoinGame, layout, 3, 9);
        Assert.Throws<ArgumentException>(() => other.Run(new UniformGridSeat(), seat, new TrialNoise(2, 3, 9, 4), new GridRecord(layout, 3, 9, false)));
    }
}
