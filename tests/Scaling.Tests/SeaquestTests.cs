using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Environments.MinAtar;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class SeaquestTests
{
    const int Noop = 0, Left = 1, Up = 2, Right = 3, Down = 4, Fire = 5;

    static Seaquest Game()
    {
        var env = new Seaquest(1);
        env.Reset(0);
        return env;
    }

    [Fact]
    public void ResetSurfacedWithFullOxygen()
    {
        using var env = Game();
        Assert.Equal((200, 0, 5, 0, 20, 5), env.State(0));
        var o = env.Observations(0);
        Assert.Equal(1f, o[(0 * 10 + 5) * 10 + 0]);                          // front
        Assert.Equal(1f, o[(0 * 10 + 6) * 10 + 1]);                          // back: facing left
        Assert.Equal(10f, Enumerable.Range(0, 10).Sum(x => o[(9 * 10 + x) * 10 + 7])); // oxygen gauge
    }

    [Fact]
    public void SurfacingWithoutDiversEndsTheGameAndDivingUsesOxygen()
    {
        using var env = Game();
        env.Step(new[] { Down });
        Assert.Equal(199, env.State(0).Oxygen);
        env.Step(new[] { Up });
        Assert.True(env.AllDones[0]);
    }

    [Fact]
    public void SurfacingWithDiversRefillsAndSixPayTheOxygenBonus()
    {
        using var env = Game();
        env.Set(0, sub: (5, 1), divers: 3, surfaced: false, oxygen: 120);
        env.Step(new[] { Up });
        Assert.Equal(0f, env.Rewards[0]);
        Assert.Equal((200, 2), (env.State(0).Oxygen, env.State(0).Divers));   // MinAtar decrements on every surfacing
        Assert.Equal(19, env.State(0).SpawnSpeed);
        env.Set(0, sub: (5, 1), divers: 6, surfaced: false, oxygen: 150);
        env.Step(new[] { Up });
        Assert.Equal(7f, env.Rewards[0]);                                    // 150 * 10 / 200
        Assert.Equal(-1, env.State(0).Divers);                               // MinAtar's quirk, kept
        env.Set(0, sub: (5, 1), surfaced: false);
        env.Step(new[] { Up });                                              // -1 divers is not 0: not terminal
        Assert.False(env.AllDones[0]);
        Assert.Equal(-2, env.State(0).Divers);
    }

    [Fact]
    public void BulletsKillFishAndDiversAreRescued()
    {
        using var env = Game();
        env.Set(0, sub: (5, 3), surfaced: false);
        env.Step(new[] { Right });                                           // face right at (6, 3)
        env.Set(0, fish: (8, 3, false), diver: (6, 4, true));
        env.Step(new[] { Fire });                                            // bullet appears at (7, 3)
        Assert.Equal(0f, env.Rewards[0]);
        env.Step(new[] { Noop });                                            // (8, 3): the fish dies
        Assert.Equal(1f, env.Rewards[0]);
        Assert.Equal(0, env.Counts(0).Fish);
        env.Step(new[] { Down });                                            // onto the diver
        Assert.Equal(1, env.State(0).Divers);
        Assert.Equal(0, env.Counts(0).Divers);
    }

    [Fact]
    public void EnemiesAndOxygenEndTheGame()
    {
        using var env = Game();
        env.Set(0, sub: (5, 3), surfaced: false, fish: (5, 3, true));
        env.Step(new[] { Noop });
        Assert.True(env.AllDones[0]);
        env.Set(0, sub: (5, 3), surfaced: false, oxygen: 0);
        env.Step(new[] { Noop });
        Assert.True(env.AllDones[0]);
    }

    [Fact]
    public void EnemiesSpawnOnStep21AndDiversOnStep31()
    {
        using var env = Game();
        for (var t = 1; t <= 20; t++) env.Step(new[] { Noop });
        Assert.Equal(0, env.Counts(0).Fish + env.Counts(0).Subs);
        env.Step(new[] { Noop });
        Assert.Equal(1, env.Counts(0).Fish + env.Counts(0).Subs);
        for (var t = 22; t <= 30; t++) env.Step(new[] { Noop });
        Assert.Equal(0, env.Counts(0).Divers);
        env.Step(new[] { Noop });
        Assert.Equal(1, env.Counts(0).Divers);
    }

    [Fact]
    public void RandomPlayEndsEpisodes()
    {
        using var env = new Seaquest(100);
        env.Reset(1);
        var policy = new RandomPolicy(env, 2);
        var episodes = 0;
        for (var t = 0; t < 600; t++) { policy.Step(); episodes += env.AllDones.Count(d => d); }
        Assert.True(episodes > 50, $"{episodes} episodes");
    }
}
