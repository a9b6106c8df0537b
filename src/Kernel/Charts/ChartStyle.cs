namespace Hybrid.Charts;

/// <summary>
/// Colours and legend entries of a chart, decided once for the whole chart (not per panel), so that a rule, seed or
/// player has one colour in every panel and one row in the legend.
/// </summary>
public static class ChartStyle
{
    /// <summary>
    /// The palette (Tableau 10 without its grey, which <see cref="ReferenceColor"/> keeps for baselines, then darker
    /// shades): colour-blind friendly for the first few keys, and distinct for up to 15.
    /// </summary>
    public static IReadOnlyList<string> Palette { get; } = new[]
    {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
        "#393b79", "#ad494a", "#637939", "#8c6d31", "#7b4173", "#3182bd",
    };

    /// <summary>The colour of <see cref="LineStyle.Reference"/> lines.</summary>
    public const string ReferenceColor = "#7f7f7f";

    /// <summary>
    /// The colour of every colour key of the chart: the spec's <see cref="ChartSpec.ColorKeys"/> first, in their
    /// order, then the other keys in order of first appearance (panels in order); the palette repeats after 15 keys.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Colors(ChartSpec spec)
    {
        var order = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in (spec.ColorKeys ?? Array.Empty<string>()).Concat(spec.Panels.SelectMany(p => p.Series)
                     .Where(s => s.Style != LineStyle.Reference).Select(s => s.ColorKey)))
            if (seen.Add(key)) order.Add(key);
        return order.Select((key, i) => (key, i)).ToDictionary(p => p.key, p => Palette[p.i % Palette.Count], StringComparer.Ordinal);
    }

    /// <summary>The colour a series is drawn in.</summary>
    public static string ColorOf(IReadOnlyDictionary<string, string> colors, Series s) =>
        s.Style == LineStyle.Reference ? ReferenceColor : colors[s.ColorKey];

    /// <summary>
    /// Per panel and series, whether it shows its legend entry: only the first series of each name in the chart does,
    /// the others join its legend group (one row per name, and a click hides the name in every panel).
    /// </summary>
    public static bool[][] LegendShown(ChartSpec spec)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return spec.Panels.Select(p => p.Series.Select(s => seen.Add(s.Name)).ToArray()).ToArray();
    }
}
