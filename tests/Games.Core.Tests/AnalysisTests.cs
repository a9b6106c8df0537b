using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Rules;
using Hybrid.Games.Tables;
using TorchSharp;
using Xunit;
using static Hybrid.Games.Tests.TestPoints;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

public class AnalysisTests
{
    static readonly Scalar MinusHalf = (-0.5).ToScalar();

    [Fact]
    public void TandemDerivativesMatchTheAppendix()
    {
        var d = GameDerivatives.At(new Tandem(), new[] { Column(0.3, -0.2), Column(0.4, 0.9) });
        ArrayAssert.Close(new[] { 4 * 0.7, 4 * 0.7 }, new[] { Values(d.Chi()[0])[0], Values(d.Chi()[1])[0] }, 12);   // chi = 4(x+y)(1,1)
        var h = Values(d.Hessian()[0]);
        ArrayAssert.Close(new[] { 2.0, 2, 2, 2 }, h, 12);
        ArrayAssert.Close(new[] { 0.0, 2, 2, 0 }, Values(d.OffDiagonalHessian()[0]), 12);
    }

    [Fact]
    public void TandemFixedPointsAreTheStableLineXPlusYEqualsOne()
    {
        using Scalar width = 4.ToScalar(), low = 2.ToScalar();
        var starts = rand(new long[] { 20, 2 }, dtype: ScalarType.Float64, generator: new Generator(5)).mul(width).sub(low);
        var points = FixedPoints.Find(new Tandem(), starts);
        Assert.NotEmpty(points);
        Assert.All(points, p =>
        {
            Assert.Equal(1.0, p.Point[0] + p.Point[1], 9);
            Assert.Equal(FixedPointKind.Stable, p.Kind);
        });
        var notFixed = FixedPoints.Classify(new Tandem(), Row(0.0, 0.0));
        Assert.Equal(FixedPointKind.NotFixed, notFixed[0].Kind);
    }

    [Fact]
    public void ClassificationSeparatesSaddlesAndUnstablePoints()
    {
        // L1 = -x^2/2 (+ coupling 0), L2 = y^2/2: H = diag(-1, 1) has a negative eigenvalue: strict saddle.
        var saddle = CustomGame.TwoPlayer("saddle", 1, Region.Unit, (x, y) => x.Square().mul(MinusHalf).sum(1), (x, y) => y.Square().mul(Keep.Half).sum(1));
        Assert.Equal(FixedPointKind.StrictSaddle, FixedPoints.Classify(saddle, Row(0.0, 0.0))[0].Kind);
        var maximum = CustomGame.TwoPlayer("max", 1, Region.Unit, (x, y) => x.Square().mul(MinusHalf).sum(1), (x, y) => y.Square().mul(MinusHalf).sum(1));
        Assert.Equal(FixedPointKind.Unstable, FixedPoints.Classify(maximum, Row(0.0, 0.0))[0].Kind);
        // The Hamiltonian game's origin: H antisymmetric, so u^T H u = 0 >= 0: stable in the sense of definition 1.
        Assert.Equal(FixedPointKind.Stable, FixedPoints.Classify(new Hamiltonian(), Row(0.0, 0.0))[0].Kind);
    }

    [Fact]
    public void CosineSimilarityOfARuleWithItselfIsOne()
    {
        var game = new MatchingPennies();
        var theta = game.SampleRegion(50, new Generator(2));
        Assert.Equal(1.0, Similarity.MeanCosine(game, new HolaRule(2), new HolaRule(2), theta, 1.0), 12);
        var opposite = new FunctionRule("minus_naive", t => new NaiveRule().Update(game, t, 1.0).Select(h => -h).ToArray());
        Assert.Equal(-1.0, Similarity.MeanCosine(game, new NaiveRule(), opposite, theta, 1.0), 12);
    }

    [Fact]
    public void LearningRunsAreReproducibleAndIndependentOfBatchSize()
    {
        var game = new Tandem();
        var rule = RuleRegistry.Create("lola_exact");
        var a = LearningRun.Run(game, rule, 0.1, new LearningOptions(Steps: 20, Seeds: 4, BaseSeed: 7, InitStd: 0.1));
        var b = LearningRun.Run(game, rule, 0.1, new LearningOptions(Steps: 20, Seeds: 4, BaseSeed: 7, InitStd: 0.1));
        Assert.Equal(Values(a.Parameters), Values(b.Parameters));
        var single = LearningRun.Run(game, rule, 0.1, new LearningOptions(Steps: 20, Seeds: 1, BaseSeed: 9, InitStd: 0.1));
        ArrayAssert.Close(Values(single.Parameters[.., 0]), Values(a.Parameters[.., 2]), 14);
        Assert.Equal(new long[] { 21, 4, 2 }, a.Losses.shape);
    }

    [Fact]
    public void LolaDivergesInTheHamiltonianGameAboveAlphaOneWhileTheConsistentSolutionConverges()
    {
        var game = new Hamiltonian();
        const double alpha = 1.5;
        var lola = LearningRun.Run(game, PLolaRule.TaylorLola(), alpha, new LearningOptions(Steps: 200, Seeds: 3));
        Assert.All(lola.Outcome, o => Assert.Equal(RunOutcome.Diverged, o));
        using Scalar scale = (-alpha / (1 + 2 * alpha * alpha)).ToScalar(), twoAlpha = (2 * alpha).ToScalar();
        var consistent = new FunctionRule("consistent", t => new[] { t[1].Plus(t[0].mul(twoAlpha)).mul(scale), (-t[0]).Plus(t[1].mul(twoAlpha)).mul(scale) });
        var run = LearningRun.Run(game, consistent, alpha, new LearningOptions(Steps: 200, Seeds: 3));
        Assert.All(run.Outcome, o => Assert.Equal(RunOutcome.Converged, o));
    }

    [Fact]
    public void ConsistencyTableReportsHolaOneAsExactLolaAndMatchesPerRuleLosses()
    {
        var game = new MatchingPennies();
        var points = DifferentiableGame.Concat(game.SampleRegion(40, new Generator(11)));
        var rows = ConsistencyTable.Compute(game, new[] { 1.0, 5.0 }, new[] { 1, 2, 4 }, new PointSource.Given(points));
        foreach (var row in rows)
        {
            Assert.Equal(row.Losses["lola_exact"], row.Losses["hola_1"]);
            foreach (var name in new[] { "hola_2", "hola_4", "sos", "cgd", "lookahead", "lola_taylor" })
            {
                var direct = Consistency.Loss(game, RuleRegistry.Create(name), game.Split(points), row.Alpha);
                Assert.Equal(direct, row.Losses[name], 9);
            }
        }
    }

    [Fact]
    public void PointsFilesAreValidated()
    {
        var game = new Tandem();
        Assert.Equal(new long[] { 2, 2 }, PointsFile.Parse(new[] { "# x,y", "0.1, 0.2", "", "-1,1" }, game).shape);
        Assert.Throws<FormatException>(() => PointsFile.Parse(new[] { "0.1,0.2,0.3" }, game));
        Assert.Throws<FormatException>(() => PointsFile.Parse(new[] { "0.1,abc" }, game));
        Assert.Throws<FormatException>(() => PointsFile.Parse(new[] { "0.1,NaN" }, game));
        Assert.Throws<FormatException>(() => PointsFile.Parse(new[] { "# nothing" }, game));
    }
}
