using Hybrid.Charts;
using Hybrid.Cli.Output;
using Hybrid.Cli.Parsing;
using Hybrid.Scaling.Training;
using System.Text.Json;
using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Hybrid.Games.Reproduction;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid reproduce &lt;game|all&gt;</c>: a game's chapter-3 reproduction (deterministic table, COLA runs, learning
/// outcomes, claims), written to OUT/&lt;game&gt;/report.md, results.json and HTML charts; <c>hybrid reproduce tables</c>:
/// the deterministic columns of tables 1a, 2a and 3a.
/// </summary>
public static class ReproduceCommand
{
    /// <summary>Accepted options after the target.</summary>
    public static readonly string[] Options = new[] { "out", "seeds", "fast!", "cola-runs", "cola-steps", "checkpoint", "resume!" }.Concat(ColaOptions.Names).ToArray();

    /// <summary>The games <c>reproduce</c> knows, in the order <c>all</c> runs them.</summary>
    public static IReadOnlyList<string> Games { get; } = Studies.All.Keys.ToList();

    static string Available => $"available: {string.Join(", ", Games)}, all, tables";

    /// <summary>Runs the command.</summary>
    public static int Run(string[] rest, TextWriter stdout, TextWriter stderr)
    {
        if (rest.Length == 0 || rest[0].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"reproduce needs a target ({Available})");
        var target = rest[0];
        var args = Arguments.Parse(rest[1..], Options);
        if (target == "tables") return Tables(args, stdout);
        var targets = target == "all" ? Games : Games.Contains(target) ? new[] { target } : throw new UsageException($"unknown reproduction target '{target}' ({Available})");
        if (args.Flag("resume") && args.Get("checkpoint") == null) throw new UsageException("--resume needs --checkpoint FILE");
        var fast = args.Flag("fast");
        var runs = args.Int("cola-runs", fast ? 3 : 10, 1, 10_000);
        int? colaSteps = args.Get("cola-steps") != null ? args.Int("cola-steps", 0, 1, 100_000_000) : null;
        var seeds = args.Int("seeds", fast ? 2 : 5, 1, 1000);
        var summary = new List<string>();
        foreach (var game in targets)
        {
            var outDir = Path.Combine(args.Get("out") ?? "results", game);
            Directory.CreateDirectory(outDir);
            // One checkpoint file per game when several run: each game's COLA training is its own computation.
            var checkpoint = args.OutputFile("checkpoint") is { } file ? new ColaCheckpoint(targets.Count > 1 ? $"{file}.{game}" : file) : null;
            var progress = new ProgressReporter(stderr, $"COLA {game}");
            var (report, json, charts) = Study(Studies.All[game], new StudyOptions(fast, runs, colaSteps, seeds, progress, checkpoint, args.Flag("resume")) { Adjust = s => ColaOptions.Apply(args, s) });
            stdout.WriteLine(report);
            AtomicFile.Write(Path.Combine(outDir, "report.md"), report);
            AtomicFile.Write(Path.Combine(outDir, "results.json"), json);
            var written = charts.Select(c => Path.GetFileName(ChartHtml.Write(c, outDir))).ToList();
            stdout.WriteLine($"wrote {Path.Combine(outDir, "report.md")}, results.json, {string.Join(", ", written)}");
            summary.Add($"{game}: {Path.Combine(outDir, "report.md")}");
        }
        if (targets.Count > 1) stdout.WriteLine("reports:\n  " + string.Join("\n  ", summary));
        return 0;
    }

    static (string Report, string Json, IReadOnlyList<ChartSpec> Charts) Study(StudySpec spec, StudyOptions options)
    {
        var r = StudyRunner.Run(spec, options);
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["game"] = spec.Game, ["sources"] = spec.Sources, ["fast"] = r.Fast, ["samples"] = spec.Samples, ["table_alphas"] = spec.TableAlphas,
            ["cola_settings"] = r.Settings, ["cola_runs"] = r.Runs, ["learning"] = r.Learning, ["measure"] = spec.Measure.Name,
            ["rows"] = r.Rows.Select(x => new Dictionary<string, object> { ["alpha"] = x.Alpha, ["rules"] = x.Losses, ["cola"] = x.Cola! }).ToArray(),
            ["paper_cells"] = r.Comparison?.Cells,
            ["paper_cola"] = spec.PaperCola?.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => new { cola = p.Value.Cola, cosine = p.Value.Cosine }),
            ["outcomes"] = r.Outcomes.Select(Outcome).ToArray(),
            ["findings"] = spec.Findings?.Invoke(r),
            ["claims"] = r.Claims.Select(c => new { source = c.Source, statement = c.Statement, holds = c.Holds, detail = c.Detail }).ToArray(),
            ["seconds"] = new { table = r.TableSeconds, outcomes = r.OutcomeSeconds },
        }, Json.Indented);
        return (StudyReport.Markdown(r), json, StudyCharts.For(r));
    }

    static Dictionary<string, object> Outcome(OutcomeRow o) => new()
    {
        ["rule"] = o.Rule, ["alpha"] = o.Alpha, ["outcome"] = o.Outcomes.Select(x => x.ToString()).ToArray(),
        ["final_losses"] = o.FinalLosses, ["final_parameters"] = o.FinalParameters, ["final_measure"] = o.FinalMeasure,
        ["measure_variance"] = o.MeasureVariance, ["curve"] = o.Curve,
    };

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
}
