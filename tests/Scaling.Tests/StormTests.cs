using Hybrid.Scaling.Environments;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class StormTests
{
    const int TurnLeft = 0, TurnRight = 1, Forward = 2, Interact = 3, Stay = 4;
    // Directions: 0 +y, 1 +x, 2 -y, 3 -x; cells (x, y).

    static Storm2p Game()
    {
        var env = new Storm2p(1);
        env.Reset(4);
        return env;
    }

    [Fact]
    public void ResetPlacesMirroredAgentsAndTheFixedCoins()
    {
        using var env = new Storm2p(500);
        env.Reset(0);
        var dirs = new int[4];
        for (var e = 0; e < 500; e++)
        {
            var (rx, ry, rd) = env.Agent(e, 0);
            var (bx, by, bd) = env.Agent(e, 1);
            Assert.Equal((7 - rx, 7 - ry), (bx, by));
            dirs[rd]++; dirs[bd]++;
            Assert.Equal(-1, env.Freeze(e));
        }
        Assert.Equal(0, dirs[3]);                       // JaxMARL draws directions with randint(0, 3)
        Assert.All(dirs[..3], n => Assert.InRange(n, 333 - 5 * 21, 333 + 5 * 21));
        using var one = Game();
        Assert.Equal(4, one.Cell(0, 6, 2));              // a blue coin
        Assert.Equal(3, one.Cell(0, 1, 5));              // a red coin
    }

    [Fact]
    public void AgentsTurnMoveAndBumpIntoWalls()
    {
        using var env = Game();
        env.SetAgents(0, red: (3, 3, 0), blue: (7, 0, 1));
        env.Step(new[] { Forward, Forward });            // red to (3, 4); blue faces the wall and stays
        Assert.Equal((3, 4, 0), env.Agent(0, 0));
        Assert.Equal((7, 0, 1), env.Agent(0, 1));
        env.Step(new[] { TurnLeft, TurnRight });
        Assert.Equal(1, env.Agent(0, 0).Dir);
        Assert.Equal(0, env.Agent(0, 1).Dir);
    }

    [Fact]
    public void AMoverYieldsToAStandingAgentAndCoinsGoToTheInventory()
    {
        using var env = Game();
        env.SetAgents(0, red: (3, 3, 1), blue: (4, 3, 0));
        env.Step(new[] { Forward, Stay });
        Assert.Equal((3, 3, 1), env.Agent(0, 0));
        env.SetAgents(0, red: (1, 3, 0), blue: (7, 7, 0));
        env.Step(new[] { Forward, Stay });               // (1, 4) is empty; then (1, 5) holds a red coin
        env.Step(new[] { Forward, Stay });
        Assert.Equal((1f, 0f), env.Inventory(0, 0));
        Assert.Equal(1, env.Cell(0, 1, 5));              // the agent now stands where the coin was
    }

    [Fact]
    public void InteractionPaysTheInventoryGameAndFreezesBoth()
    {
        using var env = Game();
        // Red cooperates (one red coin), blue defects (one blue coin); red zaps blue standing 1 ahead.
        env.SetAgents(0, red: (3, 3, 0), blue: (3, 4, 2), redInventory: (1, 0), blueInventory: (0, 1));
        env.Step(new[] { Interact, Stay });
        Assert.Equal(new[] { 0f, 5f }, env.Rewards);
        Assert.Equal(Storm2p.FreezePenalty, env.Freeze(0));
        // While frozen both stay whatever they choose; the other's inventory shows in the observation.
        var o = env.Observations(0);
        Assert.Equal(new[] { 1f, 0f, 1f, 1f, 0f, 1f }, o[250..256]);
        for (var t = 1; t <= 4; t++)
        {
            env.Step(new[] { Forward, Forward });
            Assert.Equal((3, 3, 0), env.Agent(0, 0));
            Assert.Equal(Storm2p.FreezePenalty - t, env.Freeze(0));
        }
        env.Step(new[] { Forward, Forward });            // the fifth frozen step ends with a respawn
        Assert.Equal(-1, env.Freeze(0));
        Assert.Equal((0f, 0f), env.Inventory(0, 0));
        Assert.Equal(3, env.Cell(0, 1, 5));              // coins restored
        // Mixed inventories pay the bilinear form: red half and half against pure cooperation -> 4 and 1.5.
        env.SetAgents(0, red: (3, 3, 1), blue: (5, 3, 0), redInventory: (1, 1), blueInventory: (2, 0));
        env.Step(new[] { Stay, Stay });
        env.Step(new[] { Interact, Stay });              // blue is 2 ahead of red
        Assert.Equal(new[] { 4f, 1.5f }, env.Rewards);
    }

    [Fact]
    public void ImpInTheMatrixPaysTheMatcherAndRecordsTheInteraction()
    {
        using var env = new Storm2p(1, new Storm2pOptions(Game: "imp"));
        env.Reset(4);
        env.SetAgents(0, red: (3, 3, 0), blue: (3, 4, 2), redInventory: (1, 0), blueInventory: (0, 1));
        env.Step(new[] { Interact, Stay });
        Assert.Equal(new[] { -1f, 1f }, env.Rewards);    // inventories differ: blue wins
        Assert.True(env.Interacted[0]);
        Assert.Equal(new[] { 1f, 0f, 0f, 1f }, env.InteractionInventories);
        env.Step(new[] { Stay, Stay });
        Assert.False(env.Interacted[0]);
        // Mixed: red (1/2, 1/2) against blue (1, 0) -> red 1/2 - 1/2 = 0.
        env.SetAgents(0, red: (3, 3, 1), blue: (5, 3, 0), redInventory: (1, 1), blueInventory: (2, 0));
        for (var t = 0; t < 5; t++) env.Step(new[] { Stay, Stay });
        env.SetAgents(0, red: (3, 3, 1), blue: (5, 3, 0), redInventory: (1, 1), blueInventory: (2, 0));
        env.Step(new[] { Interact, Stay });
        Assert.Equal(new[] { 0f, 0f }, env.Rewards);
        Assert.Throws<ArgumentException>(() => new Storm2p(1, new Storm2pOptions(Game: "chicken")));
    }

    [Fact]
    public void RandomCoinLayoutsPermuteTheTwelveCoinCellsPerResetAndSurviveSoftResets()
    {
        using var env = new Storm2p(200, new Storm2pOptions(FixedCoins: false));
        env.Reset(3);
        var layouts = new HashSet<string>();
        var cells = new HashSet<(int, int)>();
        for (var e = 0; e < 200; e++)
        {
            var red = new List<(int, int)>();
            var blue = new List<(int, int)>();
            for (var x = 0; x < 8; x++)
                for (var y = 0; y < 8; y++)
                {
                    if (env.Cell(e, x, y) == 3) red.Add((x, y));
                    if (env.Cell(e, x, y) == 4) blue.Add((x, y));
                }
            // An agent may spawn on a coin cell; the reset draws coins over agents, so all 12 are on the grid.
            Assert.Equal(6, red.Count);
            Assert.Equal(6, blue.Count);
            foreach (var c in red.Concat(blue)) cells.Add(c);
            layouts.Add(string.Join(";", red));
        }
        Assert.Equal(12, cells.Count);                   // the same 12 cells as the fixed layout
        Assert.True(layouts.Count > 150, $"{layouts.Count} distinct layouts in 200 resets");
        using var fixedCoins = new Storm2p(50);
        fixedCoins.Reset(3);
        for (var e = 0; e < 50; e++) Assert.Equal(3, fixedCoins.Cell(e, 1, 5));
        // A soft reset after an interaction restores the episode's own layout.
        using var one = new Storm2p(1, new Storm2pOptions(FixedCoins: false));
        one.Reset(11);
        var before = Enumerable.Range(0, 64).Select(c => one.Cell(0, c / 8, c % 8)).ToArray();
        one.SetAgents(0, red: (3, 3, 0), blue: (3, 4, 2), redInventory: (1, 0), blueInventory: (0, 1));
        one.Step(new[] { Interact, Stay });
        for (var t = 0; t < 5; t++) one.Step(new[] { Stay, Stay });
        Assert.Equal(-1, one.Freeze(0));
        for (var c = 0; c < 64; c++)
        {
            var now = one.Cell(0, c / 8, c % 8);
            if (before[c] is 3 or 4) Assert.True(now == before[c] || now is 1 or 2, $"cell {c}: {before[c]} became {now}");
            if (now is 3 or 4) Assert.Equal(before[c], now);
        }
    }

    [Fact]
    public void NoInteractionWithAnEmptyInventoryButTheZoneIsMarked()
    {
        using var env = Game();
        env.SetAgents(0, red: (3, 3, 0), blue: (4, 4, 2), redInventory: (1, 0), blueInventory: (0, 0));
        env.Step(new[] { Interact, Stay });              // blue is front-right... of red's zone, but has no coins
        Assert.Equal(new[] { 0f, 0f }, env.Rewards);
        Assert.Equal(-1, env.Freeze(0));
        Assert.Equal(6, env.Cell(0, 3, 4));              // markers 1 and 2 ahead and front-left
        Assert.Equal(6, env.Cell(0, 3, 5));
        Assert.Equal(6, env.Cell(0, 2, 4));
        env.Step(new[] { Stay, Stay });
        Assert.Equal(0, env.Cell(0, 3, 4));              // markers last one step
    }

    [Fact]
    public void ObservationIsEgocentric()
    {
        using var env = Game();
        env.SetAgents(0, red: (0, 3, 1), blue: (1, 3, 2));
        var red = env.Observations(0);
        static int At(int row, int col, int channel) => (row * 5 + col) * 10 + channel;
        Assert.Equal(1f, red[At(2, 0, 0)]);              // self at [2, 0]
        Assert.Equal(1f, red[At(2, 1, 1)]);              // the other agent 1 ahead (+x)
        Assert.Equal(1f, red[At(2, 1, 6 + 1)]);          // facing dir 2 = own dir 1 + 1
        // Blue (dir 2, facing -y) sees red on its right side: row 3 is STEP[dir + 1] = -x.
        var blue = env.Observations(1);
        Assert.Equal(1f, blue[At(2, 0, 0)]);
        Assert.Equal(1f, blue[At(3, 0, 1)]);
        // At the top edge facing +y the cells ahead are walls.
        env.SetAgents(0, red: (3, 7, 0), blue: (6, 0, 0));
        Assert.Equal(1f, env.Observations(0)[At(2, 1, 4)]);
    }

    [Fact]
    public void EpisodesLast152StepsAndTheLastPaysNothing()
    {
        using var env = new Storm2p(64);
        env.Reset(9);
        var policy = new RandomPolicy(env, 2);
        var paid = 0;
        for (var t = 1; t <= 304; t++)
        {
            policy.Step();
            for (var e = 0; e < 64; e++)
            {
                Assert.Equal(t % 152 == 0, env.AllDones[e]);
                if (env.AllDones[e]) { Assert.Equal(0f, env.Rewards[e]); Assert.Equal(0f, env.Rewards[64 + e]); }
                if (env.Rewards[e] > 0) paid++;
            }
        }
        Assert.True(paid > 0, "random agents should interact now and then");
    }
}
