using System.Globalization;

namespace Hybrid.Charts;

/// <summary>The y axis a panel is drawn with.</summary>
/// <param name="Scale">Linear or logarithmic (never <see cref="AxisScale.Auto"/>).</param>
/// <param name="Range">A fixed range, or null for the data's.</param>
/// <param name="Note">What the choice hides, for the panel title (e.g. which series run off the clipped range); null if nothing.</param>
/// <param name="OffScale">Indices of the series left off scale (their bands are not drawn: they would cover the panel).</param>
public sealed record AxisChoice(AxisScale Scale, AxisRange? Range, string? Note, IReadOnlyList<int> OffScale)
{
    /// <summary>An axis that hides nothing.</summary>
    public AxisChoice(AxisScale scale, AxisRange? range) : this(scale, range, null, Array.Empty<int>()) { }
}

/// <summary>
/// Chooses y axes a reader can read: a run that diverges to 1e12 must not flatten every other curve. Positive values
/// that span more than <see cref="Decades"/> decades get a logarithmic axis. Otherwise the series' magnitudes (largest
/// |y| each) are sorted, and if the widest gap between neighbours is more than that many decades, the series above it
/// are left off scale: the axis is clipped to the others and the title says so. The widest gap rather than a median,
/// because when most rules diverge (a high look-ahead rate) the few that do not are the ones to read, and a rule that
/// grows to 1e3 while others explode to 1e12 still shows.
/// </summary>
public static class ChartAxes
{
    /// <summary>Orders of magnitude beyond which a linear axis stops showing the smaller values.</summary>
    public const double Decades = 3;

    /// <summary>The axis of <paramref name="panel"/>: its own settings if it has any, the rule above for line panels in <see cref="AxisScale.Auto"/>.</summary>
    public static AxisChoice Choose(ChartPanel panel)
    {
        if (panel.LogY || panel.YScale == AxisScale.Log) return new(AxisScale.Log, panel.YRange);
        if (panel.YScale == AxisScale.Linear || panel.YRange is not null || panel.Kind != PanelKind.Lines)
            return new(AxisScale.Linear, panel.YRange);
        var values = panel.Series.Select(s => s.Y.Where(double.IsFinite).ToArray()).ToArray();
        var all = values.SelectMany(v => v).ToArray();
        if (all.Length == 0) return new(AxisScale.Linear, null);
        var factor = Math.Pow(10, Decades);
        if (all.Min() > 0 && all.Max() > factor * all.Min()) return new(AxisScale.Log, null);
        var scales = values.Select(v => v.Length == 0 ? double.NaN : v.Max(Math.Abs)).ToArray();
        // Series magnitudes in decades, sorted: the axis ends at the widest gap, if it is wider than Decades.
        var sorted = scales.Where(v => double.IsFinite(v) && v > 0).Select(Math.Log10).Order().ToArray();
        var (gap, cut) = (0.0, double.PositiveInfinity);
        for (var i = 1; i < sorted.Length; i++)
            if (sorted[i] - sorted[i - 1] > gap) (gap, cut) = (sorted[i] - sorted[i - 1], sorted[i - 1]);
        if (gap <= Decades) return new(AxisScale.Linear, null);
        var off = Enumerable.Range(0, scales.Length).Where(i => scales[i] > 0 && Math.Log10(scales[i]) > cut).ToArray();
        var kept = Enumerable.Range(0, values.Length).Except(off).SelectMany(i => values[i]).ToArray();
        var (lo, hi) = (kept.Min(), kept.Max());
        var pad = hi > lo ? 0.05 * (hi - lo) : Math.Max(1, Math.Abs(hi)) * 0.05;
        var names = string.Join(", ", off.Select(i => panel.Series[i].Name).Distinct());
        var largest = off.Max(i => scales[i]).ToString("0.#e+0", CultureInfo.InvariantCulture);
        return new(AxisScale.Linear, new AxisRange(lo - pad, hi + pad), $"axis clipped: {names} off scale (|y| up to {largest}; bands not drawn)", off);
    }
}
