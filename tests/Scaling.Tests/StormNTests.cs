using Hybrid.Scaling.Environments;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class StormNTests
{
    const int Stay = 3, ZapAhead1 = 4, ZapAhead2 = 5, Forward = 2;

    static StormN Game(int agents = 3)
    {
        var env = new StormN(1, agents);
        env.Reset(2);
        return env;
    }

    [Fact]
    public void ResetPlacesAgentsAndTwelveCoinsOnDistinctCells()
    {
        using var env = new StormN(200, 4);
        env.Reset(0);
        for (var e = 0; e < 200; e++)
        {
            var cells = Enumerable.Range(0, 64).Select(c => env.Cell(e, c / 8, c % 8)).ToArray();
            Assert.Equal(6, cells.Count(c => c == 3));
            Assert.Equal(6, cells.Count(c => c == 4));
            Assert.Equal(new byte[] { 5, 6, 7, 8 }, cells.Where(c => c >= 5).OrderBy(c => c).ToArray());
            for (var a = 0; a < 4; a++) { Assert.InRange(env.Agent(e, a).Dir, 0, 2); Assert.False(env.Frozen(e, a)); }
        }
    }

    [Fact]
    public void OneStepZapsWinAndTheInteractionPaysAndFreezesThePair()
    {
        using var env = Game();
        // Agent 2 at (3, 5); agent 0 one cell below facing +y, agent 1 two cells to the left facing +x.
        env.SetAgent(0, 0, (3, 4, 0), (1, 0));
        env.SetAgent(0, 1, (1, 5, 1), (0, 1));
        env.SetAgent(0, 2, (3, 5, 2), (0, 2));
        env.Step(new[] { ZapAhead1, ZapAhead2, Stay });
        // Agent 0 (cooperator) hits agent 2 (defector): 0 for the zapper, 5 for the target; agent 1's 2-step zap loses.
        Assert.Equal(new[] { 0f, 0f, 5f }, env.Rewards);
        Assert.True(env.Frozen(0, 0)); Assert.True(env.Frozen(0, 2)); Assert.False(env.Frozen(0, 1));
        for (var t = 1; t <= 4; t++) { env.Step(new[] { Forward, Stay, Forward }); Assert.Equal((3, 4, 0), env.Agent(0, 0)); }
        env.Step(new[] { Forward, Stay, Forward });       // the fifth frozen step ends with a respawn
        Assert.False(env.Frozen(0, 0));
        Assert.Equal((0f, 0f), env.Inventory(0, 0));
        Assert.Equal((0f, 0f), env.Inventory(0, 2));
        Assert.Equal((0f, 1f), env.Inventory(0, 1));      // the bystander keeps its coins
    }

    [Fact]
    public void ZapsNeedCoinsOnBothSides()
    {
        using var env = Game();
        env.SetAgent(0, 0, (3, 4, 0), (1, 0));
        env.SetAgent(0, 2, (3, 5, 2), (0, 0));
        env.SetAgent(0, 1, (7, 7, 2), (0, 0));
        env.Step(new[] { ZapAhead1, Stay, Stay });
        Assert.Equal(new[] { 0f, 0f, 0f }, env.Rewards);
        Assert.False(env.Frozen(0, 0));
    }

    [Fact]
    public void AnAgentThatStaysKeepsItsCell()
    {
        using var env = Game();
        env.SetAgent(0, 0, (3, 3, 1), (0, 0));             // facing +x towards (4, 3)
        env.SetAgent(0, 1, (4, 3, 0), (0, 0));             // stays on (4, 3)
        env.SetAgent(0, 2, (5, 3, 3), (0, 0));             // facing -x towards (4, 3)
        env.Step(new[] { Forward, Stay, Forward });
        Assert.Equal((3, 3), (env.Agent(0, 0).X, env.Agent(0, 0).Y));
        Assert.Equal((4, 3), (env.Agent(0, 1).X, env.Agent(0, 1).Y));
        Assert.Equal((5, 3), (env.Agent(0, 2).X, env.Agent(0, 2).Y));
    }
}
