using System.Text;
using System.Text.Json;
using Hybrid.Games.Reproduction;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid reproduce tandem</c>: the deterministic columns of table 1a, paper vs ours, written to
/// OUT/tandem/report.md and results.json.
/// </summary>
public static class ReproduceCommand
{
    /// <summary>Accepted options after the target.</summary>
    public static readonly string[] Options = { "out", "seeds" };

    /// <summary>Runs the command.</summary>
    public static int Run(string[] rest, TextWriter stdout)
    {
        if (rest.Length == 0 || rest[0].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException("reproduce needs a target (available: tandem, tables)");
        var target = rest[0];
        var args = Arguments.Parse(rest[1..], Options);
        if (target == "tables") return Tables(args, stdout);
        var table = target switch
        {
            "tandem" => PaperTables.Tandem,
            _ => throw new UsageException($"unknown reproduction target '{target}' (available: tandem, tables)"),
        };
        var outDir = Path.Combine(args.Get("out") ?? "results", target);
        var comparison = TableComparison.Compute(table, args.Int("seeds", 5, 1, 1000));
        var report = TandemReport.Markdown(comparison);
        stdout.WriteLine(report);
        Directory.CreateDirectory(outDir);
        WriteAtomically(Path.Combine(outDir, "report.md"), report);
        WriteAtomically(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["table"] = table.Id, ["game"] = table.Game, ["samples"] = table.Samples, ["seeds"] = comparison.Seeds,
            ["rows"] = comparison.Rows.Select(r => new Dictionary<string, object> { ["alpha"] = r.Alpha, ["rules"] = r.Losses }).ToArray(),
            ["paper"] = table.Columns,
            ["cells"] = comparison.Cells,
        }, Json.Indented));
        stdout.WriteLine($"wrote {Path.Combine(outDir, "report.md")} and results.json");
        return 0;
    }

    /// <summary>The deterministic LOLA/HOLA columns of tables 1a, 2a and 3a as Markdown (docs/reproduction/cola-tables.md).</summary>
    static int Tables(Arguments args, TextWriter stdout)
    {
        var seeds = args.Int("seeds", 5, 1, 1000);
        foreach (var table in PaperTables.All)
        {
            var c = TableComparison.Compute(table, seeds);
            stdout.WriteLine($"### Table {table.Id}: {table.Game}, {table.Samples} samples per alpha, {seeds} sampling seeds ({c.Seconds:F1} s)");
            stdout.WriteLine();
            stdout.WriteLine(c.Markdown());
        }
        return 0;
    }

    static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
