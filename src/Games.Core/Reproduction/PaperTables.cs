namespace Hybrid.Games.Reproduction;

/// <summary>A consistency table as printed in the thesis: the rows' look-ahead rates and, per column, the values.</summary>
/// <param name="Id">Table id, e.g. "1a".</param>
/// <param name="Game">Registry name of the game.</param>
/// <param name="Samples">Points per rate in the thesis.</param>
/// <param name="Alphas">Row look-ahead rates.</param>
/// <param name="Columns">Column label (as printed, e.g. "HOLA3") to the printed values, one per row.</param>
public sealed record PaperTable(string Id, string Game, int Samples, double[] Alphas, IReadOnlyDictionary<string, double[]> Columns)
{
    /// <summary>The HOLA order a printed column label names: LOLA is 1, HOLAn is n.</summary>
    public static int LabelledOrder(string column) => column == "LOLA" ? 1 : int.Parse(column["HOLA".Length..]);
}

/// <summary>
/// The LOLA/HOLA columns of the consistency tables in thesis chapter 3 (tables 1a, 2a, 3a), transcribed as
/// printed. They are the paper's numbers to compare against, never inputs to any computation.
/// </summary>
public static class PaperTables
{
    /// <summary>Table 1a, Tandem game, 1,000 samples from [-1, 1]^2.</summary>
    public static PaperTable Tandem { get; } = new("1a", "tandem", 1000,
        new[] { 1.0, 0.5, 0.3, 0.1, 0.01 },
        new Dictionary<string, double[]>
        {
            ["LOLA"] = new[] { 128.0, 12.81, 2.61, 0.08, 1e-5 },
            ["HOLA3"] = new[] { 512.0, 14.05, 2.05, 9e-3, 2e-8 },
            ["HOLA6"] = new[] { 131072.0, 12.35, 0.66, 2e-6, 4e-14 },
        });

    /// <summary>Table 2a, Matching Pennies, 1,000 samples from [-7, 7]^2.</summary>
    public static PaperTable MatchingPennies { get; } = new("2a", "mp", 1000,
        new[] { 10.0, 5.0, 1.0, 0.5, 0.01 },
        new Dictionary<string, double[]>
        {
            ["LOLA"] = new[] { 0.06, 5e-3, 9e-6, 5e-7, 1e-13 },
            ["HOLA2"] = new[] { 0.70, 0.03, 3e-8, 3e-10, 6e-17 },
            ["HOLA4"] = new[] { 6.56, 0.15, 4e-9, 5e-12, 5e-17 },
        });

    /// <summary>Table 3a, infinite IPD, 250 samples from [-7, 7]^10.</summary>
    public static PaperTable Ipd { get; } = new("3a", "ipd", 250,
        new[] { 1.0, 0.03 },
        new Dictionary<string, double[]>
        {
            ["LOLA"] = new[] { 39.56, 2e-3 },
            ["HOLA2"] = new[] { 21.16, 5e-6 },
            ["HOLA4"] = new[] { 381.21, 9e-8 },
        });

    /// <summary>All three tables.</summary>
    public static IReadOnlyList<PaperTable> All { get; } = new[] { Tandem, MatchingPennies, Ipd };
}
