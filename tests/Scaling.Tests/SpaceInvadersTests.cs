using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Environments.MinAtar;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class SpaceInvadersTests
{
    const int Noop = 0, Left = 1, Right = 2, Fire = 3;

    static SpaceInvaders Game()
    {
        var env = new SpaceInvaders(1);
        env.Reset(0);
        return env;
    }

    [Fact]
    public void ResetPlacesTwentyFourAliensAndTheCannon()
    {
        using var env = Game();
        Assert.Equal((5, -1, 12, 24), env.State(0));
        Assert.True(env.Alien(0, 0, 2)); Assert.True(env.Alien(0, 3, 7)); Assert.False(env.Alien(0, 0, 8)); Assert.False(env.Alien(0, 4, 4));
        var o = env.Observations(0);
        Assert.Equal(1f, o[(9 * 10 + 5) * 6 + 0]);
        Assert.Equal(24f, Enumerable.Range(0, 100).Sum(k => o[k * 6 + 2])); // moving left
        Assert.Equal(0f, Enumerable.Range(0, 100).Sum(k => o[k * 6 + 3]));
    }

    [Fact]
    public void BulletsFlyOneRowPerStepWithACoolDownAndKillOnContact()
    {
        using var env = Game();
        env.Step(new[] { Fire });
        Assert.True(env.FriendlyBullet(0, 8, 5));       // fired from row 9, moved up in the same step
        env.Step(new[] { Fire });                         // cooling down: nothing fired
        Assert.Equal(1, Enumerable.Range(0, 10).Count(y => env.FriendlyBullet(0, y, 5)));
        for (var t = 3; t <= 5; t++) env.Step(new[] { Noop });
        Assert.True(env.FriendlyBullet(0, 4, 5));
        env.Step(new[] { Noop });                         // step 6: the bullet reaches row 3 and the alien there
        Assert.Equal(1f, env.Rewards[0]);
        Assert.False(env.Alien(0, 3, 5));
        Assert.False(env.FriendlyBullet(0, 3, 5));
        Assert.Equal(23, env.State(0).Aliens);
    }

    [Fact]
    public void AliensShootOnStepElevenAndMoveOnStepThirteen()
    {
        using var env = Game();
        for (var t = 1; t <= 10; t++) env.Step(new[] { Noop });
        Assert.DoesNotContain(Enumerable.Range(0, 100), k => env.EnemyBullet(0, k / 10, k % 10));
        env.Step(new[] { Noop });                          // step 11: the lowest alien above the cannon fires
        Assert.True(env.EnemyBullet(0, 3, 5));
        env.Step(new[] { Noop });
        Assert.True(env.EnemyBullet(0, 4, 5));
        Assert.True(env.Alien(0, 0, 2));
        env.Step(new[] { Noop });                          // step 13: the block moves left
        Assert.True(env.Alien(0, 0, 1)); Assert.False(env.Alien(0, 0, 7));
    }

    [Fact]
    public void TheBlockStepsDownAtTheEdgeAndTurns()
    {
        using var env = Game();
        env.Set(0, clearAliens: true, alienCells: new[] { (0, 0, true) });
        for (var t = 1; t <= 13; t++) env.Step(new[] { Noop });
        Assert.True(env.Alien(0, 1, 0));
        Assert.Equal(1, env.State(0).AlienDir);
        env.Step(new[] { Noop });                          // one alien: it moves every step now, to the right
        Assert.True(env.Alien(0, 1, 1));
    }

    [Fact]
    public void EnemyBulletOnTheCannonEndsTheGame()
    {
        using var env = Game();
        env.Set(0, cannonColumn: 2, enemyBullets: new[] { (8, 3, true) });
        env.Step(new[] { Right });                         // the cannon moves into the bullet's column as it lands
        Assert.True(env.AllDones[0]);
    }

    [Fact]
    public void ClearingAWaveBringsAFasterOne()
    {
        using var env = Game();
        env.Set(0, cannonColumn: 4, clearAliens: true, alienCells: new[] { (7, 4, true) });
        env.Step(new[] { Fire });                          // the bullet starts at row 9, moves to row 8
        env.Step(new[] { Noop });                          // row 7: the last alien dies
        Assert.Equal(1f, env.Rewards[0]);
        Assert.Equal((11, 24), (env.State(0).MoveInterval, env.State(0).Aliens));
    }

    [Fact]
    public void RandomPlayEndsAndScores()
    {
        using var env = new SpaceInvaders(200);
        env.Reset(0);
        var policy = new RandomPolicy(env, 1);
        double total = 0; var episodes = 0;
        for (var t = 0; t < 1000; t++)
        {
            policy.Step();
            for (var e = 0; e < 200; e++) { total += env.Rewards[e]; if (env.AllDones[e]) episodes++; }
        }
        Assert.True(episodes > 0);
        Assert.InRange(total / episodes, 1.0, 40.0);
    }
}
