using Hybrid.Cli;
using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Networks;
using Xunit;

namespace Hybrid.Scaling.Tests;

/// <summary>The PPO family end to end on small runs: replay consistency, learning, seed independence, checkpoints, the CLI.</summary>
public class PpoTests
{
    static PpoConfig Small(int updates = 2, int envs = 4, int steps = 16) => new()
    {
        NumEnvs = envs, NumSteps = steps, TotalTimesteps = (long)updates * envs * steps, UpdateEpochs = 1, NumMinibatches = 1, Hidden = 16, GruHidden = 8,
    };

    static float[] Parameters(PpoTrainer t) => t.Network.ParameterSets.SelectMany(p => p.Values.data<float>().ToArray()).ToArray();

    public static IEnumerable<object[]> Variants() => new[]
    {
        new object[] { PpoVariant.Ppo, "MPE_simple_v3", false, false },
        new object[] { PpoVariant.Ppo, "minatar_breakout", false, false },
        new object[] { PpoVariant.Ppo, "MPE_simple_continuous_v3", false, false },
        new object[] { PpoVariant.Ippo, "MPE_simple_spread_v3", false, true },
        new object[] { PpoVariant.Ippo, "MPE_simple_spread_v3", true, false },
        new object[] { PpoVariant.Ippo, "MPE_simple_spread_continuous_v3", true, false },
        new object[] { PpoVariant.Ippo, "switch_riddle", true, false },
        new object[] { PpoVariant.Mappo, "MPE_simple_spread_v3", false, false },
        new object[] { PpoVariant.Mappo, "MPE_simple_spread_v3", true, true },
    };

    /// <summary>
    /// With one epoch of one minibatch the loss is evaluated at the rollout's parameters, so replaying the stored
    /// observations (sequences from the rollout's first hidden state, with its resets) must give back the rollout's
    /// log-probabilities: approx KL 0, nothing clipped. This checks the actor layout, the minibatch gather and the
    /// recurrent replay, over two updates so hidden states also carry across rollouts.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void ReplayGivesBackTheRolloutsLogProbabilities(PpoVariant variant, string env, bool recurrent, bool agentId)
    {
        var config = Small(updates: 3, steps: 40) with { Recurrent = recurrent, AgentId = agentId };
        using var trainer = new PpoTrainer(variant, env, config, seeds: 2);
        for (var u = 0; u < 3; u++)
        {
            var m = trainer.Step();
            for (var s = 0; s < 2; s++)
            {
                Assert.True(Math.Abs(m["approx_kl"][s]) < 1e-5, $"update {u} seed {s}: approx KL {m["approx_kl"][s]}");
                Assert.Equal(0, m["clip_fraction"][s]);
                Assert.True(double.IsFinite(m["value_loss"][s]) && m["grad_norm"][s] > 0);
            }
        }
    }

    [Fact]
    public void PpoImprovesOnTheRandomPolicy()
    {
        // MPE simple: one agent, one landmark; uniformly random actions return about -39 per episode.
        var config = PpoConfig.For(PpoVariant.Ppo, "MPE_simple_v3") with { NumEnvs = 8, NumSteps = 64, TotalTimesteps = 24_576, Seed = 4 };
        using var trainer = new PpoTrainer(PpoVariant.Ppo, "MPE_simple_v3", config);
        trainer.Train();
        var random = PpoRun.RandomReturn("MPE_simple_v3", 4);
        var final = trainer.FinalReturns()[0];
        Assert.True(random < -30, $"random {random}");
        Assert.True(final > random + 15, $"final {final} vs random {random}");
    }

    [Fact]
    public void IppoImprovesOnMpeSpread()
    {
        var config = PpoConfig.For(PpoVariant.Ippo, "MPE_simple_spread_v3") with { TotalTimesteps = 102_400, Seed = 1 };
        using var trainer = new PpoTrainer(PpoVariant.Ippo, "MPE_simple_spread_v3", config);
        var first = trainer.Step()["return"][0];
        trainer.Train();
        var random = PpoRun.RandomReturn("MPE_simple_spread_v3", 1);
        Assert.True(trainer.FinalReturns()[0] > random + 3, $"final {trainer.FinalReturns()[0]}, first update {first}, random {random}");
    }

    [Fact]
    public void ASeedTrainsTheSameAloneAsWithOthers()
    {
        var config = Small(updates: 2) with { UpdateEpochs = 2, NumMinibatches = 2 };
        using var together = new PpoTrainer(PpoVariant.Ippo, "MPE_simple_spread_v3", config, seeds: 3);
        using var alone = new PpoTrainer(PpoVariant.Ippo, "MPE_simple_spread_v3", config with { Seed = 2 }, seeds: 1);
        together.Train();
        alone.Train();
        var p3 = together.Network.ParameterSets[0].Values[2].data<float>().ToArray();
        var p1 = alone.Network.ParameterSets[0].Values[0].data<float>().ToArray();
        Assert.Equal(p1.Length, p3.Length);
        // Same initial values, environments, actions and minibatches; the batched products may round differently.
        Assert.All(p1.Zip(p3), x => Assert.True(Math.Abs(x.First - x.Second) < 1e-4, $"{x.First} vs {x.Second}"));
        Assert.Equal(alone.Episodes.Finished(0).Select(e => e.Length), together.Episodes.Finished(2).Select(e => e.Length));
    }

