namespace Hybrid.Charts;

/// <summary>One drawn arrow: shaft from tail to tip and a head of two short barbs ending at the tip.</summary>
/// <param name="TailX">Tail x (the grid point).</param>
/// <param name="TailY">Tail y.</param>
/// <param name="TipX">Tip x.</param>
/// <param name="TipY">Tip y.</param>
/// <param name="Barbs">The two barb ends (x, y), each joined to the tip by one head segment.</param>
/// <param name="Capped">Whether the arrow was shortened to the longest drawn length (its vector is longer than the reference).</param>
public sealed record Arrow(double TailX, double TailY, double TipX, double TipY, (double X, double Y)[] Barbs, bool Capped);

/// <summary>A quiver plot's arrows and the scale they are drawn at.</summary>
/// <param name="Arrows">One per grid point with a finite, non-zero vector.</param>
/// <param name="Spacing">The grid spacing (smallest gap between distinct coordinates).</param>
/// <param name="Reference">The vector length drawn as <see cref="Quiver.Fill"/> grid steps (the longest, or the 90th percentile if the longest are outliers).</param>
public sealed record QuiverPlot(IReadOnlyList<Arrow> Arrows, double Spacing, double Reference)
{
    /// <summary>The arrows as one polyline, NaN between pieces: shafts, then each head as barb-tip-barb (two segments).</summary>
    public (double[] X, double[] Y) Polyline()
    {
        var xs = new List<double>(); var ys = new List<double>();
        foreach (var a in Arrows)
        {
            xs.AddRange(new[] { a.TailX, a.TipX, double.NaN, a.Barbs[0].X, a.TipX, a.Barbs[1].X, double.NaN });
            ys.AddRange(new[] { a.TailY, a.TipY, double.NaN, a.Barbs[0].Y, a.TipY, a.Barbs[1].Y, double.NaN });
        }
        return (xs.ToArray(), ys.ToArray());
    }
}

/// <summary>
/// Quiver arrows as line segments (Plotly has no quiver plot), scaled to the grid as matplotlib's quiver is to its
/// figure: the length is proportional to the vector, the longest drawn <see cref="Fill"/> of a grid step so arrows do
/// not overlap. If the longest is more than <see cref="Outliers"/> times the 90th percentile (a rule that explodes
/// near the border), the 90th percentile is drawn at that length and the longer ones are capped, rather than
/// shrinking every other arrow to a dot.
/// </summary>
public static class Quiver
{
    /// <summary>The reference vector's drawn length in grid steps.</summary>
    public const double Fill = 0.9;

    /// <summary>How much longer than the 90th percentile the longest vector may be before the longest ones are capped.</summary>
    public const double Outliers = 3;

    /// <summary>Head length as a fraction of the drawn arrow.</summary>
    public const double Head = 0.3;

    /// <summary>Half-angle of the head, radians (25 degrees).</summary>
    public const double HeadAngle = 25 * Math.PI / 180;

    /// <summary>The arrows of vectors (U, V) at points (X, Y).</summary>
    public static QuiverPlot Of(double[] x, double[] y, double[] u, double[] v)
    {
        if (x.Length != y.Length || u.Length != x.Length || v.Length != x.Length)
            throw new ArgumentException($"quiver: {x.Length} x, {y.Length} y, {u.Length} u and {v.Length} v values (need one each per point)");
        var spacing = Math.Min(Spacing(x), Spacing(y));
        if (!double.IsFinite(spacing)) spacing = Math.Max(Span(x), Span(y)) is var s && s > 0 ? s / 10 : 1;
        var lengths = u.Zip(v, (a, b) => Math.Sqrt(a * a + b * b)).ToArray();
        var positive = lengths.Where(l => double.IsFinite(l) && l > 0).Order().ToArray();
        var p90 = positive.Length == 0 ? 0 : positive[(int)Math.Floor(0.9 * (positive.Length - 1))];
        var reference = positive.Length == 0 ? 0 : positive[^1] <= Outliers * p90 ? positive[^1] : p90;
        var arrows = new List<Arrow>();
        for (var k = 0; k < x.Length; k++)
        {
            var length = lengths[k];
            if (!double.IsFinite(length) || length <= 0 || !double.IsFinite(x[k]) || !double.IsFinite(y[k])) continue;
            var capped = length > reference;
            var drawn = Fill * spacing * Math.Min(length / reference, 1);
            var (dx, dy) = (u[k] / length, v[k] / length);
            var (tipX, tipY) = (x[k] + drawn * dx, y[k] + drawn * dy);
            var head = Head * drawn;
            (double, double) Barb(double angle)
            {
                var (c, s) = (Math.Cos(angle), Math.Sin(angle));
                return (tipX - head * (c * dx - s * dy), tipY - head * (s * dx + c * dy));
            }
            arrows.Add(new Arrow(x[k], y[k], tipX, tipY, new[] { Barb(HeadAngle), Barb(-HeadAngle) }, capped));
        }
        return new QuiverPlot(arrows, spacing, reference);
    }

    static double Spacing(double[] values)
    {
        var distinct = values.Where(double.IsFinite).Distinct().Order().ToArray();
        return distinct.Length < 2 ? double.PositiveInfinity : distinct.Zip(distinct.Skip(1), (a, b) => b - a).Min();
    }

    static double Span(double[] values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? 0 : finite.Max() - finite.Min();
    }
}
