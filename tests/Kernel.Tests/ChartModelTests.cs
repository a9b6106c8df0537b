using Hybrid.Charts;
using Xunit;

namespace Hybrid.Kernel.Tests;

public class ChartModelTests
{
    static Series Line(string name, params double[] y) => new(name, y.Select((_, i) => (double)i).ToArray(), y);

    static ChartPanel Panel(params Series[] series) => new("", "step", "value", PanelKind.Lines, series);

    [Fact]
    public void TheSameKeyHasTheSameColourInEveryPanelAndDifferentKeysDiffer()
    {
        var spec = new ChartSpec("c.html", "t", new[]
        {
            Panel(Line("naive", 1, 2), Line("COLA", 1, 2)),
            Panel(Line("COLA", 3, 4), Line("SOS", 1, 1), Line("naive", 0, 1)),
            Panel(Line("COLA best", 1, 1) with { Key = "COLA" }),
        });
        var colors = ChartStyle.Colors(spec);
        var drawn = spec.Panels.Select(p => p.Series.Select(s => (s.ColorKey, Color: ChartStyle.ColorOf(colors, s))).ToArray()).ToArray();
        foreach (var group in drawn.SelectMany(p => p).GroupBy(d => d.ColorKey))
            Assert.Single(group.Select(d => d.Color).Distinct());
        Assert.Equal(3, colors.Values.Distinct().Count());
        Assert.Equal(ChartStyle.ColorOf(colors, spec.Panels[0].Series[1]), ChartStyle.ColorOf(colors, spec.Panels[2].Series[0]));
    }

    [Fact]
    public void ListedKeysTakeThePaletteInTheirOrderAndReferencesAreGrey()
    {
        var spec = new ChartSpec("c.html", "t", new[] { Panel(Line("SOS", 1), Line("random policy", 0) with { Style = LineStyle.Reference }, Line("COLA", 1)) },
            ColorKeys: new[] { "COLA", "LOLA", "SOS" });
        var colors = ChartStyle.Colors(spec);
        Assert.Equal(ChartStyle.Palette[0], colors["COLA"]);
        Assert.Equal(ChartStyle.Palette[2], colors["SOS"]);
        Assert.Equal(ChartStyle.ReferenceColor, ChartStyle.ColorOf(colors, spec.Panels[0].Series[1]));
        Assert.DoesNotContain(ChartStyle.ReferenceColor, ChartStyle.Palette);
        Assert.False(colors.ContainsKey("random policy"));
    }

    [Fact]
    public void EachLegendNameIsShownOnceOverAllPanels()
    {
        // hybrid eval's eight panels of three seeds and the random policy: four legend rows, not 32.
        var panels = Enumerable.Range(0, 8).Select(_ => Panel(Line("seed 0", 1), Line("seed 1", 1), Line("seed 2", 1), Line("random policy", 0))).ToArray();
        var spec = new ChartSpec("c.html", "t", panels, Columns: 2);
        var shown = ChartStyle.LegendShown(spec);
        var names = spec.Panels.SelectMany((p, i) => p.Series.Where((_, k) => shown[i][k]).Select(s => s.Name)).ToArray();
        Assert.Equal(new[] { "seed 0", "seed 1", "seed 2", "random policy" }, names);
        Assert.All(shown.Skip(1), row => Assert.All(row, Assert.False));
    }

    [Fact]
    public void PositiveValuesSpanningDecadesGetALogAxis()
    {
        var choice = ChartAxes.Choose(Panel(Line("a", 1, 0.1, 1e-3, 1e-5), Line("b", 2, 1, 0.5)));
        Assert.Equal(AxisScale.Log, choice.Scale);
        Assert.Null(choice.Note);
        Assert.Equal(AxisScale.Linear, ChartAxes.Choose(Panel(Line("a", 1, 0.5, 0.2), Line("b", 2, 1, 0.5))).Scale);
        // The builder's choice wins.
        Assert.Equal(AxisScale.Log, ChartAxes.Choose(Panel(Line("a", 1, 2)) with { LogY = true }).Scale);
        Assert.Equal(AxisScale.Linear, ChartAxes.Choose(Panel(Line("a", 1, 1e-6)) with { YScale = AxisScale.Linear }).Scale);
    }

    [Fact]
    public void ADivergentRunIsClippedAndNamedRatherThanFlatteningTheOthers()
    {
        var panel = Panel(Line("CGD", -0.2, -0.1, -0.1), Line("COLA", -0.1, 50, 900), Line("naive", -0.2, 1e6, 1.2e12), Line("SOS", 0.1, 1e9, 3e11));
        var choice = ChartAxes.Choose(panel);
        Assert.Equal(AxisScale.Linear, choice.Scale);
        Assert.Equal(new[] { 2, 3 }, choice.OffScale);
        Assert.NotNull(choice.Range);
        Assert.InRange(choice.Range!.Max, 900, 1000);
        Assert.True(choice.Range.Min < -0.2);
        Assert.Contains("naive", choice.Note);
        Assert.Contains("SOS", choice.Note);
        Assert.DoesNotContain("COLA", choice.Note);
    }

