using Hybrid.Games.Catalog;
using TorchSharp;
using Xunit;
using static Hybrid.Games.Tests.TestPoints;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

public class GameTests
{
    [Fact]
    public void PolynomialLossesMatchTheirFormulas()
    {
        var x = Column(0.3, -0.5); var y = Column(0.2, 0.7);
        ArrayAssert.Close(new[] { 0.25 - 0.6, 0.04 + 1.0 }, Values(new Tandem().Loss(0, new[] { x, y })), 12);
        ArrayAssert.Close(new[] { 0.25 - 0.4, 0.04 - 1.4 }, Values(new Tandem().Loss(1, new[] { x, y })), 12);
        ArrayAssert.Close(new[] { 0.06, -0.35 }, Values(new Hamiltonian().Loss(0, new[] { x, y })), 12);
        ArrayAssert.Close(new[] { -0.06, 0.35 }, Values(new Hamiltonian().Loss(1, new[] { x, y })), 12);
        ArrayAssert.Close(new[] { 0.045 + 0.6, 0.125 - 3.5 }, Values(new Balduzzi().Loss(0, new[] { x, y })), 12);
        ArrayAssert.Close(new[] { 0.02 - 0.6, 0.245 + 3.5 }, Values(new Balduzzi().Loss(1, new[] { x, y })), 12);
    }

    [Fact]
    public void MatrixGamesUseMinusExpectedPayoffs()
    {
        // Logit 0 is probability 1/2; logit 40 is practically 1, logit -40 practically 0.
        var sure = Column(40); var never = Column(-40); var half = Column(0);
        Assert.Equal(0.0, Values(new MatchingPennies().Loss(0, new[] { half, sure }))[0], 12);
        Assert.Equal(1.0, Values(new MatchingPennies().Loss(0, new[] { sure, sure }))[0], 12);   // heads-heads: A_11 = 1
        Assert.Equal(-1.0, Values(new MatchingPennies().Loss(1, new[] { sure, sure }))[0], 12);
        Assert.Equal(-5.0, Values(new Ultimatum().Loss(0, new[] { sure, never }))[0], 12);        // fair split
        Assert.Equal(-8.0, Values(new Ultimatum().Loss(0, new[] { never, sure }))[0], 12);        // unfair, accepted
        Assert.Equal(-2.0, Values(new Ultimatum().Loss(1, new[] { never, sure }))[0], 12);
        Assert.Equal(0.0, Values(new Ultimatum().Loss(1, new[] { never, never }))[0], 12);        // rejected
        Assert.Equal(100.0, Values(new Chicken().Loss(0, new[] { never, never }))[0], 10);        // crash
        Assert.Equal(1.0, Values(new Chicken().Loss(0, new[] { sure, never }))[0], 10);           // I swerve alone
        Assert.Equal(-1.0, Values(new Chicken().Loss(1, new[] { sure, never }))[0], 10);
    }

    [Theory]
    [InlineData(IpdValue.LinearSolve)]
    [InlineData(IpdValue.ClosedForm)]
    public void IpdValuesOfClassicStrategies(IpdValue value)
    {
        var game = new IteratedPrisonersDilemma(0.96, value);
        const double big = 40; // logit of (practically) certain cooperation
        var cooperate = Row(big, big, big, big, big);
        var defect = Row(-big, -big, -big, -big, -big);
        // Tit-for-tat in the own-perspective layout: cooperate first, then copy the other's last action.
        var titForTat = Row(big, big, -big, big, -big);
        double Loss(int i, Tensor a, Tensor b) => Values(game.Losses(new[] { a, b })[i])[0];

        Assert.Equal(25.0, Loss(0, cooperate, cooperate), 8);      // -(-1)/(1 - 0.96)
        Assert.Equal(50.0, Loss(0, defect, defect), 8);
        Assert.Equal(0.0, Loss(0, defect, cooperate), 8);
        Assert.Equal(75.0, Loss(1, defect, cooperate), 8);
        Assert.Equal(25.0, Loss(0, titForTat, titForTat), 8);
        Assert.Equal(25.0, Loss(1, titForTat, titForTat), 8);
        // TFT against always-defect: exploited once (-3), then mutual defection: 3 + 0.96 * 2 / 0.04.
        Assert.Equal(3 + 0.96 * 50, Loss(0, titForTat, defect), 8);
        Assert.Equal(3 + 0.96 * 50, Loss(1, defect, titForTat), 8);
    }

    [Fact]
    public void IpdIsSymmetricUnderSwappingPlayers()
    {
        var game = new IteratedPrisonersDilemma();
        using Scalar width = 14.ToScalar(), low = 7.ToScalar();
        var a = rand(new long[] { 8, 5 }, dtype: ScalarType.Float64, generator: new Generator(3)).mul(width).sub(low);
        var b = rand(new long[] { 8, 5 }, dtype: ScalarType.Float64, generator: new Generator(4)).mul(width).sub(low);
        var ab = game.Losses(new[] { a, b });
        var ba = game.Losses(new[] { b, a });
        ArrayAssert.Close(Values(ab[0]), Values(ba[1]), 10);
    }

    [Fact]
    public void WrongShapesAndTypesGiveClearErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => new Tandem().Losses(new[] { Column(1), Column(1, 2) }));
        Assert.Contains("player2", e.Message);
        e = Assert.Throws<ArgumentException>(() => new IteratedPrisonersDilemma().Losses(new[] { Row(1, 2, 3), Row(1, 2, 3) }));
        Assert.Contains("[B, 5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Tandem().Losses(new[] { ones(2, 1), ones(2, 1) }));
        Assert.Contains("float64", e.Message);
        Assert.Throws<ArgumentException>(() => GameRegistry.Create("poker"));
    }

    [Fact]
    public void CustomGamesWorkWithEveryRule()
    {
        var game = CustomGame.TwoPlayer("tandem_again", 1, Region.Unit,
            (x, y) => (x.Plus(y).Square() - x.mul(Keep.Two)).sum(1), (x, y) => (x.Plus(y).Square() - y.mul(Keep.Two)).sum(1));
        var points = new[] { Column(0.1, -0.4), Column(0.3, 0.8) };
        foreach (var name in new[] { "naive", "lola_exact", "hola_3", "sos", "cgd", "lookahead" })
        {
            var rule = Rules.RuleRegistry.Create(name);
            var expected = rule.Update(new Tandem(), points, Rate(0.3)).Select(Values).ToArray();
            var actual = rule.Update(game, points, Rate(0.3)).Select(Values).ToArray();
            ArrayAssert.Close(expected[0], actual[0], 12);
            ArrayAssert.Close(expected[1], actual[1], 12);
        }
        Assert.Throws<ArgumentException>(() => new CustomGame("bad", new[] { new Player("a", 1) }, Region.Unit, Array.Empty<Func<IReadOnlyList<Tensor>, Tensor>>()));
    }
}
