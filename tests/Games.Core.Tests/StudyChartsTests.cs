using Hybrid.Charts;
using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Reproduction;
using Hybrid.Games.Rules;
using Xunit;

namespace Hybrid.Games.Tests;

public class StudyChartsTests
{
    static readonly LearningOptions Options = new(Steps: 6, Seeds: 3, InitStd: 1.0);

    [Fact]
    public void OutcomeRowsKeepEverySeedsCurveAndTheirMeanIsTheCurve()
    {
        var game = new Tandem();
        // One rule for all seeds (one batch) and one rule per seed (the COLA path): both keep K curves of T + 1 points.
        var batched = LearningOutcomes.Run(game, "naive", new[] { RuleRegistry.Create("naive") }, 0.1, Options);
        var perSeed = LearningOutcomes.Run(game, "lola_exact", new[] { RuleRegistry.Create("lola_exact"), RuleRegistry.Create("lola_exact") }, 0.1, Options);
        foreach (var row in new[] { batched, perSeed })
        {
            Assert.Equal(3, row.SeedCurves!.Length);
            Assert.All(row.SeedCurves, c => Assert.Equal(7, c.Length));
            for (var t = 0; t < 7; t++) Assert.Equal(row.Curve[t], row.SeedCurves.Average(c => c[t]), 10);
            Assert.Equal(row.FinalMeasure, row.SeedCurves.Select(c => c[^1]));
        }
    }

    [Fact]
    public void LearningCurvesHaveBandsAroundTheMeanAndRulesKeepTheirColourAcrossCharts()
    {
        var game = new Tandem();
        var rows = new[] { "naive", "hola_4", "cola" }.Select(n => LearningOutcomes.Run(game, n, new[] { RuleRegistry.Create(n == "cola" ? "sos" : n) }, 0.1, Options)).ToList();
        var curves = StudyCharts.LearningCurves("Tandem game", rows, Measure.LossOfPlayer1);
        var panel = Assert.Single(curves.Panels);
        Assert.Equal(new[] { "naive learning", "HOLA-4", "COLA" }, panel.Series.Select(s => s.Name));
        Assert.Equal("learning step", panel.XTitle);
        Assert.Contains("alpha = 0.1", panel.Title);
        foreach (var s in panel.Series)
        {
            Assert.True(s.HasBand);
            for (var t = 0; t < s.Y.Length; t++) Assert.InRange(s.Y[t], s.Lower![t], s.Upper![t]);
        }
        var grid = new[] { -1.0, 1 };
        var fields = StudyCharts.Fields("Tandem game", new[]
        {
            new GradientField("COLA", 0.1, grid, grid, grid, grid), new GradientField("HOLA4", 0.1, grid, grid, grid, grid),
        });
        Assert.Equal(("x (player 1's parameter)", "y (player 2's parameter)"), (fields.Panels[0].XTitle, fields.Panels[0].YTitle));
        Assert.Equal("theta_1 (player 1's logit)", StudyCharts.Coordinates("mp").X);
        var (a, b) = (ChartStyle.Colors(curves), ChartStyle.Colors(fields));
        Assert.Equal(a["COLA"], b["COLA"]);
        Assert.Equal(a["HOLA-4"], b["HOLA-4"]);
        Assert.NotEqual(a["COLA"], a["HOLA-4"]);
    }

    [Fact]
    public void ColaTrainingIsDrawnOnALogAxisWithTheSpreadOverRuns()
    {
        var curve = new TrainingCurve(0.5, new[] { 1000, 2000 }, new[] { -2.0, -3 }, new[] { -2.5, -4 }, new[] { -1.0, -2.5 });
        var panel = Assert.Single(StudyCharts.Training("Tandem game", new[] { curve }).Panels);
        Assert.Equal(AxisScale.Log, ChartAxes.Choose(panel).Scale);
        var s = Assert.Single(panel.Series);
        Assert.Equal(new[] { 1e-2, 1e-3 }, s.Y.Select(v => Math.Round(v, 12)));
        Assert.Equal(1e-4, s.Lower![1], 12);
        Assert.Equal(Math.Pow(10, -1), s.Upper![0], 12);
    }

    [Fact]
    public void RuleLabelsUseTheThesisNames()
    {
        Assert.Equal("HOLA-4", RuleLabels.Of("hola_4"));
        Assert.Equal("HOLA-4", RuleLabels.Of("HOLA4"));
        Assert.Equal("exact LOLA", RuleLabels.Of("lola_exact"));
        Assert.Equal("COLA", RuleLabels.Of("cola"));
        Assert.Equal("Taylor HOLA-3", RuleLabels.Of("hola_taylor_3"));
        Assert.Equal("made_up", RuleLabels.Of("made_up"));
    }
}
