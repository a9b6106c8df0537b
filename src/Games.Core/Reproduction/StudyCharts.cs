using Hybrid.Charts;

namespace Hybrid.Games.Reproduction;

/// <summary>
/// The charts of a reproduction: learning curves, gradient fields, COLA training curves and policies, in the thesis'
/// terms; every chart colours the rules in <see cref="RuleLabels.Order"/>, so a rule has one colour everywhere.
/// </summary>
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
        if (r.Fields.Count > 0) charts.Add(Fields(r.Spec.Title, r.Fields, Coordinates(r.Spec.Game)));
        if (r.Spec.Policy is { } policy)
            charts.Add(new ChartSpec("policies.html", $"{r.Spec.Title}: final policy of player 1 (mean over seeds)",
                r.Outcomes.Select(o => o.Alpha).Distinct().Select(alpha => new ChartPanel(Rate(alpha), "state (start, then the last joint action, own first)", "P(cooperate | state)", PanelKind.Bars,
                    r.Outcomes.Where(o => o.Alpha == alpha).Select(o => new Series(RuleLabels.Of(o.Rule), Array.Empty<double>(), Studies.FinalPolicy(r, o), Categories: policy.Labels.ToArray())).ToList())
                    { YRange = new AxisRange(0, 1) }).ToList(), Columns: 2, ColorKeys: RuleLabels.Order));
        return charts;
    }

    /// <summary>
    /// Mean over seeds of the measure per learning step with the min-max band over seeds, one panel per rate (thesis
    /// figures 1d-f, 4b, 6b, 7b, 10, 12, 13). A diverging rule leaves the axis clipped or logarithmic (<see cref="ChartAxes"/>).
    /// </summary>
    public static ChartSpec LearningCurves(string title, IReadOnlyList<OutcomeRow> outcomes, Measure measure)
    {
        var seeds = outcomes.Select(o => o.Outcomes.Length).DefaultIfEmpty(0).Max();
        var label = MeasureLabel(measure);
        return new("learning-curves.html", $"{title}: {label} per learning step (line: mean over {seeds} seeds; band: min-max over seeds)",
            outcomes.Select(o => o.Alpha).Distinct().Select(alpha => new ChartPanel(Rate(alpha), "learning step", label, PanelKind.Lines,
                outcomes.Where(o => o.Alpha == alpha).Select(Curve).ToList())
                // A probability is read against its whole range.
                { YRange = measure.Name.StartsWith("P(", StringComparison.Ordinal) ? new AxisRange(-0.02, 1.02) : null }).ToList(), Columns: 2, ColorKeys: RuleLabels.Order);
    }

    static Series Curve(OutcomeRow o)
    {
        var steps = Enumerable.Range(0, o.Curve.Length).Select(t => (double)t).ToArray();
        if (o.SeedCurves is not { Length: > 0 } seeds) return new Series(RuleLabels.Of(o.Rule), steps, o.Curve);
        var spread = Spread.MinMax(seeds);
        return new Series(RuleLabels.Of(o.Rule), steps, spread.Mean, Lower: spread.Lower, Upper: spread.Upper);
    }

    /// <summary>
    /// COLA's training curves (thesis figures 1a-c, 4a, 6a, 7a, 10a/c): the batch consistency loss on a log axis,
    /// geometric mean over runs (the mean of log10, as the thesis averages) with the min-max band over runs.
    /// </summary>
    public static ChartSpec Training(string title, IReadOnlyList<TrainingCurve> curves) =>
        new("cola-training.html", $"{title}: COLA's consistency loss during training (line: geometric mean over runs; band: min-max over runs)",
            new[] { new ChartPanel("", "training step", "batch consistency loss (log scale)", PanelKind.Lines,
                curves.Select(c => new Series(Rate(c.Alpha), c.Steps.Select(x => (double)x).ToArray(), Power(c.MeanLog10Loss),
                    Lower: c.MinLog10Loss is null ? null : Power(c.MinLog10Loss), Upper: c.MaxLog10Loss is null ? null : Power(c.MaxLog10Loss))).ToList())
                { YScale = AxisScale.Log } });

    /// <summary>
    /// COLA vs HOLA-4 update fields as quiver arrows, one row per rate (thesis figures 5, 8, 9, 11). The axes are the
    /// players' parameters, named as the thesis names them (<paramref name="coordinates"/>; by default from the
    /// title: x and y in the polynomial games, theta_1 and theta_2 otherwise).
    /// </summary>
    public static ChartSpec Fields(string title, IReadOnlyList<GradientField> fields, (string X, string Y)? coordinates = null)
    {
        var (x, y) = coordinates ?? Coordinates(title);
        return new("gradient-fields.html", $"{title}: update fields (h_1, h_2) of COLA (left) and HOLA-4 (right)",
            fields.Select(f => new ChartPanel($"{RuleLabels.Of(f.Rule)}, {Rate(f.Alpha)}", x, y, PanelKind.Arrows,
                new[] { new Series(RuleLabels.Of(f.Rule), f.X, f.Y, f.U, f.V) })).ToList(), Columns: 2, ColorKeys: RuleLabels.Order);
    }

    /// <summary>The thesis' names of a two-parameter game's coordinates: x and y in the polynomial games (Tandem, Hamiltonian, Balduzzi), the players' logits otherwise.</summary>
    public static (string X, string Y) Coordinates(string game)
    {
        var lower = game.ToLowerInvariant();
        return new[] { "tandem", "hamiltonian", "balduzzi" }.Any(lower.Contains)
            ? ("x (player 1's parameter)", "y (player 2's parameter)")
            : ("theta_1 (player 1's logit)", "theta_2 (player 2's logit)");
    }

    /// <summary>A measure's axis label in the thesis' words.</summary>
    public static string MeasureLabel(Measure measure) => measure.Name switch
    {
        "L1" => "loss of player 1 (L^1)",
        "mean loss" => "mean loss of the players",
        "||theta||" => "distance from the origin ||theta||",
        "P(fair)" => "P(fair split)",
        _ => measure.Name,
    };

    static string Rate(double alpha) => $"look-ahead rate alpha = {TableComparison.F(alpha)}";

    static double[] Power(double[] log10) => log10.Select(l => Math.Pow(10, l)).ToArray();
}
