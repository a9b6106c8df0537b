using Hybrid.Scaling.Algorithms;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>train and eval end to end: run directories, resume after a kill, evaluation, bad input.</summary>
public class TrainCommandTests
{
    [Fact]
    public void TrainCommandWritesARunThatResumesToTheSameEndAndEvaluates()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-train-");
        var other = Directory.CreateTempSubdirectory("hybrid-train-");
        try
        {
            string[] Args(string outDir, params string[] extra) => new[] { "train", "--algo", "ppo", "--env", "MPE_simple_v3", "--steps", "4096", "--seeds", "2",
                "--set", "num_envs=4", "--set", "num_steps=64", "--set", "checkpoint_every=3", "--out", outDir, "--json" }.Concat(extra).ToArray();
            var stdout = new StringWriter();
            Assert.Equal(0, CommandLine.Run(Args(dir.FullName), stdout, new StringWriter()));
            using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
            var root = json.RootElement;
            foreach (var key in new[] { "algo", "env", "steps", "seeds", "final_return", "random_return", "steps_per_second" })
                Assert.True(root.TryGetProperty(key, out _), key);
            Assert.Equal(2, root.GetProperty("final_return").GetArrayLength());
            Assert.Equal(4096, root.GetProperty("steps").GetInt64());
            foreach (var f in new[] { "config.json", "metrics.csv", "episodes.csv", "summary.json", "checkpoint.bin" }) Assert.True(File.Exists(Path.Combine(dir.FullName, f)), f);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir.FullName, "tensorboard")));
            Assert.Equal(1 + 16 * 2, File.ReadAllLines(Path.Combine(dir.FullName, "metrics.csv")).Length);
            Assert.Contains("\"lr\": 0.0005", File.ReadAllText(Path.Combine(dir.FullName, "config.json")));

            // (The last three columns are timings.) A run killed after 5 updates (checkpoint at 3) resumes from update 3 and ends where the uninterrupted run ended.
            var config = TrainCommandConfig();
            using (var partial = new PpoRun(other.FullName, PpoVariant.Ppo, "MPE_simple_v3", config, 2, resume: false, writeTensorBoard: false))
                partial.Run(stopAfter: 5);
            Assert.Equal(2, CommandLine.Run(Args(other.FullName), new StringWriter(), new StringWriter())); // no --resume: refused
            var resumedOut = new StringWriter();
            Assert.Equal(0, CommandLine.Run(Args(other.FullName, "--resume"), resumedOut, new StringWriter()));
            using var resumed = System.Text.Json.JsonDocument.Parse(resumedOut.ToString());
            Assert.Equal(root.GetProperty("final_return").ToString(), resumed.RootElement.GetProperty("final_return").ToString());
            string[] Columns(string d) => File.ReadAllLines(Path.Combine(d, "metrics.csv")).Select(l => string.Join(",", l.Split(',').SkipLast(3))).ToArray();
            Assert.Equal(Columns(dir.FullName), Columns(other.FullName));
            Assert.Equal(File.ReadAllText(Path.Combine(dir.FullName, "episodes.csv")), File.ReadAllText(Path.Combine(other.FullName, "episodes.csv")));

            var evalOut = new StringWriter();
            var html = Path.Combine(dir.FullName, "curves.html");
            Assert.Equal(0, CommandLine.Run(new[] { "eval", "--run", dir.FullName, "--reps", "500", "--json", "--html", html }, evalOut, new StringWriter()));
            // Two seeds: their mean with its band, each seed, the random policy; one legend row each.
            Assert.Equal(new[] { "mean over seeds", "seed 0", "seed 1", "random policy" }, ChartHtmlTests.Legend(File.ReadAllText(html)));
            using var eval = System.Text.Json.JsonDocument.Parse(evalOut.ToString());
            var iqm = eval.RootElement.GetProperty("statistics").GetProperty("iqm");
            Assert.True(iqm.GetProperty("lower").GetDouble() <= iqm.GetProperty("value").GetDouble());

            // The checkpoint's policy on fresh episodes: greedy by default.
            var played = new StringWriter();
            Assert.Equal(0, CommandLine.Run(new[] { "eval", "--run", dir.FullName, "--episodes", "20", "--reps", "100", "--json" }, played, new StringWriter()));
            using var playedJson = System.Text.Json.JsonDocument.Parse(played.ToString());
            Assert.StartsWith("greedy policy, 20 fresh episodes", playedJson.RootElement.GetProperty("scores_from").GetString());
            Assert.All(playedJson.RootElement.GetProperty("runs")[0].GetProperty("scores").EnumerateArray(), x => Assert.True(double.IsFinite(x.GetDouble())));
            using var reopened = PpoRun.Open(dir.FullName);
            Assert.Equal(16, reopened.Update);
            Assert.Equal(2, reopened.Seeds);
        }
        finally
        {
            dir.Delete(true);
            other.Delete(true);
        }
    }

    [Theory]
    [InlineData("rainbow", "minatar_breakout", 4, 3, "iteration_steps=400,num_envs=4,min_replay_history=200,replay_capacity=2000,checkpoint_every=2,total_timesteps=1600")]
    [InlineData("qmix", "MPE_simple_spread_v3", 10, 6, "num_envs=4,buffer_size=400,buffer_batch_size=8,learning_starts=200,hidden_size=16,checkpoint_every=4,total_timesteps=1040")]
    public void ValueBasedRunsResumeToTheSameEndAndEvaluate(string algo, string env, int iterations, int killedAfter, string settingList)
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-train-");
        var other = Directory.CreateTempSubdirectory("hybrid-train-");
        try
        {
            var settings = settingList.Split(',');
            string[] Args(string outDir, params string[] extra) => new[] { "train", "--algo", algo, "--env", env, "--seeds", "2", "--out", outDir, "--json", "--no-tensorboard" }
                .Concat(settings.SelectMany(x => new[] { "--set", x })).Concat(extra).ToArray();
            var stdout = new StringWriter();
            Assert.Equal(0, CommandLine.Run(Args(dir.FullName), stdout, new StringWriter()));
            using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
            Assert.Equal(algo, json.RootElement.GetProperty("algo").GetString());
            var total = long.Parse(settings.Single(x => x.StartsWith("total_timesteps=")).Split('=')[1]);
            Assert.Equal(total, json.RootElement.GetProperty("steps").GetInt64());
            Assert.Equal(1 + iterations * 2, File.ReadAllLines(Path.Combine(dir.FullName, "metrics.csv")).Length);

            // Killed after a few iterations (the last checkpoint before it holds the replay buffer): the resumed run ends where the uninterrupted one did.
            float[] Parameters(string d)
            {
                if (algo == "qmix") { using var t = MarlQRun.Open(d); return t.Learner.Online.Values.data<float>().ToArray(); }
                using var q = DqnRun.Open(d);
                return q.Learner.Network.Online.Values.data<float>().ToArray();
            }
            if (algo == "qmix")
            {
                var config = Hybrid.Scaling.Training.ConfigBinder.Bind(MarlQConfig.For(algo, env), null, settings);
                using var partial = new MarlQRun(other.FullName, algo, env, config, 2, resume: false, writeTensorBoard: false);
                partial.Run(stopAfter: killedAfter);
            }
            else
            {
                var config = Hybrid.Scaling.Training.ConfigBinder.Bind(DqnConfig.For(algo, env), null, settings);
                using var partial = new DqnRun(other.FullName, algo, env, config, 2, resume: false, writeTensorBoard: false);
                partial.Run(stopAfter: killedAfter);
            }
            var resumedOut = new StringWriter();
            Assert.Equal(0, CommandLine.Run(Args(other.FullName, "--resume"), resumedOut, new StringWriter()));
            using var resumed = System.Text.Json.JsonDocument.Parse(resumedOut.ToString());
            Assert.Equal(json.RootElement.GetProperty("final_return").ToString(), resumed.RootElement.GetProperty("final_return").ToString());
            Assert.Equal(File.ReadAllText(Path.Combine(dir.FullName, "episodes.csv")), File.ReadAllText(Path.Combine(other.FullName, "episodes.csv")));
            string[] Columns(string d) => File.ReadAllLines(Path.Combine(d, "metrics.csv")).Select(l => string.Join(",", l.Split(',').SkipLast(2))).ToArray();
            Assert.Equal(Columns(dir.FullName), Columns(other.FullName));
            Assert.Equal(Parameters(dir.FullName), Parameters(other.FullName));

            var evalOut = new StringWriter();
            Assert.Equal(0, CommandLine.Run(new[] { "eval", "--run", dir.FullName, "--reps", "200", "--json" }, evalOut, new StringWriter()));
            Assert.Contains("\"iqm\"", evalOut.ToString());
            var err = new StringWriter();
            // Fresh epsilon-greedy episodes (DQN family: epsilon_eval, noisy layers at their mean; QMIX: greedy), the same for the same seed.
            string Played(string epsilon, params string[] extra)
            {
                var o = new StringWriter();
                Assert.Equal(0, CommandLine.Run(new[] { "eval", "--run", dir.FullName, "--episodes", "3", "--reps", "50", "--json" }.Concat(extra).ToArray(), o, new StringWriter()));
                using var j = System.Text.Json.JsonDocument.Parse(o.ToString());
                Assert.StartsWith($"epsilon-greedy (epsilon {epsilon}", j.RootElement.GetProperty("scores_from").GetString());
                return j.RootElement.GetProperty("runs")[0].GetProperty("scores").ToString();
            }
            var byDefault = algo == "qmix" ? "0)" : "0.001";
            Assert.Equal(Played(byDefault), Played(byDefault));
            Assert.NotEqual(Played(byDefault), Played(algo == "qmix" ? "1)" : "1,", "--seed", "3", "--epsilon", "1"));
            Assert.Equal(2, CommandLine.Run(new[] { "eval", "--run", dir.FullName, "--episodes", "3", "--policy", "sample" }, new StringWriter(), err));
            Assert.Contains("--policy applies to PPO-family runs", err.ToString());
            Assert.Equal(2, CommandLine.Run(new[] { "eval", "--run", dir.FullName, "--episodes", "3", "--epsilon", "2" }, new StringWriter(), err));
            Assert.Contains("--epsilon: 2 must lie in [0, 1]", err.ToString());
        }
        finally
        {
            dir.Delete(true);
            other.Delete(true);
        }
    }

    static PpoConfig TrainCommandConfig() => Hybrid.Cli.Commands.TrainCommand.Resolve(PpoVariant.Ppo, "MPE_simple_v3", null,
        new[] { "num_envs=4", "num_steps=64", "checkpoint_every=3", "total_timesteps=4096" });

    [Fact]
    public void TrainCommandRejectsBadInputWithExitCode2()
    {
        var err = new StringWriter();
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "dqn2", "--env", "MPE_simple_v3" }, new StringWriter(), err));
        Assert.Contains("unknown algorithm 'dqn2'", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "dqn", "--env", "MPE_simple_spread_v3", "--steps", "20000" }, new StringWriter(), err));
        Assert.Contains("dqn trains single-agent environments", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "qmix", "--env", "MPE_simple_v3" }, new StringWriter(), err));
        Assert.Contains("qmix learns the values of several agents; MPE_simple_v3 has one agent", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "vdn", "--env", "MPE_simple_spread_continuous_v3" }, new StringWriter(), err));
        Assert.Contains("vdn needs discrete actions", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "ppo", "--env", "MPE_simple_v3", "--set", "nope=1" }, new StringWriter(), err));
        Assert.Contains("unknown key 'nope'", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "ppo", "--env", "MPE_simple_v3", "--out", Path.Combine(Path.GetTempPath(), "hybrid-none-" + Guid.NewGuid()), "--resume" }, new StringWriter(), err));
        Assert.Contains("no checkpoint", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "eval", "--run", Path.GetTempPath() }, new StringWriter(), err));
        Assert.Contains("not a finished run", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "eval", "--run", Path.GetTempPath(), "--policy", "greedy" }, new StringWriter(), err));
        Assert.Contains("--policy applies to --episodes", err.ToString());
    }

    [Fact]
    public void TrainTakesTheNetworksTorsoAndGruCellAsSettings()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-cnn-");
        try
        {
            var err = new StringWriter();
            Assert.True(CommandLine.Run(new[] { "train", "--algo", "ppo", "--env", "minatar_breakout", "--steps", "256", "--set", "num_envs=4", "--set", "num_steps=64",
                "--set", "torso=cnn", "--out", Path.Combine(dir.FullName, "cnn"), "--no-tensorboard" }, new StringWriter(), err) == 0, err.ToString());
            Assert.Contains("\"torso\": \"cnn\"", File.ReadAllText(Path.Combine(dir.FullName, "cnn", "config.json")));
            Assert.True(CommandLine.Run(new[] { "train", "--algo", "ippo", "--env", "switch_riddle", "--steps", "256", "--set", "num_envs=4", "--set", "num_steps=64",
                "--set", "recurrent=true", "--set", "gru_cell=haiku", "--set", "num_minibatches=2", "--out", Path.Combine(dir.FullName, "haiku"), "--no-tensorboard" }, new StringWriter(), err) == 0, err.ToString());
            Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "ppo", "--env", "minatar_breakout", "--set", "torso=transformer" }, new StringWriter(), err));
            Assert.Contains("torso=transformer is not a valid choice", err.ToString());
            Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "ippo", "--env", "coin_game", "--set", "torso=cnn", "--out", Path.Combine(dir.FullName, "flat") }, new StringWriter(), err));
            Assert.Contains("a convolutional torso needs [H, W, C] grids", err.ToString());
        }
        finally { dir.Delete(true); }
    }
}
