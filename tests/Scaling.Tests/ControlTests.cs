using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Distributions;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Rollouts;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Tests;

/// <summary>Environments as instances, per-agent control, the rollout collector and population rows.</summary>
public class ControlTests
{
    static PpoConfig Small(int updates = 2, int envs = 4, int steps = 20) => new()
    {
        NumEnvs = envs, NumSteps = steps, TotalTimesteps = (long)updates * envs * steps, UpdateEpochs = 1, NumMinibatches = 2, Hidden = 16,
    };

    static float[] Values(ParameterStore p) => p.Values.detach().data<float>().ToArray();

    [Fact]
    public void IppoTrainsAgentZeroAgainstAFixedCoPlayerOnAnEgocentricCoinGame()
    {
        using var env = new CoinGame(2 * 4, new CoinGameOptions(Egocentric: true));
        using var trainer = new PpoTrainer(PpoVariant.Ippo, env, Small(), seeds: 2,
            control: new[] { AgentControl.Learner("agent_0"), AgentControl.Fixed(new ConstantPolicy(4), "agent_1") });
        Assert.Same(env, trainer.Environment);
        Assert.Single(trainer.Learners);
        var before = Values(trainer.Network.ParameterSets[0]);
        var m = trainer.Step();
        Assert.NotEqual(before, Values(trainer.Network.ParameterSets[0]));
        // The fixed co-player stayed put: every action in its trajectory is 4 ("stay"), and it has no network.
        var fixedTrajectory = trainer.Policy.Controllers[1];
        Assert.IsType<ConstantPolicy>(fixedTrajectory.Actor);
        Assert.Equal(new[] { 0 }, trainer.Policy.Controllers[0].Group.Agents);
        Assert.True(m.Has("return_agent_0") && m.Has("return_agent_1") && m.Has("actor_loss"));
        trainer.Train();
        Assert.Equal(2, trainer.Update);
    }

    [Fact]
    public void TwoLearnersTrainTheirOwnNetworksWithTheirOwnOptimisers()
    {
        using var env = new CoinGame(2 * 4);
        using var trainer = new PpoTrainer(PpoVariant.Ippo, env, Small(), seeds: 2,
            control: new[] { AgentControl.Learner("agent_0"), AgentControl.Learner("agent_1") });
        Assert.Equal(2, trainer.Learners.Count);
        var (a, b) = (trainer.Learners[0].Network.ParameterSets[0], trainer.Learners[1].Network.ParameterSets[0]);
        Assert.NotEqual(Values(a), Values(b)); // different seeds
        var (a0, b0) = (Values(a), Values(b));
        var m = trainer.Step();
        Assert.NotEqual(a0, Values(a));
        Assert.NotEqual(b0, Values(b));
        Assert.True(m.Has("agent_0/actor_loss") && m.Has("agent_1/grad_norm"));

        // The checkpoint of a two-learner run resumes exactly.
        var saved = PpoCheckpoint.ToBytes(trainer);
        trainer.Step();
        using var env2 = new CoinGame(2 * 4);
        using var resumed = new PpoTrainer(PpoVariant.Ippo, env2, Small(), seeds: 2,
            control: new[] { AgentControl.Learner("agent_0"), AgentControl.Learner("agent_1") });
        PpoCheckpoint.Read(saved, "two.bin", resumed);
        resumed.Step();
        Assert.Equal(Values(trainer.Learners[1].Network.ParameterSets[0]), Values(resumed.Learners[1].Network.ParameterSets[0]));
        // Other controllers: refused with the difference named.
        using var env3 = new CoinGame(2 * 4);
        using var other = new PpoTrainer(PpoVariant.Ippo, env3, Small(), seeds: 2);
        Assert.Contains("control", Assert.Throws<InvalidDataException>(() => PpoCheckpoint.Read(saved, "two.bin", other)).Message);
    }

    [Fact]
    public void ATrialStartsLearnersAndEnvironmentsAgainWithoutRebuildingThem()
    {
        var config = Small(updates: 3) with { AnnealLr = false, Recurrent = true, GruHidden = 8 };
        using var envA = new CoinGame(2 * 4);
        using var envB = new CoinGame(2 * 4);
        using var a = new PpoTrainer(PpoVariant.Ippo, envA, config, seeds: 2);
        using var b = new PpoTrainer(PpoVariant.Ippo, envB, config, seeds: 2);
        var initial = Values(b.Network.ParameterSets[0]);
        a.Step();
        Assert.NotEqual(initial, Values(a.Network.ParameterSets[0]));
        // New trial: the same seeds as at construction for the learner and the environments.
        a.Learners[0].Reset(new long[] { 0, 1 });
        Assert.Equal(initial, Values(a.Network.ParameterSets[0]));
        var envSeeds = new ulong[8];
        for (var s = 0; s < 2; s++) for (var e = 0; e < 4; e++) envSeeds[s * 4 + e] = SplitMix64.Start((ulong)s) + (ulong)e;
        a.Collector.Reset(envSeeds);
        var (ma, mb) = (a.Step(), b.Step());
        Assert.Equal(mb["actor_loss"], ma["actor_loss"]);
        Assert.Equal(Values(b.Network.ParameterSets[0]), Values(a.Network.ParameterSets[0]));
    }

