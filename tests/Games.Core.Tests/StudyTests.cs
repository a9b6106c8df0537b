using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Reproduction;
using Hybrid.Games.Rules;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

public class StudyTests
{
    [Fact]
    public void SpearmanMatchesHandComputedValues()
    {
        Assert.Equal(1.0, Studies.Spearman(new[] { 1.0, 2, 3, 4 }, new[] { 10.0, 20, 30, 400 }), 12);
        Assert.Equal(-1.0, Studies.Spearman(new[] { 1.0, 2, 3 }, new[] { 3.0, 2, 1 }), 12);
        // Ranks (0, 1, 2, 3) against (1, 0, 3, 2): d^2 sums to 4, rho = 1 - 6*4/(4*15) = 0.6.
        Assert.Equal(0.6, Studies.Spearman(new[] { 1.0, 2, 3, 4 }, new[] { 2.0, 1, 4, 3 }), 12);
        // Ties share their mean rank: (0.5, 0.5, 2) against (0, 1, 2) gives 0.866...
        Assert.Equal(Math.Sqrt(3) / 2, Studies.Spearman(new[] { 1.0, 1, 2 }, new[] { 1.0, 2, 3 }), 12);
    }

    [Fact]
    public void OutcomeCurveIsTheSeedMeanOfTheMeasureAndVarianceIsOverSteps()
    {
        var game = new Hamiltonian();
        var options = new LearningOptions(Steps: 5, Seeds: 3, InitStd: 1.0);
        var row = LearningOutcomes.Run(game, "naive", new[] { RuleRegistry.Create("naive") }, 0.1, options, Measure.Norm);
        var run = LearningRun.Run(game, RuleRegistry.Create("naive"), 0.1, options);
        var norms = run.Parameters.Square().sum(2).sqrt(); // [T+1, K]
        for (var t = 0; t <= 5; t++)
            Assert.Equal(norms[t].mean().item<double>(), row.Curve[t], 12);
        for (var k = 0; k < 3; k++)
        {
            var series = Enumerable.Range(0, 6).Select(t => norms[t, k].item<double>()).ToArray();
            var mean = series.Average();
            Assert.Equal(series.Average(v => (v - mean) * (v - mean)), row.MeasureVariance[k], 12);
            Assert.Equal(series[^1], row.FinalMeasure[k], 12);
        }
        // Naive learning spirals outwards in the Hamiltonian game: the norm grows every step.
        Assert.True(row.Curve.Zip(row.Curve.Skip(1)).All(p => p.Second > p.First));
        // The first step outside Theta = [-1, 1]^2, read off the same trajectory.
        for (var k = 0; k < 3; k++)
        {
            var outside = Enumerable.Range(0, 6).Where(t => run.Parameters[t, k].abs().max().item<double>() > 1).ToArray();
            Assert.Equal(outside.Length == 0 ? -1 : outside[0], row.LeftRegionAt![k]);
        }
        Assert.Equal(row.LeftRegionAt!.Count(s => s >= 0), row.LeftRegion);
    }

    [Fact]
    public void StudyRunsTableOutcomesFieldsAndClaims()
    {
        var spec = Studies.Hamiltonian with
        {
            TableAlphas = new[] { 0.9, 0.1 },
            Samples = 50,
            Outcomes = new[] { new OutcomeSpec(0.1, new[] { "naive", "cola" }), new OutcomeSpec(0.9, new[] { "cola" }) },
            LearningSteps = 40,
        };
        var r = StudyRunner.Run(spec, new StudyOptions(Fast: true, Runs: 2, ColaSteps: 300));
        Assert.Equal(new[] { 0.9, 0.1 }, r.Rows.Select(x => x.Alpha));
        Assert.All(r.Rows, x => Assert.Equal(2, x.Cola!.PerRun.Length));
        Assert.Equal(3, r.Outcomes.Count);
        Assert.Equal(11, r.Outcome("naive", 0.1).Curve.Length); // 40/4 = 10 steps in fast mode: 11 points
        Assert.Equal(11, r.Outcome("cola", 0.9).Curve.Length);
        // Two rates x (COLA, HOLA4) fields on an 11 x 11 grid of [-1, 1]^2.
        Assert.Equal(4, r.Fields.Count);
        Assert.All(r.Fields, f => Assert.Equal(121, f.U.Length));
        Assert.Equal(-1, r.Fields[0].X.Min()); Assert.Equal(1, r.Fields[0].Y.Max());
        // HOLA-4's field is the rule's update at the grid points.
        var hola = r.Fields.Single(f => f.Rule == "HOLA4" && f.Alpha == 0.9);
        var at = new HolaRule(4).Update(game: new Hamiltonian(), Autodiff.Leaves(new[] { tensor(new[] { hola.X[7] }).unsqueeze(1), tensor(new[] { hola.Y[7] }).unsqueeze(1) }),
            LearningRuleExtensions.Rate(0.9));
        Assert.Equal(at[0].item<double>(), hola.U[7], 12);
        Assert.Equal(spec.Claims.Count, r.Claims.Count);
        Assert.Equal(2, r.Training.Count);
        Assert.All(r.Training, c => Assert.Single(c.Steps)); // one report at step 300 (reports every 1,000 steps and at the end)
        // The spread over the two runs holds their mean of log10.
        Assert.All(r.Training, c => Assert.InRange(c.MeanLog10Loss[0], c.MinLog10Loss![0], c.MaxLog10Loss![0]));
        var report = StudyReport.Markdown(r);
        Assert.Contains("| 0.1 | naive |", report);
        Assert.Contains($"of {r.Claims.Count} claims hold", report);
        var charts = StudyCharts.For(r);
        Assert.Equal(new[] { "learning-curves.html", "cola-training.html", "gradient-fields.html" }, charts.Select(c => c.File));
        Assert.Equal(2, charts[0].Panels.Count);
    }

    [Fact]
    public void EveryStudyNamesARegisteredGameAndRunnableRules()
    {
        foreach (var spec in Studies.All.Values)
        {
            Assert.Contains(spec.Game, GameRegistry.Names);
            foreach (var name in spec.Outcomes.SelectMany(o => o.Rules).Where(n => n != "cola"))
                Assert.NotNull(RuleRegistry.Create(name));
            Assert.True(spec.ColaAlphas.Length >= spec.TableAlphas.Length);
        }
    }
}
