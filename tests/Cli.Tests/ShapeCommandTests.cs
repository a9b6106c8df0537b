using System.Text.Json;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>hybrid shape end to end: train, eval, crossplay, bench, resume after a kill, bad input.</summary>
public class ShapeCommandTests
{
    static readonly string[] Small = { "--set", "pop_size=8", "--set", "coplayers=2", "--set", "outer=4", "--set", "inner=10", "--set", "generations=4", "--set", "eval_coplayers=3", "--set", "checkpoint_every=2" };

    static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TrainEvalCrossplayAndBenchWorkOnARunDirectory()
    {
        var root = Directory.CreateTempSubdirectory("hybrid-shape-cli-");
        try
        {
            var shaper = Path.Combine(root.FullName, "shaper");
            var gs = Path.Combine(root.FullName, "gs");
            var train = Run(new[] { "shape", "train", "--method", "shaper", "--env", "ipd", "--out", shaper, "--json" }.Concat(Small).ToArray());
            Assert.Equal(0, train.Code);
            using (var json = JsonDocument.Parse(train.Out))
            {
                var r = json.RootElement;
                Assert.Equal("shaper", r.GetProperty("method").GetString());
                Assert.Equal("ipd", r.GetProperty("env").GetString());
                Assert.Equal(3, r.GetProperty("coplayers").GetInt32());
                Assert.InRange(r.GetProperty("shaper_reward").GetDouble(), -3, 0);
                Assert.InRange(r.GetProperty("coplayer_reward").GetDouble(), -3, 0);
                Assert.Equal(1.0, new[] { "CC", "CD", "DC", "DD" }.Sum(k => r.GetProperty("visitation").GetProperty(k).GetDouble()), 9);
            }
            foreach (var f in new[] { "config.json", "metrics.csv", "checkpoint.bin", "agent.bin", "eval.json", "summary.json", "training.html", "eval.html" })
                Assert.True(File.Exists(Path.Combine(shaper, f)), f);
            Assert.Contains("plotly", File.ReadAllText(Path.Combine(shaper, "eval.html")));
            Assert.Equal(0, Run(new[] { "shape", "train", "--method", "gs", "--out", gs }.Concat(Small).ToArray()).Code);

            var eval = Run("shape", "eval", "--run", shaper, "--coplayers", "5", "--coplayer", "hardstop:2", "--json");
            Assert.Equal(0, eval.Code);
            using (var json = JsonDocument.Parse(eval.Out))
            {
                Assert.Equal(5, json.RootElement.GetProperty("coplayers").GetInt32());
                Assert.Equal("hardstop:2", json.RootElement.GetProperty("coplayer").GetString());
            }
            Assert.True(File.Exists(Path.Combine(shaper, "eval-hardstop-2.html")));
            var text = Run("shape", "eval", "--run", shaper, "--coplayer", "tit_for_tat");
            Assert.Equal(0, text.Code);
            Assert.Contains("reward per step: meta-agent", text.Out);

            var cross = Run("shape", "crossplay", "--runs", $"{shaper},{gs}", "--pairs", "3", "--json");
            Assert.Equal(0, cross.Code);
            using (var json = JsonDocument.Parse(cross.Out))
            {
                var m = json.RootElement.GetProperty("row_reward_per_episode");
                Assert.Equal(2, m.GetArrayLength());
                Assert.Equal(2, m[0].GetArrayLength());
                Assert.All(m.EnumerateArray().SelectMany(row => row.EnumerateArray()), v => Assert.InRange(v.GetDouble(), -30, 0));
            }

            var bench = Run("shape", "bench", "--pop", "4", "--opps", "2", "--envs", "2", "--outer", "3", "--inner", "10", "--generations", "2", "--json");
            Assert.Equal(0, bench.Code);
            using (var json = JsonDocument.Parse(bench.Out)) Assert.True(json.RootElement.GetProperty("steps_per_second").GetDouble() > 0);

            var ctnl = Run(new[] { "shape", "train", "--method", "ctnl", "--out", Path.Combine(root.FullName, "ctnl"), "--json" }.Concat(Small).ToArray());
            Assert.Equal(0, ctnl.Code);
            Assert.Contains("\"shaper_reward\"", ctnl.Out);
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void AKilledTrainingResumesToTheSameAgent()
    {
        var root = Directory.CreateTempSubdirectory("hybrid-shape-cli-");
        try
        {
            var whole = Path.Combine(root.FullName, "whole");
            var killed = Path.Combine(root.FullName, "killed");
            Assert.Equal(0, Run(new[] { "shape", "train", "--out", whole, "--json" }.Concat(Small).ToArray()).Code);
            var stopped = Run(new[] { "shape", "train", "--out", killed, "--stop-after", "3" }.Concat(Small).ToArray());
            Assert.Equal(0, stopped.Code);
            Assert.Contains("--resume", stopped.Out);
            var again = Run(new[] { "shape", "train", "--out", killed }.Concat(Small).ToArray());
            Assert.Equal(2, again.Code);
            Assert.Contains("--resume", again.Err);
            var resumed = Run(new[] { "shape", "train", "--out", killed, "--resume", "--json" }.Concat(Small).ToArray());
            Assert.Equal(0, resumed.Code);
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "agent.bin")), File.ReadAllBytes(Path.Combine(killed, "agent.bin")));
        }
        finally { root.Delete(true); }
    }

    [Fact]
    public void GridworldAndMfosRlRunsTrainEvaluateAndCrossPlay()
    {
        var root = Directory.CreateTempSubdirectory("hybrid-shape-grid-cli-");
        try
        {
            string[] coin = { "--set", "pop_size=4", "--set", "envs=4", "--set", "outer=3", "--set", "inner=8", "--set", "generations=2", "--set", "eval_coplayers=2", "--set", "coplayer_minibatches=4" };
            var shaper = Path.Combine(root.FullName, "shaper");
            var gs = Path.Combine(root.FullName, "gs");
            var train = Run(new[] { "shape", "train", "--method", "shaper", "--env", "coin_game", "--out", shaper, "--json" }.Concat(coin).ToArray());
            Assert.Equal(0, train.Code);
            using (var json = JsonDocument.Parse(train.Out))
            {
                var r = json.RootElement;
                Assert.Equal("coin_game", r.GetProperty("env").GetString());
                Assert.Equal("per episode", r.GetProperty("reward_unit").GetString());
                Assert.InRange(r.GetProperty("stats").GetProperty("own_coin_meta").GetDouble(), 0, 1);
            }
            Assert.Equal(0, Run(new[] { "shape", "train", "--method", "gs", "--env", "coin_game", "--out", gs }.Concat(coin).ToArray()).Code);
            var eval = Run("shape", "eval", "--run", shaper, "--coplayers", "2", "--coplayer", "evil_greedy", "--outer", "2", "--json");
            Assert.Equal(0, eval.Code);
            using (var json = JsonDocument.Parse(eval.Out)) Assert.Equal("evil_greedy", json.RootElement.GetProperty("coplayer").GetString());
            Assert.True(File.Exists(Path.Combine(shaper, "eval-evil_greedy.html")));
            var cross = Run("shape", "crossplay", "--runs", $"{shaper},{gs}", "--pairs", "2", "--outer", "2", "--json");
            Assert.Equal(0, cross.Code);
            using (var json = JsonDocument.Parse(cross.Out)) Assert.Equal(2, json.RootElement.GetProperty("row_reward_per_episode").GetArrayLength());
            var coinRl = Path.Combine(root.FullName, "coin-mfos-rl");
            var coinRlRun = Run(new[] { "shape", "train", "--method", "mfos_rl", "--env", "coin_game", "--out", coinRl, "--set", "rl_minibatches=4", "--json" }.Concat(coin).ToArray());
            Assert.Equal(0, coinRlRun.Code);
            using (var json = JsonDocument.Parse(coinRlRun.Out))
            {
                Assert.Equal("mfos_rl", json.RootElement.GetProperty("method").GetString());
                Assert.InRange(json.RootElement.GetProperty("stats").GetProperty("own_coin_meta").GetDouble(), 0, 1);
            }
            Assert.Equal(0, Run("shape", "eval", "--run", coinRl, "--coplayers", "2", "--coplayer", "good_greedy", "--outer", "2", "--json").Code);
            Assert.Equal(0, Run("shape", "crossplay", "--runs", $"{coinRl},{shaper}", "--pairs", "2", "--outer", "2", "--json").Code);
            var bad = Run("shape", "eval", "--run", shaper, "--coplayer", "tit_for_tat");
            Assert.Equal(2, bad.Code);

            var storm = Path.Combine(root.FullName, "storm");
            var stormRun = Run("shape", "train", "--method", "gs", "--env", "storm_2p", "--out", storm, "--set", "pop_size=2", "--set", "envs=2", "--set", "outer=2",
                "--set", "inner=16", "--set", "generations=1", "--set", "eval_coplayers=1", "--set", "storm_payoff=imp", "--json");
            Assert.Equal(0, stormRun.Code);
            using (var json = JsonDocument.Parse(stormRun.Out)) Assert.Equal(-json.RootElement.GetProperty("shaper_reward").GetDouble(), json.RootElement.GetProperty("coplayer_reward").GetDouble(), 6);

            var rl = Path.Combine(root.FullName, "mfos-rl");
            var rlRun = Run("shape", "train", "--method", "mfos_rl", "--env", "ipd", "--out", rl, "--set", "coplayers=2", "--set", "outer=3", "--set", "inner=8",
                "--set", "generations=2", "--set", "eval_coplayers=2", "--set", "rl_minibatches=4", "--json");
            Assert.Equal(0, rlRun.Code);
            using (var json = JsonDocument.Parse(rlRun.Out)) Assert.Equal("mfos_rl", json.RootElement.GetProperty("method").GetString());
            Assert.Equal(0, Run("shape", "eval", "--run", rl, "--coplayers", "2", "--json").Code);

            var competency = Run("shape", "competency", "--opponent", "good_greedy", "--learners", "1", "--outer", "2", "--set", "envs=4", "--out", Path.Combine(root.FullName, "c"), "--json");
            Assert.Equal(0, competency.Code);
            using (var json = JsonDocument.Parse(competency.Out)) Assert.True(json.RootElement.GetProperty("egocentric").GetBoolean());
        }
        finally { root.Delete(true); }
    }

    [Theory]
    [InlineData("unknown method 'lola'", "shape", "train", "--method", "lola")]
    [InlineData("collects Coin Game coins", "shape", "train", "--env", "storm_2p", "--set", "coplayer=good_greedy")]
    [InlineData("mfos_rl is implemented for ipd, imp and coin_game", "shape", "train", "--env", "storm_2p", "--method", "mfos_rl")]
    [InlineData("mfos_rl takes averaging=nothing", "shape", "train", "--env", "coin_game", "--method", "mfos_rl", "--set", "averaging=avg")]
    [InlineData("do not divide into 7 minibatches", "shape", "train", "--env", "coin_game", "--method", "mfos_rl", "--set", "rl_minibatches=7", "--set", "generations=1")]
    [InlineData("unknown co-player 'tabular' for coin_game", "shape", "train", "--env", "coin_game", "--set", "coplayer=tabular")]
    [InlineData("unknown competency opponent", "shape", "competency", "--opponent", "nobody", "--outer", "1")]
    [InlineData("is not true or false", "shape", "competency", "--egocentric", "maybe")]
    [InlineData("unknown game 'chess'", "shape", "train", "--env", "chess")]
    [InlineData("pop_size=3", "shape", "train", "--set", "pop_size=3")]
    [InlineData("unknown key 'popsize'", "shape", "train", "--set", "popsize=3")]
    [InlineData("not a valid integer", "shape", "train", "--set", "pop_size=many")]
    [InlineData("do not divide", "shape", "train", "--set", "inner=7")]
    [InlineData("one sample per minibatch", "shape", "train", "--set", "inner=2")]
    [InlineData("unknown co-player 'nobody'", "shape", "train", "--set", "coplayer=nobody")]
    [InlineData("does not exist", "shape", "eval", "--run", "/nonexistent/run")]
    [InlineData("--run is required", "shape", "eval")]
    [InlineData("unknown shape subcommand", "shape", "fly")]
    [InlineData("needs a subcommand", "shape")]
    [InlineData("must be even", "shape", "bench", "--pop", "3")]
    public void BadInputIsOneLineAndExitCode2(string expected, params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("hybrid: error: ", err);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void DamagedOrForeignAgentFilesAreOneLineAndExitCode2()
    {
        var root = Directory.CreateTempSubdirectory("hybrid-shape-cli-");
        try
        {
            var run = Path.Combine(root.FullName, "run");
            Assert.Equal(0, Run(new[] { "shape", "train", "--out", run }.Concat(Small).ToArray()).Code);
            var agent = Path.Combine(run, "agent.bin");
            var bytes = File.ReadAllBytes(agent);
            bytes[^3] ^= 0xFF;
            File.WriteAllBytes(agent, bytes);
            var (code, _, err) = Run("shape", "eval", "--run", run);
            Assert.Equal(2, code);
            Assert.Contains("corrupted", err);
            File.WriteAllText(Path.Combine(run, "config.json"), "{ not json");
            (code, _, err) = Run("shape", "eval", "--run", run);
            Assert.Equal(2, code);
            Assert.Contains("config.json", err);
            var (c2, _, e2) = Run("shape", "eval", "--run", root.FullName);
            Assert.Equal(2, c2);
            Assert.Contains("not a shaping run", e2);
            var (c3, _, e3) = Run(new[] { "shape", "train", "--out", Path.Combine(root.FullName, "fresh"), "--resume" }.Concat(Small).ToArray());
            Assert.Equal(2, c3);
            Assert.Contains("no checkpoint", e3);
        }
        finally { root.Delete(true); }
    }
}
