using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class EnvironmentApiTests
{
    [Fact]
    public void SpacesWithArraysCompareByValue()
    {
        Assert.Equal(new Box(0, 1, new[] { 5 }), new Box(0, 1, new[] { 5 }));
        Assert.NotEqual(new Box(0, 1, new[] { 5 }), new Box(0, 1, new[] { 6 }));
        Assert.NotEqual(new Box(0, 1, new[] { 5 }), new Box(-1, 1, new[] { 5 }));
        Assert.Equal(new MultiDiscrete(new[] { 2, 3 }), new MultiDiscrete(new[] { 2, 3 }));
        Assert.NotEqual<Space>(new Box(0, 1, new[] { 1 }), new Discrete(1));
    }

    [Fact]
    public void UnknownEnvironmentNamesTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => EnvRegistry.Create("poker", 4));
        Assert.Contains("unknown environment 'poker'", e.Message);
        Assert.Contains("coin_game", e.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryEnvironmentResetsStepsAndKeepsObservationsInBounds(string name)
    {
        using var env = EnvRegistry.Create(name, 7);
        env.Reset(3);
        var policy = new RandomPolicy(env, 1);
        for (var t = 0; t < 300; t++)
        {
            policy.Step();
            for (var a = 0; a < env.Agents.Count; a++)
            {
                Assert.Equal(env.NumEnvs * env.ObservationSize(a), env.Observations(a).Length);
                var (low, high) = env.ObservationSpaces[a] switch
                {
                    Box b => (b.Low, b.High),
                    MultiDiscrete m => (0f, m.Nvec.Max() - 1f),
                    _ => throw new InvalidOperationException("unexpected observation space"),
                };
                Assert.All(env.Observations(a), v => { Assert.True(float.IsFinite(v)); Assert.InRange(v, low, high); });
                for (var e = 0; e < env.NumEnvs; e++) Assert.Equal(env.AllDones[e], env.Dones[a * env.NumEnvs + e]);
            }
        }
    }

    public static IEnumerable<object[]> Names() => EnvRegistry.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Names))]
    public void EnvironmentEOfABatchIsASingleEnvironmentSeededWithSPlusE(string name)
    {
        // 3000 environments: above the parallel threshold, so the batch is stepped on several threads.
        const int n = 3000;
        using var batch = EnvRegistry.Create(name, n);
        batch.Reset(100);
        var batchPolicy = new RandomPolicy(batch, 7);
        // Environment e's random actions come from stream 7 + e, so a single environment's policy seeded 7 + e matches.
        var singles = new[] { 0, 1234, n - 1 }.Select(e => (e, env: EnvRegistry.Create(name, 1))).ToList();
        var policies = singles.Select(p => { p.env.Reset(new[] { 100 + (ulong)p.e }); return new RandomPolicy(p.env, 7 + (ulong)p.e); }).ToList();
        for (var t = 0; t < 60; t++)
        {
            batchPolicy.Step();
            for (var s = 0; s < singles.Count; s++)
            {
                var (e, env) = singles[s];
                policies[s].Step();
                for (var a = 0; a < batch.Agents.Count; a++)
                {
                    var size = batch.ObservationSize(a);
                    Assert.Equal(batch.Observations(a).AsSpan(e * size, size).ToArray(), env.Observations(a));
                    Assert.Equal(batch.Rewards[a * n + e], env.Rewards[a]);
                }
                Assert.Equal(batch.AllDones[e], env.AllDones[0]);
            }
        }
        foreach (var (_, env) in singles) env.Dispose();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ASavedStateContinuesExactlyInAFreshBatch(string name)
    {
        using var original = EnvRegistry.Create(name, 6);
        original.Reset(21);
        var warmUp = new RandomPolicy(original, 5);
        for (var t = 0; t < 57; t++) warmUp.Step();
        using var saved = new MemoryStream();
        using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true)) original.SaveState(writer);
        using var restored = EnvRegistry.Create(name, 6);
        restored.Reset(999); // a different state, overwritten by the load
        saved.Position = 0;
        using (var reader = new BinaryReader(saved)) restored.LoadState(reader);
        for (var a = 0; a < original.Agents.Count; a++) Assert.Equal(original.Observations(a), restored.Observations(a));
        // Same actions from here on (the policies' streams do not depend on the environments' state).
        var p1 = new RandomPolicy(original, 8);
        var p2 = new RandomPolicy(restored, 8);
        for (var t = 0; t < 80; t++)
        {
            p1.Step();
            p2.Step();
            Assert.Equal(original.Rewards, restored.Rewards);
            Assert.Equal(original.AllDones, restored.AllDones);
            for (var a = 0; a < original.Agents.Count; a++) Assert.Equal(original.Observations(a), restored.Observations(a));
        }
    }

    [Fact]
    public void LoadingAnotherEnvironmentsStateIsRefused()
    {
        using var coin = EnvRegistry.Create("coin_game", 4);
        coin.Reset(1);
        using var saved = new MemoryStream();
        using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true)) coin.SaveState(writer);
        using var other = EnvRegistry.Create("coin_game", 5);
        saved.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => other.LoadState(new BinaryReader(saved)));
        Assert.Contains("4 x coin_game", e.Message);
    }

    [Fact]
    public void SameSeedSameTrajectoryAndResetRestartsIt()
    {
        using var env = EnvRegistry.Create("coin_game", 16);
        float[] Run()
        {
            env.Reset(42);
            var policy = new RandomPolicy(env, 9);
            var rewards = new List<float>();
            for (var t = 0; t < 250; t++) { policy.Step(); rewards.AddRange(env.Rewards); }
            return rewards.ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void ObservationTensorSharesTheBatchMemory()
    {
        using var env = EnvRegistry.Create("ipd", 3);
        env.Reset(0);
        var tensor = env.ObservationTensor(0);
        Assert.Equal(new long[] { 3, 5 }, tensor.shape);
        Assert.Equal(1f, tensor[0, 4].item<float>()); // START
        env.Step(new[] { 0, 1, 1, 1, 1, 0 });
        // Player 1 played C, D, D against D, D, C: CD, DD, DC without a copy.
        Assert.Equal(1f, tensor[0, 1].item<float>());
        Assert.Equal(1f, tensor[1, 3].item<float>());
        Assert.Equal(1f, tensor[2, 2].item<float>());
    }

    [Fact]
    public void InvalidActionsAreRejectedBeforeAnyEnvironmentMoves()
    {
        using var env = EnvRegistry.Create("coin_game", 2);
        env.Reset(0);
        var before = env.Observations(0).ToArray();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(new[] { 0, 4, 5, 1 }));
        Assert.Contains("action 5 of agent 'agent_1' in environment 0 is outside Discrete(5)", e.Message);
        Assert.Equal(before, env.Observations(0));
        Assert.Contains("expected 4 actions", Assert.Throws<ArgumentException>(() => env.Step(new[] { 0, 1, 2 })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(new[] { -1, 0, 0, 0 }));
    }

    [Fact]
    public void DictionaryApiNamesMissingAndUnknownAgents()
    {
        using var env = EnvRegistry.CreateSingle("switch_riddle");
        var first = env.Reset(5);
        Assert.Equal(new[] { "agent_0", "agent_1", "agent_2" }, first.Keys);
        Assert.Equal(new MultiDiscrete(new[] { 2, 2 }).ToString(), env.ObservationSpace("agent_1").ToString());
        Assert.Contains("no action for agent 'agent_2'",
            Assert.Throws<ArgumentException>(() => env.Step(new Dictionary<string, int> { ["agent_0"] = 0, ["agent_1"] = 0 })).Message);
        Assert.Contains("has no agent 'agent_9'",
            Assert.Throws<ArgumentException>(() => env.Step(new Dictionary<string, int> { ["agent_0"] = 0, ["agent_1"] = 0, ["agent_2"] = 0, ["agent_9"] = 1 })).Message);
        Assert.Contains("action 3 of agent 'agent_1'",
            Assert.Throws<ArgumentOutOfRangeException>(() => env.Step(new Dictionary<string, int> { ["agent_0"] = 0, ["agent_1"] = 3, ["agent_2"] = 0 })).Message);
        var result = env.Step(new Dictionary<string, int> { ["agent_0"] = 0, ["agent_1"] = 0, ["agent_2"] = 0 });
        Assert.True(result.Dones.ContainsKey("__all__"));
        Assert.Equal(3, result.Rewards.Count);
    }

    [Fact]
    public void TerminalObservationIsKeptWhenAnEpisodeEndsAndResets()
    {
        using var env = EnvRegistry.CreateSingle("ipd");
        env.Reset(0);
        var joint = new Dictionary<string, int> { ["agent_0"] = 0, ["agent_1"] = 1 };
        StepResult result = null!;
        for (var t = 0; t < 100; t++)
        {
            result = env.Step(joint);
            Assert.Equal(t == 99, result.Dones["__all__"]);
        }
        // The episode's last step: START for the next episode, and the terminal observation in the infos.
        Assert.Equal(new float[] { 0, 0, 0, 0, 1 }, result.Observations["agent_0"]);
        var terminal = (Dictionary<string, float[]>)result.Infos["terminal_observation"];
        Assert.Equal(new float[] { 0, 0, 0, 0, 1 }, terminal["agent_0"]); // pax shows START at the inner boundary too
        Assert.Equal(-3f, result.Rewards["agent_0"]);
        Assert.Equal(0f, result.Rewards["agent_1"]);
    }
}
