namespace Hybrid.Charts;

/// <summary>How a chart panel draws its series.</summary>
public enum PanelKind
{
    /// <summary>Lines through (X, Y).</summary>
    Lines,
    /// <summary>An arrow from (X, Y) along (U, V) per point, scaled to the grid (see <see cref="Quiver"/>).</summary>
    Arrows,
    /// <summary>Bars of Y per category.</summary>
    Bars,
}

/// <summary>How a line is drawn: data in the series' colour, or a reference level in grey.</summary>
public enum LineStyle
{
    /// <summary>A solid line in the series' colour.</summary>
    Solid,
    /// <summary>A dashed line in the series' colour (a second view of the same key, e.g. a population's best member).</summary>
    Dashed,
    /// <summary>A thin translucent line in the series' colour: the members behind an aggregate line (seeds behind their mean).</summary>
    Faint,
    /// <summary>A dashed grey line: a baseline such as the random policy's level, not a result.</summary>
    Reference,
}

/// <summary>How a panel's y axis is scaled.</summary>
public enum AxisScale
{
    /// <summary>Chosen from the data (<see cref="ChartAxes.Choose"/>): logarithmic when positive values span decades, clipped when a series is off scale.</summary>
    Auto,
    /// <summary>Linear over all values.</summary>
    Linear,
    /// <summary>Logarithmic.</summary>
    Log,
}

/// <summary>One named series of a panel.</summary>
/// <param name="Name">Legend name; series of the same name in several panels share one legend entry.</param>
/// <param name="X">X values (lines, arrows).</param>
/// <param name="Y">Y values.</param>
/// <param name="U">Arrow x components.</param>
/// <param name="V">Arrow y components.</param>
/// <param name="Categories">Bar categories.</param>
/// <param name="Lower">Lower edge of a band around Y per point (e.g. the minimum over seeds); drawn translucent in the series' colour.</param>
/// <param name="Upper">Upper edge of the band.</param>
/// <param name="Key">Colour key (default: <paramref name="Name"/>): series with the same key have the same colour in every panel.</param>
/// <param name="Style">How the line is drawn.</param>
public sealed record Series(string Name, double[] X, double[] Y, double[]? U = null, double[]? V = null, string[]? Categories = null,
    double[]? Lower = null, double[]? Upper = null, string? Key = null, LineStyle Style = LineStyle.Solid)
{
    /// <summary>The key that picks the colour.</summary>
    public string ColorKey => Key ?? Name;

    /// <summary>Whether the series has a band.</summary>
    public bool HasBand => Lower is not null && Upper is not null;
}

/// <summary>A fixed axis range.</summary>
/// <param name="Min">Lower end (for a log axis: the value, not its logarithm).</param>
/// <param name="Max">Upper end.</param>
public sealed record AxisRange(double Min, double Max);

/// <summary>One subplot.</summary>
/// <param name="Title">Panel title.</param>
/// <param name="XTitle">X-axis title.</param>
/// <param name="YTitle">Y-axis title.</param>
/// <param name="Kind">How to draw.</param>
/// <param name="Series">What to draw.</param>
/// <param name="LogY">Logarithmic y axis (the same as <see cref="YScale"/> = <see cref="AxisScale.Log"/>; kept for the first callers).</param>
public sealed record ChartPanel(string Title, string XTitle, string YTitle, PanelKind Kind, IReadOnlyList<Series> Series, bool LogY = false)
{
    /// <summary>How the y axis is scaled; <see cref="LogY"/> = true overrides it.</summary>
    public AxisScale YScale { get; init; } = AxisScale.Auto;

    /// <summary>Logarithmic x axis.</summary>
    public bool LogX { get; init; }

    /// <summary>A fixed y range (e.g. [0, 1] for probabilities); null: from the data.</summary>
    public AxisRange? YRange { get; init; }
}

/// <summary>A chart file: panels stacked in a grid. The data only; the CLI and notebooks render it (Plotly.NET, standalone HTML).</summary>
/// <param name="File">File name without directory, e.g. "learning-curves.html".</param>
/// <param name="Title">Chart title.</param>
/// <param name="Panels">Subplots, row by row.</param>
/// <param name="Columns">Panels per row.</param>
/// <param name="ColorKeys">
/// Keys that take the palette's colours in this order, so that several charts of one study give a rule the same
/// colour; other keys follow in order of first appearance (<see cref="ChartStyle"/>).
/// </param>
public sealed record ChartSpec(string File, string Title, IReadOnlyList<ChartPanel> Panels, int Columns = 1, IReadOnlyList<string>? ColorKeys = null);
