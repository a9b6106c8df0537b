using System.Text.Json;
using System.Text.RegularExpressions;
using Hybrid.Charts;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>The rendered page: what plotly.js is given, read back from the HTML.</summary>
public class ChartHtmlTests
{
    /// <summary>The traces of a chart page (the JSON array plotly.js draws).</summary>
    public static JsonElement[] Traces(string html)
    {
        var data = Regex.Match(html, @"var data = (\[.*?\]);\s*var layout", RegexOptions.Singleline);
        Assert.True(data.Success, "no trace data in the page");
        // Parsing fails on NaN or Infinity literals: non-finite values must be written as null.
        return JsonDocument.Parse(data.Groups[1].Value).RootElement.EnumerateArray().ToArray();
    }

    /// <summary>The names shown in the legend, in order.</summary>
    public static string[] Legend(string html) =>
        Traces(html).Where(t => t.GetProperty("showlegend").GetBoolean()).Select(t => t.GetProperty("name").GetString()!).ToArray();

    static string? Color(JsonElement t) =>
        t.TryGetProperty("line", out var line) && line.TryGetProperty("color", out var c) ? c.GetString()
        : t.TryGetProperty("marker", out var m) ? m.GetProperty("color").GetString() : null;

    static Series Line(string name, params double[] y) => new(name, y.Select((_, i) => (double)i).ToArray(), y);

    [Fact]
    public void OneColourPerNameAcrossPanelsOneLegendRowPerNameAndBandsUnderTheirLine()
    {
        var band = new Series("mean over seeds", new[] { 0.0, 1, 2 }, new[] { 1.0, double.NaN, 2 }, Lower: new[] { 0.5, 1, 1.5 }, Upper: new[] { 1.5, 2, 2.5 });
        var panels = Enumerable.Range(0, 8).Select(i => new ChartPanel($"run {i}", "environment steps", "return", PanelKind.Lines, new[]
        {
            band, Line("seed 0", 1, 2, 3) with { Style = LineStyle.Faint }, Line("seed 1", 2, 1, double.PositiveInfinity) with { Style = LineStyle.Faint },
            Line("random policy", 0, 0, 0) with { Style = LineStyle.Reference },
        })).ToArray();
        var html = ChartHtml.Html(new ChartSpec("c.html", "curves", panels, Columns: 2), embedPlotly: false);
        Assert.Contains("<meta charset=\"utf-8\">", html);
        Assert.Equal(new[] { "mean over seeds", "seed 0", "seed 1", "random policy" }, Legend(html));
        var traces = Traces(html);
        var lines = traces.Where(t => !t.TryGetProperty("fill", out _)).ToArray();
        Assert.Equal(8 * 4, lines.Length);
        foreach (var group in lines.GroupBy(t => t.GetProperty("legendgroup").GetString()))
            Assert.Single(group.Select(Color).Distinct());
        Assert.Equal(4, lines.Select(Color).Distinct().Count());
        Assert.Equal(ChartStyle.ReferenceColor, Color(lines.First(t => t.GetProperty("name").GetString() == "random policy")));
        var bands = traces.Where(t => t.TryGetProperty("fill", out _)).ToArray();
        Assert.Equal(8, bands.Length);
        Assert.All(bands, b =>
        {
            Assert.Equal("toself", b.GetProperty("fill").GetString());
            Assert.False(b.GetProperty("showlegend").GetBoolean());
            Assert.Equal("mean over seeds", b.GetProperty("legendgroup").GetString());
            Assert.Equal(6, b.GetProperty("y").GetArrayLength()); // three points up, three back
        });
        // Each band comes before the panel's lines, so no band veils a line.
        Assert.True(Array.IndexOf(traces, bands[0]) < Array.IndexOf(traces, lines[0]));
        // NaN and infinity are gaps (null).
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("y")[1].ValueKind);
        Assert.Equal(JsonValueKind.Null, lines[2].GetProperty("y")[2].ValueKind);
    }

    [Fact]
    public void ArrowPanelsDrawEveryArrowWithAHeadAndSayTheScale()
    {
        var axis = new[] { -1.0, 0, 1 };
        var x = axis.SelectMany(a => axis.Select(_ => a)).ToArray();
        var y = axis.SelectMany(_ => axis).ToArray();
        var u = y.Select(v => -v).ToArray();
        var panels = new[] { "COLA", "HOLA-4" }.Select(rule => new ChartPanel(rule, "x", "y", PanelKind.Arrows, new[] { new Series(rule, x, y, u, x) })).ToArray();
        var html = ChartHtml.Html(new ChartSpec("f.html", "fields", panels, Columns: 2), embedPlotly: false);
        var traces = Traces(html);
        Assert.Equal(2, traces.Length);
        foreach (var t in traces)
        {
            var xs = t.GetProperty("x").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble()).ToArray();
            var segments = xs.Zip(xs.Skip(1)).Count(p => double.IsFinite(p.First) && double.IsFinite(p.Second));
            // Eight non-zero vectors (the centre is a fixed point): a shaft and two head segments each.
            Assert.Equal(8 * 3, segments);
        }
        Assert.Contains("grid step is |update| =", html);
    }

    [Fact]
    public void ADivergentRunIsNamedInThePanelTitleAndItsBandLeftOut()
    {
        var spread = new Series("naive learning", new[] { 0.0, 1, 2 }, new[] { 0.1, 1e6, 1.2e12 }, Lower: new[] { 0.0, 0, 0 }, Upper: new[] { 1.0, 1e7, 1e13 });
        var panel = new ChartPanel("alpha = 1", "learning step", "loss", PanelKind.Lines, new[] { Line("COLA", -0.3, 0.1, 0.2), spread });
        var html = ChartHtml.Html(new ChartSpec("l.html", "curves", new[] { panel }), embedPlotly: false);
        Assert.Contains("axis clipped: naive learning off scale", html);
        Assert.DoesNotContain(Traces(html), t => t.TryGetProperty("fill", out _));
    }
}
