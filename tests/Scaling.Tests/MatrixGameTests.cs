using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class MatrixGameTests
{
    static int Hot(float[] o) { Assert.Equal(1f, o.Sum()); return Array.IndexOf(o, 1f); }

    [Fact]
    public void ObservationsAreOwnViewOneHotsWithStartAtInnerBoundaries()
    {
        using var env = new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, 1, new MatrixGameOptions(InnerSteps: 3, OuterSteps: 2));
        env.Reset(0);
        Assert.Equal(4, Hot(env.Observations(0)));
        Assert.Equal(4, Hot(env.Observations(1)));
        env.Step(new[] { 0, 1 }); // C vs D: player 1 sees CD, player 2 sees DC
        Assert.Equal(1, Hot(env.Observations(0)));
        Assert.Equal(2, Hot(env.Observations(1)));
        Assert.Equal(new[] { -3f, 0f }, env.Rewards);
        env.Step(new[] { 1, 1 });
        Assert.Equal(3, Hot(env.Observations(0)));
        Assert.Equal(new[] { -2f, -2f }, env.Rewards);
        env.Step(new[] { 1, 0 }); // third step: inner boundary, reward kept, START shown, episode goes on
        Assert.Equal(new[] { 0f, -3f }, env.Rewards);
        Assert.Equal(4, Hot(env.Observations(0)));
        Assert.True(env.InnerEpisodeDone[0]);
        Assert.False(env.AllDones[0]);
        for (var t = 0; t < 2; t++) { env.Step(new[] { 0, 0 }); Assert.False(env.AllDones[0]); }
        Assert.Equal(0, Hot(env.Observations(0)));
        env.Step(new[] { 0, 0 });
        Assert.True(env.AllDones[0]);
        Assert.Equal(new[] { -1f, -1f }, env.Rewards);
    }

    [Fact]
    public void TitForTatAgainstTitForTatCooperatesThroughout()
    {
        // pax's test: TFT vs TFT over 25 x 2 steps earns the mutual-cooperation payoff on every step.
        using var env = new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, 1, new MatrixGameOptions(25, 2));
        env.Reset(0);
        static int Tft(float[] o) => Array.IndexOf(o, 1f) is 1 or 3 ? 1 : 0; // defect after the opponent defected
        var total = 0f;
        for (var t = 0; t < 50; t++)
        {
            env.Step(new[] { Tft(env.Observations(0)), Tft(env.Observations(1)) });
            total += env.Rewards[0];
        }
        Assert.Equal(-50f, total);
        Assert.True(env.AllDones[0]);
    }

    [Fact]
    public void MatchingPenniesIsZeroSum()
    {
        using var env = EnvRegistry.Create("imp", 4);
        env.Reset(0);
        env.Step(new[] { 0, 0, 1, 1, 0, 1, 0, 1 });
        Assert.Equal(new[] { 1f, -1f, -1f, 1f, -1f, 1f, 1f, -1f }, env.Rewards);
    }

    [Fact]
    public void BadSettingsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, 1, new MatrixGameOptions(InnerSteps: 0)));
        Assert.Throws<ArgumentException>(() => new IteratedMatrixGame("x", new float[3, 2], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvRegistry.Create("ipd", 0));
    }
}
