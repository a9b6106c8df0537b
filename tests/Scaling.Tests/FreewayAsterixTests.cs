using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Environments.MinAtar;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class FreewayTests
{
    const int Noop = 0, Up = 1, Down = 2;

    [Fact]
    public void ChickenMovesEveryThirdStepAndCarsEveryPeriod()
    {
        using var env = new Freeway(1);
        env.Reset(0);
        Assert.Equal(9, env.Chicken(0));
        for (var i = 0; i < 8; i++) { var c = env.Car(0, i); Assert.Equal(0, c.X); Assert.InRange(Math.Abs(c.Velocity), 1, 5); Assert.Equal(Math.Abs(c.Velocity), c.Countdown); }
        env.Set(0, car: (Lane: 3, X: 0, Countdown: 2, Velocity: 2));
        for (var t = 1; t <= 3; t++) { env.Step(new[] { Up }); Assert.Equal(9, env.Chicken(0)); }
        Assert.Equal(1, env.Car(0, 3).X);                  // speed 2: the first move on step 3
        env.Step(new[] { Up });
        Assert.Equal(8, env.Chicken(0));                    // the first chicken move on step 4
        env.Set(0, car: (Lane: 2, X: 9, Countdown: 0, Velocity: 1));
        env.Step(new[] { Noop });
        Assert.Equal(0, env.Car(0, 2).X);                  // cars wrap around
    }

    [Fact]
    public void CrossingPaysAndCarsSendTheChickenBack()
    {
        using var env = new Freeway(1);
        env.Reset(0);
        for (var t = 0; t < 3; t++) env.Step(new[] { Noop });
        env.Set(0, chickenRow: 1);
        for (var i = 0; i < 8; i++) env.Set(0, car: (Lane: i, X: 0, Countdown: 5, Velocity: 5));
        env.Step(new[] { Up });
        Assert.Equal(1f, env.Rewards[0]);
        Assert.Equal(9, env.Chicken(0));
        for (var t = 0; t < 3; t++) env.Step(new[] { Noop });
        env.Set(0, chickenRow: 5, car: (Lane: 4, X: 3, Countdown: 0, Velocity: 1)); // lane 4 is row 5: the car moves onto (5, 4)
        env.Step(new[] { Noop });
        Assert.Equal(9, env.Chicken(0));
        Assert.Equal(0f, env.Rewards[0]);
    }

    [Fact]
    public void EpisodesLast2500Steps()
    {
        using var env = new Freeway(2);
        env.Reset(0);
        for (var t = 1; t <= 2500; t++) { env.Step(new[] { Up, Down }); Assert.Equal(t == 2500, env.AllDones[0]); }
    }
}

public class AsterixTests
{
    const int Noop = 0, Left = 1, Up = 2, Right = 3, Down = 4;

    [Fact]
    public void SpawnsStartOnStepElevenAndEntitiesMoveOnStepSix()
    {
        using var env = new Asterix(1);
        env.Reset(3);
        env.Set(0, entity: (Slot: 0, X: 3, Rightward: true, Gold: true));
        for (var t = 1; t <= 5; t++) env.Step(new[] { Noop });
        Assert.Equal(3, env.Entity(0, 0)!.Value.X);
        env.Step(new[] { Noop });
        Assert.Equal(4, env.Entity(0, 0)!.Value.X);
        for (var t = 7; t <= 10; t++) env.Step(new[] { Noop });
        Assert.Equal(1, Enumerable.Range(0, 8).Count(i => env.Entity(0, i) != null));
        env.Step(new[] { Noop });
        Assert.Equal(2, Enumerable.Range(0, 8).Count(i => env.Entity(0, i) != null));
        var spawned = Enumerable.Range(1, 7).Select(i => env.Entity(0, i)).Single(e => e != null)!.Value;
        Assert.Equal(spawned.Rightward ? 1 : 8, spawned.X); // spawned at the edge, then moved in the same step (step 11 is also a move step)
    }

    [Fact]
    public void GoldPaysAndEnemiesEndTheGame()
    {
        using var env = new Asterix(1);
        env.Reset(0);
        env.Set(0, player: (4, 3), entity: (Slot: 2, X: 5, Rightward: false, Gold: true));
        env.Step(new[] { Right });                       // the player steps onto the gold
        Assert.Equal(1f, env.Rewards[0]);
        Assert.Null(env.Entity(0, 2));
        env.Set(0, player: (4, 3), entity: (Slot: 1, X: 4, Rightward: true, Gold: false));
        env.Step(new[] { Up });                          // up into the enemy's row and cell
        Assert.True(env.AllDones[0]);
        Assert.Equal(1, Enumerable.Range(0, 100).Count(k => env.Observations(0)[k * 4] == 1f)); // reset observation
    }

    [Fact]
    public void TheGameSpeedsUpEvery102Steps()
    {
        using var env = new Asterix(300);
        env.Reset(1);
        var alive = Enumerable.Repeat(true, 300).ToArray();
        for (var t = 1; t <= 102; t++)
        {
            env.Step(new int[300]);
            for (var e = 0; e < 300; e++) alive[e] &= !env.AllDones[e];
            if (t == 101) Assert.All(Enumerable.Range(0, 300).Where(e => alive[e]), e => Assert.Equal(10, env.State(e).SpawnSpeed));
        }
        var survivors = Enumerable.Range(0, 300).Where(e => alive[e]).ToList();
        Assert.NotEmpty(survivors);
        Assert.All(survivors, e => Assert.Equal((9, 5), (env.State(e).SpawnSpeed, env.State(e).MoveSpeed)));
    }
}
