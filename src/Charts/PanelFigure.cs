using System.Globalization;
using DynamicObj;
using Plotly.NET;
using Chart = Plotly.NET.CSharp.Chart;
using Plotly.NET.CSharp;

namespace Hybrid.Charts;

/// <summary>
/// One panel as Plotly traces. The traces are written as plotly.js attributes (legendgroup, showlegend, fill) rather
/// than through Plotly.NET's chart functions, which do not expose the legend groups a shared legend needs.
/// </summary>
static class PanelFigure
{
    /// <summary>The panel's chart and its subplot title.</summary>
    public static (GenericChart Chart, string Title) Draw(ChartPanel panel, IReadOnlyDictionary<string, string> colors, bool[] shown)
    {
        var axis = ChartAxes.Choose(panel);
        var log = axis.Scale == AxisScale.Log;
        // Bands go under every line (a later band would veil earlier lines), fainter the more of them overlap.
        var bands = new List<Trace>();
        var bandCount = panel.Series.Where((s, k) => s.HasBand && !axis.OffScale.Contains(k)).Count();
        var opacity = Math.Max(0.07, 0.2 / Math.Sqrt(Math.Max(1, bandCount)));
        var traces = new List<Trace>();
        var spacing = double.PositiveInfinity;
        var notes = new List<string>();
        if (axis.Note is { } note) notes.Add(note);
        for (var k = 0; k < panel.Series.Count; k++)
        {
            var s = panel.Series[k];
            var color = ChartStyle.ColorOf(colors, s);
            switch (panel.Kind)
            {
                case PanelKind.Lines:
                    if (s.HasBand && !axis.OffScale.Contains(k)) bands.Add(Band(s, color, log, opacity));
                    traces.Add(Line(s, color, shown[k]));
                    break;
                case PanelKind.Bars:
                    traces.Add(Bar(s, color, shown[k]));
                    break;
                case PanelKind.Arrows:
                    var quiver = Quiver.Of(s.X, s.Y, s.U ?? throw Missing(s, "U"), s.V ?? throw Missing(s, "V"));
                    spacing = Math.Min(spacing, quiver.Spacing);
                    traces.Add(Arrows(s, quiver, color, shown[k]));
                    notes.Add(ArrowNote(quiver));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(panel), panel.Kind, "unknown panel kind");
            }
        }
        traces.InsertRange(0, bands);
        var chart = traces.Count == 0 ? Chart.Invisible() : Chart.Combine(traces.Select(t => GenericChart.ofTraceObject(true, t)));
        chart = panel.Kind == PanelKind.Arrows ? SquareAxes(chart, panel, spacing) : Axes(chart, panel, axis);
        var title = string.Join("<br>", new[] { panel.Title }.Concat(notes.SelectMany(n => Wrap(n)).Select(n => $"<span style=\"font-size:11px\">{n}</span>")).Where(t => t.Length > 0));
        return (chart, title);
    }

    static GenericChart Axes(GenericChart chart, ChartPanel panel, AxisChoice axis)
    {
        var log = axis.Scale == AxisScale.Log;
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: panel.XTitle,
            AxisType: panel.Kind == PanelKind.Bars ? StyleParam.AxisType.Category : panel.LogX ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear);
        var type = log ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear;
        // plotly.js takes a log axis' range in decades.
        return axis.Range is { } r
            ? chart.WithYAxisStyle<double, double, string>(TitleText: panel.YTitle, AxisType: type,
                MinMax: log ? Tuple.Create(Math.Log10(r.Min), Math.Log10(r.Max)) : Tuple.Create(r.Min, r.Max))
            : chart.WithYAxisStyle<double, double, string>(TitleText: panel.YTitle, AxisType: type);
    }

    /// <summary>Both axes over the grid plus one grid step, the same range, so the square panel keeps angles.</summary>
    static GenericChart SquareAxes(GenericChart chart, ChartPanel panel, double step)
    {
        var all = panel.Series.SelectMany(s => s.X.Concat(s.Y)).Where(double.IsFinite).ToArray();
        if (all.Length == 0 || !double.IsFinite(step))
            return chart.WithXAxisStyle<double, double, string>(TitleText: panel.XTitle).WithYAxisStyle<double, double, string>(TitleText: panel.YTitle);
        var range = Tuple.Create(all.Min() - step, all.Max() + step);
        return chart.WithXAxisStyle<double, double, string>(TitleText: panel.XTitle, MinMax: range)
            .WithYAxisStyle<double, double, string>(TitleText: panel.YTitle, MinMax: range);
    }

    static Trace Line(Series s, string color, bool shown)
    {
        var t = Common(new Trace2D("scatter"), s, shown);
        t.SetProperty("x", s.X);
        t.SetProperty("y", Finite(s.Y));
        t.SetProperty("mode", "lines");
        var line = new DynamicObj.DynamicObj();
        line.SetProperty("color", color);
        line.SetProperty("width", s.Style switch { LineStyle.Faint => 1, LineStyle.Reference => 1.5, _ => 2.2 });
        if (s.Style is LineStyle.Dashed or LineStyle.Reference) line.SetProperty("dash", "dash");
        t.SetProperty("line", line);
        if (s.Style == LineStyle.Faint) t.SetProperty("opacity", 0.45);
        return t;
    }

    /// <summary>The band as one closed polygon (upper edge forward, lower edge back) over the points where both edges are finite.</summary>
    static Trace Band(Series s, string color, bool log, double opacity)
    {
        var points = Enumerable.Range(0, Math.Min(s.X.Length, Math.Min(s.Lower!.Length, s.Upper!.Length)))
            .Where(i => double.IsFinite(s.X[i]) && double.IsFinite(s.Lower[i]) && double.IsFinite(s.Upper[i])).ToArray();
        // A log axis cannot draw values <= 0: the band's lower edge stops at a tenth of the smallest positive value.
        var floor = s.Lower.Concat(s.Upper).Concat(s.Y).Where(v => double.IsFinite(v) && v > 0).DefaultIfEmpty(1).Min() / 10;
        double Low(int i) => log ? Math.Max(s.Lower[i], floor) : s.Lower[i];
        var t = new Trace2D("scatter");
        t.SetProperty("x", points.Select(i => s.X[i]).Concat(points.Reverse().Select(i => s.X[i])).ToArray());
        t.SetProperty("y", points.Select(i => log ? Math.Max(s.Upper[i], floor) : s.Upper[i]).Concat(points.Reverse().Select(Low)).ToArray());
        t.SetProperty("mode", "lines");
        t.SetProperty("fill", "toself");
        t.SetProperty("fillcolor", Translucent(color, opacity));
        var line = new DynamicObj.DynamicObj();
        line.SetProperty("width", 0);
        line.SetProperty("color", Translucent(color, 0));
        t.SetProperty("line", line);
        t.SetProperty("name", s.Name);
        t.SetProperty("legendgroup", s.Name);
        t.SetProperty("showlegend", false);
        t.SetProperty("hoverinfo", "skip");
        return t;
    }

    static Trace Bar(Series s, string color, bool shown)
    {
        var t = Common(new Trace2D("bar"), s, shown);
        t.SetProperty("x", s.Categories ?? throw Missing(s, "Categories"));
        t.SetProperty("y", Finite(s.Y));
        var marker = new DynamicObj.DynamicObj();
        marker.SetProperty("color", color);
        t.SetProperty("marker", marker);
        return t;
    }

    static Trace Arrows(Series s, QuiverPlot quiver, string color, bool shown)
    {
        var (xs, ys) = quiver.Polyline();
        var t = Common(new Trace2D("scatter"), s, shown);
        t.SetProperty("x", Finite(xs));
        t.SetProperty("y", Finite(ys));
        t.SetProperty("mode", "lines");
        t.SetProperty("hoverinfo", "skip");
        var line = new DynamicObj.DynamicObj();
        line.SetProperty("color", color);
        line.SetProperty("width", 1.3);
        t.SetProperty("line", line);
        return t;
    }

    static string ArrowNote(QuiverPlot q)
    {
        var inv = CultureInfo.InvariantCulture;
        var capped = q.Arrows.Count(a => a.Capped);
        return $"arrow length proportional to |update|: {Quiver.Fill.ToString("0.#", inv)} grid step is |update| = {q.Reference.ToString("G3", inv)}"
            + (capped > 0 ? $"; {capped} longer arrows capped" : "");
    }

    /// <summary>Text in lines of at most about <paramref name="width"/> characters (a panel's note: 75, about 450 pixels at 11 px).</summary>
    public static IEnumerable<string> Wrap(string text, int width = 75)
    {
        var line = "";
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + word.Length > width) { yield return line; line = ""; }
            line = line.Length == 0 ? word : $"{line} {word}";
        }
        if (line.Length > 0) yield return line;
    }

    static Trace Common(Trace t, Series s, bool shown)
    {
        t.SetProperty("name", s.Name);
        t.SetProperty("legendgroup", s.Name);
        t.SetProperty("showlegend", shown);
        return t;
    }

    /// <summary>Non-finite values as null: a gap in the line (plotly.js), and valid JSON.</summary>
    static double?[] Finite(double[] values) => values.Select(v => double.IsFinite(v) ? v : (double?)null).ToArray();

    static string Translucent(string hex, double alpha)
    {
        var rgb = Convert.FromHexString(hex.TrimStart('#'));
        return $"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha.ToString(CultureInfo.InvariantCulture)})";
    }

    static ArgumentException Missing(Series s, string what) => new($"series '{s.Name}' has no {what}", nameof(s));
}
