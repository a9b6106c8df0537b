using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Environments.MinAtar;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class BreakoutTests
{
    const int Noop = 0, Left = 1, Right = 2;
    // Directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left.

    static Breakout Game(MinAtarOptions? options = null)
    {
        var env = new Breakout(1, options);
        env.Reset(0);
        return env;
    }

    [Fact]
    public void ResetPlacesThirtyBricksThePaddleAndTheBallInACorner()
    {
        using var env = new Breakout(400);
        env.Reset(1);
        var fromLeft = 0;
        for (var e = 0; e < 400; e++)
        {
            var s = env.State(e);
            Assert.Equal((3, 4, 30), (s.Y, s.Paddle, s.Bricks));
            Assert.True(s is { X: 0, Dir: 2 } or { X: 9, Dir: 3 });
            if (s.X == 0) fromLeft++;
        }
        Assert.InRange(fromLeft, 200 - 50, 200 + 50); // one fair draw per reset (5 sigma = 50)
        var o = env.Observations(0)[..400];
        Assert.Equal(1f, o[(9 * 10 + 4) * 4 + 0]);                        // paddle
        Assert.Equal(30f, Enumerable.Range(0, 100).Sum(c => o[c * 4 + 3])); // bricks on rows 1-3
        Assert.Equal(1f, o[(1 * 10 + 0) * 4 + 3]);
    }

    [Fact]
    public void BrickBreaksOnceAndTheBallReturnsToItsRow()
    {
        using var env = Game();
        env.SetBall(0, x: 4, y: 4, dir: 0, paddleColumn: 4);
        env.Step(new[] { Noop });
        Assert.Equal(1f, env.Rewards[0]);
        Assert.False(env.Brick(0, 3, 3));
        Assert.Equal((3, 4, 3), (env.State(0).X, env.State(0).Y, env.State(0).Dir)); // new column, old row, down-left
        // A ball that struck a brick on the previous step passes into the next brick without breaking it.
        env.SetBall(0, x: 5, y: 4, dir: 1, paddleColumn: 4, struck: true);
        env.Step(new[] { Noop });
        Assert.Equal(0f, env.Rewards[0]);
        Assert.True(env.Brick(0, 3, 6));
        Assert.Equal((6, 3), (env.State(0).X, env.State(0).Y));
    }

    [Fact]
    public void WallsBounceTheBall()
    {
        using var env = Game();
        env.SetBall(0, x: 0, y: 6, dir: 0, paddleColumn: 4);
        env.Step(new[] { Noop });
        Assert.Equal((0, 5, 1), (env.State(0).X, env.State(0).Y, env.State(0).Dir)); // clamped column, up-right
        for (var y = 1; y <= 3; y++) for (var x = 0; x < 10; x++) env.SetBrick(0, y, x, false);
        env.SetBrick(0, 5, 5, true); // keep one brick so nothing respawns
        env.SetBall(0, x: 9, y: 0, dir: 1, paddleColumn: 4);
        env.Step(new[] { Noop });
        Assert.Equal((9, 0, 3), (env.State(0).X, env.State(0).Y, env.State(0).Dir)); // corner: up-right flips twice to down-left
    }

    [Fact]
    public void PaddleMovesFirstAndReturnsOrReversesTheBall()
    {
        using var env = Game();
        env.SetBall(0, x: 4, y: 8, dir: 2, paddleColumn: 4);   // paddle under the ball's old column: straight back
        env.Step(new[] { Noop });
        Assert.Equal((5, 8, 1), (env.State(0).X, env.State(0).Y, env.State(0).Dir));
        env.SetBall(0, x: 3, y: 8, dir: 2, paddleColumn: 3);   // the paddle moves right first, under the landing column: reversed
        env.Step(new[] { Right });
        Assert.Equal((4, 8, 0, 4), (env.State(0).X, env.State(0).Y, env.State(0).Dir, env.State(0).Paddle));
        Assert.False(env.AllDones[0]);
        env.SetBall(0, x: 1, y: 8, dir: 2, paddleColumn: 8);   // missed
        env.Step(new[] { Left });
        Assert.True(env.AllDones[0]);
        Assert.Equal(0, env.EpisodeSteps[0]);
    }

    [Fact]
    public void BricksComeBackWhenTheBallReachesTheBottomWithNoneLeft()
    {
        using var env = Game();
        for (var y = 1; y <= 3; y++) for (var x = 0; x < 10; x++) env.SetBrick(0, y, x, false);
        env.SetBall(0, x: 4, y: 8, dir: 2, paddleColumn: 4);
        env.Step(new[] { Noop });
        Assert.Equal(30, env.State(0).Bricks);
        Assert.True(env.Brick(0, 2, 7));
    }

    [Fact]
    public void TimeLimitAndStickyActionsAreOptions()
    {
        using var limited = Game(new MinAtarOptions(MaxSteps: 3));
        limited.SetBall(0, x: 4, y: 6, dir: 1, paddleColumn: 4);
        for (var t = 1; t <= 3; t++) { limited.Step(new[] { Noop }); Assert.Equal(t == 3, limited.AllDones[0]); }
        // With probability 0.9 the previous action (initially no-op) is repeated: about 10% of paddles move.
        using var sticky = new Breakout(2000, new MinAtarOptions(StickyActionProbability: 0.9));
        sticky.Reset(5);
        sticky.Step(Enumerable.Repeat(Right, 2000).ToArray());
        var moved = Enumerable.Range(0, 2000).Count(e => sticky.State(e).Paddle == 5);
        Assert.InRange(moved, 200 - 5 * 13, 200 + 5 * 13);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Breakout(1, new MinAtarOptions(StickyActionProbability: 1)));
    }

    [Fact]
    public void EveryMinAtarGameHasARegisteredStickyVariantAndItsNameSaysItsSettings()
    {
        foreach (var name in EnvRegistry.Names.Where(n => n.StartsWith("minatar_") && !n.EndsWith("_sticky")))
        {
            using var plain = (MinAtarGame)EnvRegistry.Create(name);
            using var sticky = (MinAtarGame)EnvRegistry.Create(name + "_sticky");
            Assert.Equal(name, plain.Name);
            Assert.Equal(name + "_sticky", sticky.Name);
            Assert.Equal(0.0, plain.Options.StickyActionProbability);
            Assert.Equal(plain.Options with { StickyActionProbability = 0.1 }, sticky.Options);   // only the sticky actions differ
        }
        // Other settings are not a registered environment: what is looked up by name cannot take the wrong settings.
        using var custom = new Breakout(1, MinAtarOptions.Original);
        Assert.Equal("minatar_breakout_custom", custom.Name);
        Assert.Throws<ArgumentException>(() => EnvRegistry.Create(custom.Name));
        // A run on the sticky variant trains, and its evaluation plays the sticky variant (the environment by its name).
        var config = Hybrid.Scaling.Algorithms.DqnConfig.For("dqn", "minatar_breakout_sticky") with { NumEnvs = 1, TotalTimesteps = 2_000, IterationSteps = 1_000, MinReplayHistory = 500 };
        using var trainer = new Hybrid.Scaling.Algorithms.DqnTrainer("dqn", "minatar_breakout_sticky", config);
        trainer.Train();
        Assert.Equal("minatar_breakout_sticky", trainer.Environment.Name);
        Assert.Single(Hybrid.Scaling.Algorithms.PolicyEvaluation.Run(trainer, 2, epsilon: null, seed: 0).Returns);
    }

    [Fact]
    public void RandomPlayScoresRarely()
    {
        // Distribution-level check: a random paddle returns the ball a few times; gymnax's random Breakout agent scores
        // about 0.5-1.5 bricks per episode.
        using var env = new Breakout(500);
        env.Reset(2);
        var policy = new RandomPolicy(env, 3);
        double total = 0; var episodes = 0;
        for (var t = 0; t < 400; t++)
        {
            policy.Step();
            for (var e = 0; e < 500; e++) { total += env.Rewards[e]; if (env.AllDones[e]) episodes++; }
        }
        Assert.InRange(total / episodes, 0.3, 3.0);
    }
}
