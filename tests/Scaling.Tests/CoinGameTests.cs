using Hybrid.Scaling.Environments;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class CoinGameTests
{
    // Cells are row * 3 + column; actions 0 right (column + 1), 1 left, 2 up (row + 1), 3 down, 4 stay.
    const int Right = 0, Left = 1, Up = 2, Down = 3, Stay = 4;

    static CoinGame Game(CoinGameOptions? options = null)
    {
        var env = new CoinGame(1, options);
        env.Reset(11);
        return env;
    }

    [Fact]
    public void MovesWrapAroundTheTorus()
    {
        using var env = Game();
        env.SetPositions(0, redCell: 2, blueCell: 6, redCoinCell: 4, blueCoinCell: 4);
        env.Step(new[] { Right, Up }); // (0, 2) + (0, 1) -> (0, 0); (2, 0) + (1, 0) -> (0, 0)
        Assert.Equal((0, 0), (env.Positions(0).Red, env.Positions(0).Blue));
        env.Step(new[] { Left, Down }); // (0, 0) -> (0, 2); (0, 0) -> (2, 0)
        Assert.Equal((2, 6), (env.Positions(0).Red, env.Positions(0).Blue));
    }

    [Fact]
    public void OwnCoinPaysOneAndRespawns()
    {
        using var env = Game();
        env.SetPositions(0, redCell: 0, blueCell: 8, redCoinCell: 1, blueCoinCell: 5);
        env.Step(new[] { Right, Stay });
        Assert.Equal(new[] { 1f, 0f }, env.Rewards);
        Assert.Equal(1, env.OwnCoins[0]);
        Assert.Equal(5, env.Positions(0).BlueCoin);
    }

    [Fact]
    public void TakingTheOthersCoinCostsItsOwnerTwo()
    {
        using var env = Game();
        env.SetPositions(0, redCell: 0, blueCell: 8, redCoinCell: 7, blueCoinCell: 3);
        env.Step(new[] { Up, Stay });
        Assert.Equal(new[] { 1f, -2f }, env.Rewards);
        Assert.Equal(1, env.OtherCoins[0]);
        Assert.Equal(7, env.Positions(0).RedCoin);
    }

    [Fact]
    public void SimultaneousPickupsAddUpAndCompareNewAgentsWithOldCoins()
    {
        using var env = Game();
        // Both step onto the red coin at 4: red +1 - 2 = -1, blue +1.
        env.SetPositions(0, redCell: 3, blueCell: 5, redCoinCell: 4, blueCoinCell: 0);
        env.Step(new[] { Right, Left });
        Assert.Equal(new[] { -1f, 1f }, env.Rewards);
        // An agent standing on a coin's cell collects it only when a step ends there: staying collects, leaving does not.
        env.SetPositions(0, redCell: 4, blueCell: 0, redCoinCell: 4, blueCoinCell: 8);
        env.Step(new[] { Up, Stay });
        Assert.Equal(new[] { 0f, 0f }, env.Rewards);
        env.SetPositions(0, redCell: 4, blueCell: 0, redCoinCell: 4, blueCoinCell: 8);
        env.Step(new[] { Stay, Stay });
        Assert.Equal(new[] { 1f, 0f }, env.Rewards);
        // Both coins in one cell: one agent takes both.
        env.SetPositions(0, redCell: 0, blueCell: 8, redCoinCell: 1, blueCoinCell: 1);
        env.Step(new[] { Right, Stay });
        Assert.Equal(new[] { 2f, -2f }, env.Rewards);
    }

    [Fact]
    public void ObservationChannelsAreOwnOtherOwnCoinOtherCoinAndSwappedForBlue()
    {
        using var env = Game();
        env.SetPositions(0, redCell: 1, blueCell: 5, redCoinCell: 6, blueCoinCell: 8);
        var red = env.Observations(0); var blue = env.Observations(1);
        Assert.Equal(4f, red.Sum());
        Assert.Equal(1f, red[1 * 4 + 0]); Assert.Equal(1f, red[5 * 4 + 1]); Assert.Equal(1f, red[6 * 4 + 2]); Assert.Equal(1f, red[8 * 4 + 3]);
        Assert.Equal(1f, blue[5 * 4 + 0]); Assert.Equal(1f, blue[1 * 4 + 1]); Assert.Equal(1f, blue[8 * 4 + 2]); Assert.Equal(1f, blue[6 * 4 + 3]);
    }

    [Fact]
    public void EgocentricObservationsPutTheObserverInTheCentre()
    {
        using var env = Game(new CoinGameOptions(Egocentric: true, Cnn: true));
        Assert.Equal(new long[] { 1, 3, 3, 4 }, env.ObservationTensor(0).shape);
        env.SetPositions(0, redCell: 0, blueCell: 8, redCoinCell: 1, blueCoinCell: 4);
        var red = env.Observations(0);
        // Red at (0, 0) is shifted by (+1, +1): itself to 4, blue (2, 2) -> (0, 0), red coin (0, 1) -> (1, 2), blue coin (1, 1) -> (2, 2).
        Assert.Equal(1f, red[4 * 4 + 0]); Assert.Equal(1f, red[0 * 4 + 1]); Assert.Equal(1f, red[5 * 4 + 2]); Assert.Equal(1f, red[8 * 4 + 3]);
        Assert.Equal(1f, env.Observations(1)[4 * 4 + 0]);
    }

    [Fact]
    public void InnerGameBoundaryPaysNothingAndEpisodeEndsAfterInnerTimesOuterSteps()
    {
        using var env = Game(new CoinGameOptions(InnerSteps: 2, OuterSteps: 2));
        env.SetPositions(0, redCell: 0, blueCell: 8, redCoinCell: 1, blueCoinCell: 5);
        env.Step(new[] { Stay, Stay });
        Assert.False(env.InnerEpisodeDone[0]);
        env.SetPositions(0, redCell: 0, blueCell: 8, redCoinCell: 1, blueCoinCell: 5);
        env.Step(new[] { Right, Stay }); // a pickup on the boundary step: counted, not paid
        Assert.True(env.InnerEpisodeDone[0]);
        Assert.False(env.AllDones[0]);
        Assert.Equal(new[] { 0f, 0f }, env.Rewards);
        Assert.Equal(1, env.OwnCoins[0]);
        env.Step(new[] { Stay, Stay });
        env.Step(new[] { Stay, Stay });
        Assert.True(env.AllDones[0]);
        Assert.Equal(0, env.EpisodeSteps[0]);
        Assert.Equal(0, env.OwnCoins[0]); // a new episode's counters
    }

    [Fact]
    public void RandomPlayRewardsMatchThePickupCounts()
    {
        // Invariant over long random play: on every step that pays (not an inner-game boundary), each agent's reward is
        // its own plus other pickups minus twice the other agent's steals; every observation has one cell per channel.
        const int n = 64;
        using var env = new CoinGame(n);
        env.Reset(5);
        ulong rng = 3;
        var pickups = 0;
        for (var t = 0; t < 2000; t++)
        {
            var actions = Enumerable.Range(0, 2 * n).Select(_ => SplitMix64.Below(ref rng, 5)).ToArray();
            var ownBefore = env.OwnCoins.ToArray(); var otherBefore = env.OtherCoins.ToArray();
            env.Step(actions);
            for (var e = 0; e < n; e++)
            {
                if (env.InnerEpisodeDone[e])
                {
                    Assert.Equal(0f, env.Rewards[e]);
                    Assert.Equal(0f, env.Rewards[n + e]);
                    continue;
                }
                int ownRed = env.OwnCoins[e] - ownBefore[e], ownBlue = env.OwnCoins[n + e] - ownBefore[n + e];
                int stolenByRed = env.OtherCoins[e] - otherBefore[e], stolenByBlue = env.OtherCoins[n + e] - otherBefore[n + e];
                if (!env.AllDones[e])
                    Assert.Equal(ownRed | stolenByRed << 1 | ownBlue << 2 | stolenByBlue << 3, env.Pickups[e]);
                Assert.Equal(ownRed + stolenByRed - 2 * stolenByBlue, env.Rewards[e]);
                Assert.Equal(ownBlue + stolenByBlue - 2 * stolenByRed, env.Rewards[n + e]);
                pickups += ownRed + ownBlue + stolenByRed + stolenByBlue;
            }
            for (var a = 0; a < 2; a++)
                for (var e = 0; e < n; e++)
                    for (var ch = 0; ch < 4; ch++)
                        Assert.Equal(1f, Enumerable.Range(0, 9).Sum(c => env.Observations(a)[e * 36 + c * 4 + ch]));
        }
        // Random walkers meet coins often: about 4/9 pickups per paying step and environment (two agents, two coins).
        Assert.InRange(pickups / (2000.0 * 0.9 * n), 0.3, 0.6);
    }
}
