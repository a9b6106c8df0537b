using Hybrid.Kernel;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using Chart = Plotly.NET.CSharp.Chart;
using Plotly.NET.CSharp;
using Microsoft.FSharp.Core;

namespace Hybrid.Charts;

/// <summary>Writes <see cref="ChartSpec"/>s as standalone HTML with Plotly.NET (plotly.js embedded: no network needed to view).</summary>
public static class ChartHtml
{
    /// <summary>Writes the chart into <paramref name="directory"/> as standalone HTML (atomically) and returns the path.</summary>
    public static string Write(ChartSpec spec, string directory)
    {
        var path = Path.Combine(directory, spec.File);
        AtomicFile.Write(path, Html(spec));
        return path;
    }

    /// <summary>
    /// The chart as one HTML document. <paramref name="embedPlotly"/>: plotly.js inside the file (opens without a
    /// network, about 3.5 MB); false: loaded from the CDN (small; notebooks' outputs).
    /// </summary>
    public static string Html(ChartSpec spec, bool embedPlotly = true)
    {
        var chart = Figure(spec);
        chart = Plotly.NET.Chart.withDisplayOptions(DisplayOptions.init(null, null, null, null, null, null,
            FSharpOption<PlotlyJSReference>.Some(embedPlotly ? PlotlyJSReference.Full : PlotlyJSReference.NewCDN($"https://cdn.plot.ly/plotly-{Globals.PLOTLYJS_VERSION}.min.js")))).Invoke(chart);
        return GenericChart.toEmbeddedHTML(chart);
    }

    /// <summary>The Plotly.NET figure of the chart, for callers that render it themselves.</summary>
    public static GenericChart Figure(ChartSpec spec)
    {
        var panels = spec.Panels.Select(Panel).ToList();
        var rows = (panels.Count + spec.Columns - 1) / spec.Columns;
        var chart = panels.Count == 1 ? panels[0] : Chart.Grid(panels, rows, spec.Columns);
        chart = chart.WithSize(1100, Math.Max(450, 380 * rows));
        return Plotly.NET.Chart.withTitle(spec.Title, null).Invoke(chart);
    }

    static GenericChart Panel(ChartPanel panel)
    {
        var traces = panel.Series.Select(s => Trace(panel, s)).ToList();
        var chart = traces.Count == 1 ? traces[0] : Chart.Combine(traces);
        var title = string.IsNullOrEmpty(panel.Title) ? panel.YTitle : $"{panel.Title}: {panel.YTitle}";
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: panel.XTitle)
            .WithYAxisStyle<double, double, string>(TitleText: title, AxisType: panel.LogY ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear);
        return chart;
    }

    static GenericChart Trace(ChartPanel panel, Series s) => panel.Kind switch
    {
        PanelKind.Lines => Chart.Line<double, double, string>(s.X, Finite(s.Y), Name: s.Name),
        PanelKind.Bars => Chart.Column<double, string, string>(s.Y, Keys: s.Categories!, Name: s.Name),
        PanelKind.Arrows => Arrows(panel, s),
        _ => throw new ArgumentOutOfRangeException(nameof(panel), panel.Kind, "unknown panel kind"),
    };

    /// <summary>Plotly has no quiver plot: one line trace of segments separated by gaps, scaled so the longest is 8% of the box.</summary>
    static GenericChart Arrows(ChartPanel panel, Series s)
    {
        var span = Math.Max(s.X.Max() - s.X.Min(), s.Y.Max() - s.Y.Min());
        var longest = s.U!.Zip(s.V!, (u, v) => Math.Sqrt(u * u + v * v)).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        var scale = longest > 0 ? 0.08 * span / longest : 0;
        var xs = new List<double>(); var ys = new List<double>();
        for (var k = 0; k < s.X.Length; k++)
        {
            xs.AddRange(new[] { s.X[k], s.X[k] + scale * s.U![k], double.NaN });
            ys.AddRange(new[] { s.Y[k], s.Y[k] + scale * s.V![k], double.NaN });
        }
        return Chart.Line<double, double, string>(xs, ys, Name: s.Name);
    }

    static double[] Finite(double[] values) => values.Select(v => double.IsFinite(v) ? v : double.NaN).ToArray();
}