    [Theory]
    [InlineData(PpoVariant.Mappo, "MPE_simple_spread_v3", true)]
    [InlineData(PpoVariant.Ppo, "minatar_breakout", false)]
    public void ACheckpointContinuesExactlyAsAnUninterruptedRun(PpoVariant variant, string env, bool recurrent)
    {
        var config = Small(updates: 4) with { UpdateEpochs = 2, NumMinibatches = 2, Recurrent = recurrent };
        using var straight = new PpoTrainer(variant, env, config, seeds: 2);
        straight.Train();
        byte[] saved;
        using (var first = new PpoTrainer(variant, env, config, seeds: 2))
        {
            first.Step();
            first.Step();
            saved = PpoCheckpoint.ToBytes(first);
        }
        using var resumed = new PpoTrainer(variant, env, config, seeds: 2);
        PpoCheckpoint.Read(saved, "checkpoint.bin", resumed);
        Assert.Equal(2, resumed.Update);
        resumed.Train();
        Assert.Equal(Parameters(straight), Parameters(resumed));
        Assert.Equal(straight.FinalReturns(), resumed.FinalReturns());
    }

    [Fact]
    public void ACheckpointOfAnotherConfigurationIsRefused()
    {
        var config = Small();
        byte[] saved;
        using (var t = new PpoTrainer(PpoVariant.Ppo, "MPE_simple_v3", config)) saved = PpoCheckpoint.ToBytes(t);
        using var other = new PpoTrainer(PpoVariant.Ppo, "MPE_simple_v3", config with { LearningRate = 1e-3 });
        Assert.Equal("checkpoint.bin was written by PPO on MPE_simple_v3 with 1 seed with other settings (config.lr 0.00025 there, 0.001 here)",
            Assert.Throws<InvalidDataException>(() => PpoCheckpoint.Read(saved, "checkpoint.bin", other)).Message);
    }

    [Fact]
    public void UnsuitableEnvironmentsAreNamed()
    {
        Assert.Contains("use ippo or mappo", Assert.Throws<ArgumentException>(() => new PpoTrainer(PpoVariant.Ppo, "MPE_simple_spread_v3", Small())).Message);
        Assert.Contains("same action space", Assert.Throws<ArgumentException>(() => new PpoTrainer(PpoVariant.Ippo, "MPE_simple_speaker_listener_v4", Small())).Message);
    }

    [Fact]
    public void RecurrentNetworkUsesTheReferenceInitialisation()
    {
        using var net = ActorCritic.Create(new NetworkShape(new long[] { 6 }, new Hybrid.Scaling.Distributions.Categorical(3)), ActorCriticOptions.Recurrent(8, 8), new long[] { 0, 1 });
        var p = net.ParameterSets[0];
        Assert.Contains(p.Blocks, b => b.Name == "actor.gru.recurrent");
        // The actor head is orthogonal with gain 0.01: its columns have norm 0.01.
        var head = p.Block(p.IndexOf("actor.head.weight"))[0];
        Assert.True(head.T.matmul(head).allclose(TorchSharp.torch.eye(3) * TorchSharp.torch.tensor(1e-4f), atol: 1e-8));
        // Copies start from different values (their own seeds).
        Assert.False(p.Values[0].allclose(p.Values[1]));
    }

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
            Assert.Contains("random policy", File.ReadAllText(html));
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

    static PpoConfig TrainCommandConfig() => Hybrid.Cli.Commands.TrainCommand.Resolve(PpoVariant.Ppo, "MPE_simple_v3", null,
        new[] { "num_envs=4", "num_steps=64", "checkpoint_every=3", "total_timesteps=4096" });

    [Fact]
    public void TrainCommandRejectsBadInputWithExitCode2()
    {
        var err = new StringWriter();
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "dqn", "--env", "MPE_simple_v3" }, new StringWriter(), err));
        Assert.Contains("unknown algorithm 'dqn'", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "ppo", "--env", "MPE_simple_v3", "--set", "nope=1" }, new StringWriter(), err));
        Assert.Contains("unknown key 'nope'", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "train", "--algo", "ppo", "--env", "MPE_simple_v3", "--out", Path.Combine(Path.GetTempPath(), "hybrid-none-" + Guid.NewGuid()), "--resume" }, new StringWriter(), err));
        Assert.Contains("no checkpoint", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "eval", "--run", Path.GetTempPath() }, new StringWriter(), err));
        Assert.Contains("not a finished run", err.ToString());
        Assert.Equal(2, CommandLine.Run(new[] { "eval", "--run", Path.GetTempPath(), "--policy", "greedy" }, new StringWriter(), err));
        Assert.Contains("--policy applies to --episodes", err.ToString());
    }
}
