namespace Hybrid.Games.Reproduction;

/// <summary>How a chart panel draws its series.</summary>
public enum PanelKind
{
    /// <summary>Lines through (X, Y).</summary>
    Lines,
    /// <summary>An arrow from (X, Y) along (U, V) per point, scaled to the panel.</summary>
    Arrows,
    /// <summary>Bars of Y per category.</summary>
    Bars,
}

/// <summary>One named series of a panel.</summary>
/// <param name="Name">Legend name.</param>
/// <param name="X">X values (lines, arrows).</param>
/// <param name="Y">Y values.</param>
/// <param name="U">Arrow x components.</param>
/// <param name="V">Arrow y components.</param>
/// <param name="Categories">Bar categories.</param>
public sealed record Series(string Name, double[] X, double[] Y, double[]? U = null, double[]? V = null, string[]? Categories = null);

/// <summary>One subplot.</summary>
/// <param name="Title">Panel title.</param>
/// <param name="XTitle">X-axis title.</param>
/// <param name="YTitle">Y-axis title.</param>
/// <param name="Kind">How to draw.</param>
/// <param name="Series">What to draw.</param>
/// <param name="LogY">Logarithmic y axis.</param>
public sealed record ChartPanel(string Title, string XTitle, string YTitle, PanelKind Kind, IReadOnlyList<Series> Series, bool LogY = false);

/// <summary>A chart file: panels stacked in a grid. The data only; the CLI and notebooks render it (Plotly.NET, standalone HTML).</summary>
/// <param name="File">File name without directory, e.g. "learning-curves.html".</param>
/// <param name="Title">Chart title.</param>
/// <param name="Panels">Subplots, row by row.</param>
/// <param name="Columns">Panels per row.</param>
public sealed record ChartSpec(string File, string Title, IReadOnlyList<ChartPanel> Panels, int Columns = 1);

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
