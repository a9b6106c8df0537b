namespace Hybrid.Charts;

/// <summary>A mean line with the band of its members (seeds, runs) per point.</summary>
/// <param name="Mean">Mean over the members' finite values (NaN where none is finite).</param>
/// <param name="Lower">Minimum over the members.</param>
/// <param name="Upper">Maximum over the members.</param>
public sealed record Spread(double[] Mean, double[] Lower, double[] Upper)
{
    /// <summary>
    /// Mean and min-max band of equally long member curves, point by point, over the finite values only (a member
    /// that stopped at NaN or infinity leaves the others' band intact). Min-max rather than quantiles: with 3-10
    /// seeds a quantile band would hide the seed that matters.
    /// </summary>
    public static Spread MinMax(IReadOnlyList<double[]> members)
    {
        if (members.Count == 0) throw new ArgumentException("a spread needs at least one member", nameof(members));
        var length = members[0].Length;
        if (members.Any(m => m.Length != length))
            throw new ArgumentException($"members of different lengths ({string.Join(", ", members.Select(m => m.Length).Distinct())})", nameof(members));
        var (mean, lower, upper) = (new double[length], new double[length], new double[length]);
        for (var t = 0; t < length; t++)
        {
            var finite = members.Select(m => m[t]).Where(double.IsFinite).ToArray();
            if (finite.Length == 0) { mean[t] = lower[t] = upper[t] = double.NaN; continue; }
            (lower[t], upper[t]) = (finite.Min(), finite.Max());
            // The sum can round past the extremes when all members agree.
            mean[t] = Math.Clamp(finite.Average(), lower[t], upper[t]);
        }
        return new Spread(mean, lower, upper);
    }
}
