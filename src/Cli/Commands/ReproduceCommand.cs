using System.Text;
using System.Text.Json;
using Hybrid.Games.Analysis;
using Hybrid.Games.Cola;
using Hybrid.Games.Reproduction;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid reproduce tandem</c>: table 1a (deterministic columns and COLA), table 1b and the learning outcomes,
/// paper vs ours, written to OUT/tandem/report.md and results.json; <c>hybrid reproduce tables</c>: the deterministic
/// columns of tables 1a, 2a and 3a.
/// </summary>
public static class ReproduceCommand
{
    /// <summary>Accepted options after the target.</summary>
    public static readonly string[] Options = { "out", "seeds", "fast!", "cola-runs", "cola-steps", "checkpoint", "resume!" };

    /// <summary>Runs the command.</summary>
    public static int Run(string[] rest, TextWriter stdout, TextWriter stderr)
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
        var fast = args.Flag("fast");
        var comparison = TableComparison.Compute(table, args.Int("seeds", fast ? 2 : 5, 1, 1000));
        var steps = args.Int("cola-steps", fast ? 2000 : ColaSettings.Polynomial.Steps, 1, 100_000_000);
        var settings = fast ? ColaSettings.Polynomial.Shortened(steps) : ColaSettings.Polynomial with { Steps = steps };
        if (args.Flag("resume") && args.Get("checkpoint") == null) throw new UsageException("--resume needs --checkpoint FILE");
        var cola = TandemReproduction.Compute(
            args.Int("cola-runs", fast ? 3 : 10, 1, 10_000), settings,
            new LearningOptions(Steps: fast ? 30 : 100, Seeds: fast ? 3 : 10, InitStd: 0.1),
            new ProgressReporter(stderr, "COLA tandem"),
            args.Get("checkpoint") is { } file ? new ColaCheckpoint(file) : null, args.Flag("resume"));
        var report = TandemReport.Markdown(comparison, cola);
        stdout.WriteLine(report);
        Directory.CreateDirectory(outDir);
        WriteAtomically(Path.Combine(outDir, "report.md"), report);
        WriteAtomically(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["table"] = table.Id, ["game"] = table.Game, ["samples"] = table.Samples, ["seeds"] = comparison.Seeds,
            ["rows"] = comparison.Rows.Select(r => new Dictionary<string, object> { ["alpha"] = r.Alpha, ["rules"] = r.Losses }).ToArray(),
            ["paper"] = table.Columns,
            ["cells"] = comparison.Cells,
            ["cola"] = new Dictionary<string, object>
            {
                ["settings"] = cola.Settings, ["runs"] = cola.Runs,
                ["rows"] = cola.Rows.Select(r => new Dictionary<string, object> { ["alpha"] = r.Alpha, ["cola"] = r.Cola! }).ToArray(),
                ["outcomes"] = cola.Outcomes.Select(o => new Dictionary<string, object>
                {
                    ["rule"] = o.Rule, ["alpha"] = o.Alpha, ["outcome"] = o.Outcomes.Select(x => x.ToString()).ToArray(),
                    ["final_losses"] = o.FinalLosses, ["final_parameters"] = o.FinalParameters,
                }).ToArray(),
            },
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