    [Fact]
    public void AgentsWithDifferentActionSpacesGetOneSharedNetworkPerSpaceByDefault()
    {
        // Speaker-listener: the speaker says one of 3 words, the listener moves in 5 directions; spread's 3 agents share 5.
        using var listener = EnvRegistry.Create("MPE_simple_speaker_listener_v4", 2 * 4);
        Assert.Equal(new[] { new[] { "speaker_0" }, new[] { "listener_0" } }, PpoTrainer.DefaultControl(listener).Select(c => c.Agents.ToArray()).ToArray());
        using var spread = EnvRegistry.Create("MPE_simple_spread_v3", 2 * 4);
        Assert.Single(PpoTrainer.DefaultControl(spread));
        using var trainer = new PpoTrainer(PpoVariant.Mappo, listener, Small(), seeds: 2);
        Assert.Equal(2, trainer.Learners.Count);
        Assert.Equal(new[] { new Discrete(3), new Discrete(5) }, trainer.Policy.Controllers.Select(c => c.Group.ActionSpace).ToArray());
        var before = trainer.Learners.Select(l => Values(l.Network.ParameterSets[0])).ToArray();
        trainer.Train();
        for (var l = 0; l < 2; l++) Assert.NotEqual(before[l], Values(trainer.Learners[l].Network.ParameterSets[0]));
    }

    [Fact]
    public void MisfitEnvironmentsAndControlsAreNamed()
    {
        using var env = new CoinGame(10);
        Assert.Equal("coin_game has 10 environments; 2 seeds x num_envs 4 need 8",
            Assert.Throws<ArgumentException>(() => new PpoTrainer(PpoVariant.Ippo, env, Small(), seeds: 2)).Message);
        using var eight = new CoinGame(8);
        Assert.Contains("agents without a controller: agent_1", Assert.Throws<ArgumentException>(() =>
            new PpoTrainer(PpoVariant.Ippo, eight, Small(), seeds: 2, control: new[] { AgentControl.Learner("agent_0") })).Message);
        Assert.Contains("has no agent 'agent_7'", Assert.Throws<ArgumentException>(() =>
            new PpoTrainer(PpoVariant.Ippo, eight, Small(), seeds: 2, control: new[] { AgentControl.Learner("agent_0", "agent_7") })).Message);
        Assert.Contains("two controllers", Assert.Throws<ArgumentException>(() =>
            new PpoTrainer(PpoVariant.Ippo, eight, Small(), seeds: 2, control: new[] { AgentControl.Learner("agent_0", "agent_1"), AgentControl.Fixed(new ConstantPolicy(0), "agent_1") })).Message);
        Assert.Contains("no agent is trained", Assert.Throws<ArgumentException>(() =>
            new PpoTrainer(PpoVariant.Ippo, eight, Small(), seeds: 2, control: new[] { AgentControl.Fixed(new ConstantPolicy(0), "agent_0", "agent_1") })).Message);
    }

