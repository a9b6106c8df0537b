using System.Globalization;

namespace Hybrid.Games.Rules;

/// <summary>Learning rules by name: naive, lookahead, lookahead_N, lola_taylor, lola_exact, hola_N,
/// hola_taylor_N, sos, cgd, cgd_N, ilola, ilola_taylor.</summary>
public static class RuleRegistry
{
    /// <summary>Names accepted by <see cref="Create"/> (N stands for an order).</summary>
    public static IReadOnlyList<string> Names { get; } =
        new[] { "naive", "lookahead", "lookahead_N", "lola_taylor", "lola_exact", "hola_N", "hola_taylor_N", "sos", "cgd", "cgd_N", "ilola", "ilola_taylor" };

    /// <summary>Creates the rule called <paramref name="name"/>; unknown names throw with the list of known ones.</summary>
    public static ILearningRule Create(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "naive": return new NaiveRule();
            case "lookahead": return PLolaRule.LookAhead();
            case "lola_taylor": return PLolaRule.TaylorLola();
            case "lola_exact": return new HolaRule(1, name: "lola_exact");
            case "sos": return new SosRule();
            case "cgd": return new CgdRule();
            case "ilola": return new ILolaRule();
            case "ilola_taylor": return new ILolaRule(taylor: true);
        }
        var lower = name.ToLowerInvariant();
        if (TryOrder(lower, "hola_taylor_", out var n)) return new HolaRule(n, taylor: true);
        if (TryOrder(lower, "hola_", out n)) return new HolaRule(n);
        if (TryOrder(lower, "cgd_", out n)) return new CgdRule(n);
        if (TryOrder(lower, "lookahead_", out n)) return new LookAheadSeriesRule(n);
        throw new ArgumentException($"unknown rule '{name}' (known: {string.Join(", ", Names)})");
    }

    static bool TryOrder(string name, string prefix, out int order)
    {
        order = -1;
        return name.StartsWith(prefix, StringComparison.Ordinal)
               && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out order)
               && order <= 64;
    }
}
