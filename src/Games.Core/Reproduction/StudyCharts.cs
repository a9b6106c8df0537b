using Hybrid.Charts;

namespace Hybrid.Games.Reproduction;

/// <summary>The charts of a reproduction: learning curves, gradient fields, COLA training curves and policies.</summary>
public static class StudyCharts
{
    /// <summary>All charts of a study.</summary>
    public static IReadOnlyList<ChartSpec> For(StudyResults r)
    {
        var charts = new List<ChartSpec>
        {
            LearningCurves(r.Spec.Title, r.Outcomes, r.Spec.Measure),
            Training(r.Spec.Title, r.Training),
        };
        if (r.Fields.Count > 0) charts.Add(Fields(r.Spec.Title, r.Fields));
        if (r.Spec.Policy is { } policy)
            charts.Add(new ChartSpec("policies.html", $"{r.Spec.Title}: final policy of player 1 (mean over seeds)",
                r.Outcomes.Select(o => o.Alpha).Distinct().Select(alpha => new ChartPanel($"alpha {TableComparison.F(alpha)}", "", "P(cooperate)", PanelKind.Bars,
                    r.Outcomes.Where(o => o.Alpha == alpha).Select(o => new Series(o.Rule, Array.Empty<double>(), Studies.FinalPolicy(r, o), Categories: policy.Labels.ToArray())).ToList())).ToList()));
        return charts;
    }

    /// <summary>Mean over seeds of the measure per step, one panel per rate (thesis figures 1d-f, 4b, 6b, 7b, 10, 12, 13).</summary>
    public static ChartSpec LearningCurves(string title, IReadOnlyList<OutcomeRow> outcomes, Measure measure) =>
        new("learning-curves.html", $"{title}: {measure.Name} per learning step, mean over seeds",
            outcomes.Select(o => o.Alpha).Distinct().Select(alpha => new ChartPanel($"alpha {TableComparison.F(alpha)}", "step", measure.Name, PanelKind.Lines,
                outcomes.Where(o => o.Alpha == alpha).Select(o => new Series(o.Rule, Enumerable.Range(0, o.Curve.Length).Select(t => (double)t).ToArray(), o.Curve)).ToList(),
                LogY: measure == Measure.Norm)).ToList());

    /// <summary>COLA's training curves (thesis figures 1a-c, 4a, 6a, 7a, 10a/c).</summary>
    public static ChartSpec Training(string title, IReadOnlyList<TrainingCurve> curves) =>
        new("cola-training.html", $"{title}: COLA batch consistency loss during training (log10, mean over runs)",
            new[] { new ChartPanel("", "training step", "log10 loss", PanelKind.Lines,
                curves.Select(c => new Series($"alpha {TableComparison.F(c.Alpha)}", c.Steps.Select(x => (double)x).ToArray(), c.MeanLog10Loss)).ToList()) });

    /// <summary>COLA vs HOLA-4 update fields, one panel per rule and rate (thesis figures 5, 8, 9, 11).</summary>
    public static ChartSpec Fields(string title, IReadOnlyList<GradientField> fields) =>
        new("gradient-fields.html", $"{title}: update fields, COLA (left) and HOLA-4 (right)",
            fields.Select(f => new ChartPanel($"{f.Rule}, alpha {TableComparison.F(f.Alpha)}", "theta_1", "theta_2", PanelKind.Arrows,
                new[] { new Series($"{f.Rule} {TableComparison.F(f.Alpha)}", f.X, f.Y, f.U, f.V) })).ToList(), Columns: 2);
}
