using Hybrid.Scaling.Environments;
using Hybrid.Shaping.Grid;
using Xunit;

namespace Hybrid.Shaping.Tests;

/// <summary>The gridworld trial loop: sampling, common random numbers, the scripted collectors, the games' records.</summary>
public class GridTrialTests
{
    static GridRecord Play(IGridSeat row, IGridSeat column, GridGame game, TrialLayout layout, int outer, int inner, ulong seed = 1, Storm2pOptions? storm = null)
    {
        var record = new GridRecord(layout, outer, inner, detail: true);
        using var trial = new GridTrial(game, layout, outer, inner, storm);
        trial.Run(row, column, new TrialNoise(seed, outer, inner, layout.Rows), record);
        return record;
    }

    [Fact]
    public void SamplingInvertsTheCumulativeDistribution()
    {
        float[] p = { 0.1f, 0.2f, 0f, 0.3f, 0.4f };
        Assert.Equal(0, GridTrial.Sample(p, 0.05f));
        Assert.Equal(1, GridTrial.Sample(p, 0.1f));
        Assert.Equal(1, GridTrial.Sample(p, 0.29f));
        Assert.Equal(3, GridTrial.Sample(p, 0.3f));          // a zero-probability action is never drawn
        Assert.Equal(4, GridTrial.Sample(p, 0.6f));
        Assert.Equal(4, GridTrial.Sample(p, 0.99999f));
    }

    [Fact]
    public void GreedyCollectorsWalkToTheNearerCoinAndBreakTiesByTheirPreference()
    {
        Assert.Equal(4, GreedyCoinSeat.MoveTowards(4));
        Assert.Equal(2, GreedyCoinSeat.MoveTowards(7));      // row + 1: up
        Assert.Equal(3, GreedyCoinSeat.MoveTowards(1));      // row - 1: down
        Assert.Equal(0, GreedyCoinSeat.MoveTowards(5));      // column + 1: right
        Assert.Equal(1, GreedyCoinSeat.MoveTowards(6));      // up-left resolves to left (pax)
        // Own coin right (cell 5), other coin up (cell 7): a tie at distance 1.
        var obs = new float[36];
        obs[4 * 4] = 1; obs[0 * 4 + 1] = 1; obs[5 * 4 + 2] = 1; obs[7 * 4 + 3] = 1;
        var p = new float[5];
        GreedyCoinSeat.Named("good_greedy").Act(obs, p);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0 }, p);
        GreedyCoinSeat.Named("evil_greedy").Act(obs, p);
        Assert.Equal(new float[] { 0, 0, 1, 0, 0 }, p);
        GreedyCoinSeat.Named("random_greedy").Act(obs, p);
        Assert.Equal(new float[] { 0.5f, 0, 0.5f, 0, 0 }, p);
        // The other coin strictly nearer (under the agent): every collector takes it.
        obs[7 * 4 + 3] = 0; obs[4 * 4 + 3] = 1;
        GreedyCoinSeat.Named("good_greedy").Act(obs, p);
        Assert.Equal(new float[] { 0, 0, 0, 0, 1 }, p);
        Assert.Throws<ArgumentException>(() => GreedyCoinSeat.Named("greedy"));
    }

    [Fact]
    public void GoodCollectorsTakeTheirOwnCoinsMoreOftenThanEvilOnesAndRandomPlayersBreakEven()
    {
        var layout = new TrialLayout(2, 8);
        var good = Play(GreedyCoinSeat.Named("good_greedy"), GreedyCoinSeat.Named("good_greedy"), GridGame.CoinGame, layout, 10, 16);
        var evil = Play(GreedyCoinSeat.Named("evil_greedy"), GreedyCoinSeat.Named("evil_greedy"), GridGame.CoinGame, layout, 10, 16);
        Assert.True(good.RowOwnCoinFraction > evil.RowOwnCoinFraction + 0.1, $"{good.RowOwnCoinFraction} vs {evil.RowOwnCoinFraction}");
        Assert.True(good.RowPerEpisode > evil.RowPerEpisode, $"{good.RowPerEpisode} vs {evil.RowPerEpisode}");
        // Greedy collectors pick up far more than random walkers.
        var random = Play(new UniformGridSeat(), new UniformGridSeat(), GridGame.CoinGame, layout, 10, 16);
        Assert.True(good.Pickups.Sum() > 1.5 * random.Pickups.Sum(), $"{good.Pickups.Sum()} vs {random.Pickups.Sum()}");
        // Random play is symmetric: each player's expected reward is own + other - 2 stolen = 0.
        Assert.InRange(random.RowPerStep, -0.08, 0.08);
        Assert.InRange(random.RowOwnCoinFraction, 0.4, 0.6);
        Assert.Equal(random.RowTotal, random.RowByEpisode.Sum(), 6);
        Assert.Equal(random.Pickups, Enumerable.Range(0, 4).Select(k => Enumerable.Range(0, 10).Sum(e => random.PickupsByEpisode[e * 4 + k])).ToArray());
    }

    [Fact]
    public void TheSameNoiseGivesTheSameTrialAndAnotherNoiseAnother()
    {
        var layout = new TrialLayout(2, 3);
        var a = Play(new UniformGridSeat(), GreedyCoinSeat.Named("random_greedy"), GridGame.CoinGame, layout, 4, 8, seed: 3);
        var b = Play(new UniformGridSeat(), GreedyCoinSeat.Named("random_greedy"), GridGame.CoinGame, layout, 4, 8, seed: 3);
        var c = Play(new UniformGridSeat(), GreedyCoinSeat.Named("random_greedy"), GridGame.CoinGame, layout, 4, 8, seed: 4);
        Assert.Equal(a.RowByEpisode, b.RowByEpisode);
        Assert.Equal(a.Pickups, b.Pickups);
        Assert.NotEqual(a.PickupsByEpisode, c.PickupsByEpisode);
    }

    [Fact]
    public void StormTrialsCountInteractionsAndImpIsZeroSum()
    {
        var layout = new TrialLayout(1, 16);
        var ipd = Play(new UniformGridSeat(), new UniformGridSeat(), GridGame.Storm2p, layout, 3, 60);
        Assert.True(ipd.Interactions > 0);
        Assert.Equal(ipd.Interactions, ipd.InteractionsByEpisode.Sum());
        Assert.InRange(ipd.RowCooperateRatio, 0.01, 0.99);
        Assert.True(ipd.RowTotal > 0);                        // every IPD-in-the-Matrix payoff is non-negative
        var imp = Play(new UniformGridSeat(), new UniformGridSeat(), GridGame.Storm2p, layout, 3, 60, storm: new Storm2pOptions(FixedCoins: false, Game: "imp"));
        Assert.True(imp.Interactions > 0);
        Assert.Equal(-imp.RowTotal, imp.ColumnTotal, 6);
        Assert.Throws<ArgumentException>(() => new GridTrial(new GridGame("chess", 64, 5, 8, 1, 0), layout, 1, 1));
    }
}
