namespace Hybrid.Games.Reproduction;

/// <summary>
/// The thesis' names of the learning rules for charts and their colour order, so that a rule keeps one name and one
/// colour in every chart of every game (registry names such as "hola_4" and the fields' "HOLA4" both read "HOLA-4").
/// </summary>
public static class RuleLabels
{
    /// <summary>Chart labels in palette order: COLA and the rules of the thesis' figures first, so they get the palette's strongest colours.</summary>
    public static IReadOnlyList<string> Order { get; } = new[]
    {
        "COLA", "exact LOLA", "Taylor LOLA", "HOLA-2", "HOLA-4", "HOLA-8", "SOS", "CGD", "naive learning", "LookAhead", "HOLA-6", "iLOLA",
    };

    /// <summary>The label of a rule given by registry name (or the fields' upper-case names).</summary>
    public static string Of(string rule)
    {
        var lower = rule.ToLowerInvariant();
        return lower switch
        {
            "naive" => "naive learning",
            "lookahead" => "LookAhead",
            "lola_exact" => "exact LOLA",
            "lola_taylor" => "Taylor LOLA",
            "sos" => "SOS",
            "cgd" => "CGD",
            "ilola" => "iLOLA",
            "ilola_taylor" => "Taylor iLOLA",
            "cola" => "COLA",
            _ when lower.StartsWith("hola_taylor_", StringComparison.Ordinal) => $"Taylor HOLA-{lower["hola_taylor_".Length..]}",
            _ when lower.StartsWith("hola_", StringComparison.Ordinal) => $"HOLA-{lower["hola_".Length..]}",
            _ when lower.StartsWith("hola", StringComparison.Ordinal) && lower.Length > 4 && char.IsDigit(lower[4]) => $"HOLA-{lower[4..]}",
            _ when lower.StartsWith("cgd_", StringComparison.Ordinal) => $"CGD-{lower["cgd_".Length..]}",
            _ when lower.StartsWith("lookahead_", StringComparison.Ordinal) => $"LookAhead-{lower["lookahead_".Length..]}",
            _ => rule,
        };
    }
}
