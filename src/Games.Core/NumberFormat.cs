using System.Globalization;

namespace Hybrid.Games;

/// <summary>The short number format of tables and reports.</summary>
public static class NumberFormat
{
    /// <summary>Three significant digits at most; scientific outside [0.01, 1e6); invariant culture.</summary>
    public static string Short(double v) =>
        v == 0 || (Math.Abs(v) >= 1e-2 && Math.Abs(v) < 1e6) ? v.ToString("0.###", CultureInfo.InvariantCulture) : v.ToString("0.##e+0", CultureInfo.InvariantCulture);
}