    [Fact]
    public void NonFiniteValuesAreIgnoredByTheAxisChoice()
    {
        var choice = ChartAxes.Choose(Panel(Line("a", 1, double.NaN, double.PositiveInfinity, 2), Line("b", double.NaN)));
        Assert.Equal(new AxisChoice(AxisScale.Linear, null), choice with { OffScale = Array.Empty<int>() });
        Assert.Equal(AxisScale.Linear, ChartAxes.Choose(Panel(Line("a", double.NaN))).Scale);
        Assert.Equal(AxisScale.Log, ChartAxes.Choose(Panel(Line("a", 1e-6, double.NegativeInfinity, 1))).Scale);
    }

    [Fact]
    public void QuiverArrowsHaveTwoHeadSegmentsAndTheLongestFillsTheGridStep()
    {
        // A 3 x 3 grid of step 0.5 with one zero and one NaN vector: seven arrows.
        var axis = new[] { -0.5, 0, 0.5 };
        var x = axis.SelectMany(a => axis.Select(_ => a)).ToArray();
        var y = axis.SelectMany(_ => axis).ToArray();
        var u = new[] { 1.0, 0, 2, -1, 0.5, double.NaN, 1, 1, 0 };
        var v = new[] { 0.0, 0, 0, 1, 0.5, 1, -1, 0, 2 };
        var q = Quiver.Of(x, y, u, v);
        Assert.Equal(0.5, q.Spacing, 12);
        Assert.Equal(7, q.Arrows.Count);
        Assert.All(q.Arrows, a => Assert.Equal(2, a.Barbs.Length));
        double Length(Arrow a) => Math.Sqrt((a.TipX - a.TailX) * (a.TipX - a.TailX) + (a.TipY - a.TailY) * (a.TipY - a.TailY));
        Assert.Equal(Quiver.Fill * 0.5, q.Arrows.Max(Length), 12);
        // Length proportional to the vector: (1, 0) is half of (2, 0).
        Assert.Equal(Length(q.Arrows[0]) * 2, Length(q.Arrows[1]), 12);
        foreach (var a in q.Arrows)
            foreach (var (bx, by) in a.Barbs)
            {
                var barb = Math.Sqrt((bx - a.TipX) * (bx - a.TipX) + (by - a.TipY) * (by - a.TipY));
                Assert.Equal(Quiver.Head * Length(a), barb, 9);
            }
        // The polyline: per arrow one shaft segment and two head segments (barb-tip-barb).
        var (px, py) = q.Polyline();
        var segments = 0;
        for (var i = 1; i < px.Length; i++) if (double.IsFinite(px[i - 1]) && double.IsFinite(px[i])) segments++;
        Assert.Equal(3 * q.Arrows.Count, segments);
        Assert.Equal(px.Length, py.Length);
    }

    [Fact]
    public void AnExplodingArrowIsCappedInsteadOfShrinkingTheOthers()
    {
        var x = Enumerable.Range(0, 20).Select(i => (double)(i % 5)).ToArray();
        var y = Enumerable.Range(0, 20).Select(i => (double)(i / 5)).ToArray();
        var u = Enumerable.Range(0, 20).Select(i => i == 19 ? 1e6 : 1.0).ToArray();
        var q = Quiver.Of(x, y, u, new double[20]);
        Assert.Single(q.Arrows, a => a.Capped);
        Assert.Equal(1.0, q.Reference);
        Assert.All(q.Arrows, a => Assert.Equal(Quiver.Fill, a.TipX - a.TailX, 12));
    }

    [Fact]
    public void SpreadBandsHoldTheMeanAndSkipNonFiniteMembers()
    {
        var members = new[]
        {
            new[] { 1.0, 2, double.NaN, double.NaN },
            new[] { 3.0, double.PositiveInfinity, 5, double.NaN },
            new[] { 0.1 + 0.2, 0.1 + 0.2, 0.1 + 0.2, double.NaN },
        };
        var s = Spread.MinMax(members);
        for (var t = 0; t < 3; t++) Assert.InRange(s.Mean[t], s.Lower[t], s.Upper[t]);
        Assert.Equal(new[] { 0.1 + 0.2, 0.1 + 0.2, 0.1 + 0.2 }, s.Lower.Take(3));
        Assert.Equal(new[] { 3.0, 2, 5 }, s.Upper.Take(3));
        Assert.Equal((2 + 0.1 + 0.2) / 2, s.Mean[1], 12);
        Assert.True(double.IsNaN(s.Mean[3]) && double.IsNaN(s.Lower[3]) && double.IsNaN(s.Upper[3]));
        // Members that agree: the rounded mean stays inside its band.
        var same = Spread.MinMax(Enumerable.Repeat(new[] { 0.1 + 0.2 }, 7).ToList());
        Assert.InRange(same.Mean[0], same.Lower[0], same.Upper[0]);
        Assert.Throws<ArgumentException>(() => Spread.MinMax(new[] { new[] { 1.0 }, new[] { 1.0, 2 } }));
    }
}
