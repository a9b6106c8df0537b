namespace Hybrid.Charts;

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