    [Fact]
    public void TitForTatAgainstAlwaysDefectLosesOnceThenBothDefect()
    {
        using var env = new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, 3, new MatrixGameOptions(InnerSteps: 5));
        var policy = new JointPolicy(env, new[]
        {
            new Controller(new AgentGroup(env, new[] { 0 }, 1), MatrixGameStrategies.TitForTat(), false),
            new Controller(new AgentGroup(env, new[] { 1 }, 1), MatrixGameStrategies.AlwaysDefect(), false),
        });
        var collector = new RolloutCollector(policy);
        collector.Reset(new ulong[] { 0, 1, 2 });
        using var rollout = collector.NewRollout(5);
        collector.Collect(rollout);
        var tft = rollout.Groups[0];
        var defector = rollout.Groups[1];
        for (var e = 0; e < 3; e++)
        {
            Assert.Equal(new[] { 0, 1, 1, 1, 1 }, Enumerable.Range(0, 5).Select(t => tft.Actions[t * 3 + e]));
            Assert.Equal(new[] { -3f, -2, -2, -2, -2 }, Enumerable.Range(0, 5).Select(t => tft.Rewards[t * 3 + e]));
            Assert.Equal(new[] { 0f, -2, -2, -2, -2 }, Enumerable.Range(0, 5).Select(t => defector.Rewards[t * 3 + e]));
            Assert.True(tft.Dones[4 * 3 + e]);
        }
        Assert.Equal(3, collector.Episodes.Finished(0).Count);
        Assert.Equal(-11, collector.Episodes.Finished(0)[0].AgentReturns[0]);
    }

    [Fact]
    public void GrimTriggerForgivesNothingWithinAnEpisodeAndForgetsAtItsEnd()
    {
        using var env = new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, 1, new MatrixGameOptions(InnerSteps: 4));
        // The co-player defects only at step 1 of every episode (a callback with its own counter).
        var t = 0;
        var callback = new CallbackPolicy(step => { step.Actions[step.Offset] = t++ % 4 == 1 ? 1 : 0; }, "defects at step 1");
        var policy = new JointPolicy(env, new[]
        {
            new Controller(new AgentGroup(env, new[] { 0 }, 1), MatrixGameStrategies.Grim(), false),
            new Controller(new AgentGroup(env, new[] { 1 }, 1), callback, false),
        });
        var collector = new RolloutCollector(policy);
        collector.Reset(new ulong[] { 9 });
        using var rollout = collector.NewRollout(8);
        collector.Collect(rollout);
        // Grim: C, C (sees the defection after it), D, D; new episode: C, C, D, D.
        Assert.Equal(new[] { 0, 0, 1, 1, 0, 0, 1, 1 }, rollout.Groups[0].Actions);
        Assert.Equal("agent_0: grim; agent_1: defects at step 1", policy.Describe());
    }

    [Fact]
    public void APopulationOfNetworksIsOneBatchedForwardPass()
    {
        using var scope = NewDisposeScope();
        const int members = 16;
        var shape = new NetworkShape(new long[] { 5 }, new Categorical(2));
        using var population = ActorCritic.Create(shape, ActorCriticOptions.Mlp(8, 1), Enumerable.Range(0, members).Select(k => (long)k).ToArray());
        var store = population.ParameterSets[0];
        using var es = new OpenEs(store.Size, new OpenEsConfig { PopSize = members }, seed: 3);
        var candidates = es.Ask();
        store.Assign(candidates);
        var obs = rand(1, members, 7, 5);
        var all = population.Forward(obs, null, new ForwardContext()).Policy.Primary;
        // Member 5 alone: a one-copy network holding row 5.
        using var single = ActorCritic.Create(shape, ActorCriticOptions.Mlp(8, 1), new long[] { 0 });
        single.ParameterSets[0].Assign(candidates[5].unsqueeze(0));
        var alone = single.Forward(obs[.., 5..6], null, new ForwardContext()).Policy.Primary;
        Assert.True(alone[0].allclose(all[5], atol: 1e-6));
        Assert.Throws<ArgumentException>(() => store.Assign(zeros(3, store.Size)));
    }

    [Fact]
    public void AnEvolvedPopulationLearnsToExploitAnUnconditionalCooperator()
    {
        // 32 memoryless policies (one logit each: P(defect) = sigmoid) play 10-step IPDs against always-cooperate;
        // fitness = mean reward per step. The best response is to defect (reward 0 instead of -1).
        const int members = 32;
        using var env = new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, members * 4, new MatrixGameOptions(InnerSteps: 10));
        var shape = new NetworkShape(new long[] { 5 }, new Categorical(2));
        using var network = ActorCritic.Create(shape, ActorCriticOptions.Mlp(4, 1), Enumerable.Range(0, members).Select(k => (long)k).ToArray());
        var actor = new NetworkActor(network, Enumerable.Range(0, members).Select(k => (ulong)k).ToArray());
        var policy = new JointPolicy(env, new[]
        {
            new Controller(new AgentGroup(env, new[] { 0 }, members), actor, false),
            new Controller(new AgentGroup(env, new[] { 1 }, 1), MatrixGameStrategies.AlwaysCooperate(), false),
        });
        var collector = new RolloutCollector(policy, members);
        using var rollout = collector.NewRollout(10);
        using var es = new OpenEs(network.ParameterSets[0].Size, new OpenEsConfig { PopSize = members, SigmaInit = 0.5, LrateInit = 0.05 }, seed: 1);
        double first = 0, last = 0;
        for (var g = 0; g < 30; g++)
        {
            var x = es.Ask();
            network.ParameterSets[0].Assign(x);
            collector.Reset(Enumerable.Range(0, env.NumEnvs).Select(e => (ulong)(g * 1000 + e)).ToArray());
            collector.Collect(rollout);
            var rewards = rollout.Groups[0].Rewards;
            var width = rollout.Groups[0].Width;
            var fitness = Enumerable.Range(0, members).Select(m => Enumerable.Range(0, 10).Sum(t => Enumerable.Range(0, 4).Sum(e => (double)rewards[t * width + m * 4 + e])) / 40).ToArray();
            es.Tell(x, fitness);
            if (g == 0) first = fitness.Average();
            last = fitness.Average();
        }
        Assert.True(last > first + 0.2, $"mean reward per step {first} -> {last}");
    }
}
