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
        // By default speaker and listener get a network each; one network for both cannot act in two action spaces.
        using var listener = Hybrid.Scaling.Catalog.EnvRegistry.Create("MPE_simple_speaker_listener_v4", Small().NumEnvs);
        Assert.Contains("same action space", Assert.Throws<ArgumentException>(() =>
            new PpoTrainer(PpoVariant.Ippo, listener, Small(), control: new[] { AgentControl.Learner("speaker_0", "listener_0") })).Message);
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
}
