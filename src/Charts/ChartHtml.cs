using Hybrid.Kernel;
using Plotly.NET;
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
        // Without a declared charset a browser reads the file as Windows-1252 and plotly's minus signs come out as "â^'".
        var html = GenericChart.toEmbeddedHTML(chart);
        var head = html.IndexOf("<head>", StringComparison.Ordinal);
        return head < 0 ? html : html.Insert(head + "<head>".Length, "<meta charset=\"utf-8\">");
    }

    /// <summary>
    /// The Plotly.NET figure of the chart, for callers that render it themselves: one colour per colour key and one
    /// legend row per name over all panels (<see cref="ChartStyle"/>), axes from <see cref="ChartAxes"/>, panel titles
    /// above the panels with what the axis or arrow scale hides.
    /// </summary>
    public static GenericChart Figure(ChartSpec spec)
    {
        var colors = ChartStyle.Colors(spec);
        var shown = ChartStyle.LegendShown(spec);
        var panels = spec.Panels.Select((p, i) => PanelFigure.Draw(p, colors, shown[i])).ToList();
        var columns = Math.Max(1, Math.Min(spec.Columns, panels.Count));
        var rows = (panels.Count + columns - 1) / columns;
        var chart = Chart.Grid(panels.Select(p => p.Chart), rows, columns, SubPlotTitles: panels.Select(p => p.Title).ToArray(),
            YGap: 0.25, XGap: 0.15);
        // Arrow panels are square so that a head's angle on screen is its angle in the data.
        var rowHeight = spec.Panels.Any(p => p.Kind == PanelKind.Arrows) ? 1000 / columns : 400;
        chart = chart.WithSize(1100, Math.Max(450, rowHeight * rows + 140));
        // Long titles (a game's full name and what the lines and bands are) wrap instead of running off the page.
        chart = Plotly.NET.Chart.withTitle(string.Join("<br>", PanelFigure.Wrap(spec.Title, 110)), null).Invoke(chart);
        return Layout(chart);
    }

    /// <summary>Room above the panels for two-line subplot titles, and exponents written as powers of ten (1e-4, not "100µ").</summary>
    static GenericChart Layout(GenericChart chart)
    {
        var layout = GenericChart.getLayout(chart);
        var margin = new DynamicObj.DynamicObj();
        margin.SetProperty("t", 130);
        layout.SetProperty("margin", margin);
        foreach (var name in layout.GetPropertyNames(true).Where(n => n.StartsWith("yaxis", StringComparison.Ordinal)).ToList())
            if (layout.TryGetPropertyValue(name) is { Value: DynamicObj.DynamicObj axis }) axis.SetProperty("exponentformat", "power");
        return GenericChart.setLayout(layout, chart);
    }
}
