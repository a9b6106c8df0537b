using System.Diagnostics;
using System.Globalization;
using Hybrid.Cli.Output;
using Hybrid.Cli.Parsing;
using Hybrid.Games;
using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Hybrid.Games.Tables;

namespace Hybrid.Cli.Commands;

/// <summary><c>hybrid consistency</c>: consistency losses of the classical rules per look-ahead rate.</summary>
public static class ConsistencyCommand
{
    /// <summary>Accepted options.</summary>
    public static readonly string[] Options =
        { "game", "alphas", "orders", "samples", "seed", "points", "rules", "json!", "cola", "cola-steps", "cola-seed", "checkpoint", "checkpoint-every", "resume!", "residual" };

    /// <summary>Runs the command.</summary>
    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var game = GameRegistry.Create(args.Required("game"));
        var alphas = args.Doubles("alphas", positive: true);
        var orders = args.Ints("orders", new[] { 1, 2, 3, 4, 5, 6 }, 0, 12);
        var rules = args.Get("rules") switch
        {
            null => ConsistencyTable.FirstOrderRules,
            "none" => Array.Empty<string>(),
            var list => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        };
        var residual = Residual(args.Get("residual"));
        PointSource source = args.Get("points") is { } path
            ? new PointSource.Given(PointsFile.Read(path, game))
            : new PointSource.Sampled(args.Int("samples", 1000, 1, 10_000_000), args.Int("seed", 0, 0));

        ColaTableOptions? cola = null;
        if (args.Get("cola") != null)
        {
            var settings = ColaSettings.For(game);
            if (args.Get("cola-steps") != null) settings = settings with { Steps = args.Int("cola-steps", settings.Steps, 1, 100_000_000) };
            cola = new ColaTableOptions(args.Int("cola", 10, 1, 10_000), settings, args.Int("cola-seed", 0, 0),
                new ProgressReporter(stderr, $"COLA {game.Name}"),
                args.OutputFile("checkpoint") is { } file ? new ColaCheckpoint(file, args.Int("checkpoint-every", 5000, 1, int.MaxValue)) : null,
                args.Flag("resume"));
        }
        else if (args.Get("cola-steps") != null || args.Get("checkpoint") != null || args.Flag("resume") || args.Get("checkpoint-every") != null)
            throw new UsageException("--cola-steps, --checkpoint, --checkpoint-every and --resume need --cola RUNS");
        if (args.Flag("resume") && args.Get("checkpoint") == null) throw new UsageException("--resume needs --checkpoint FILE");

        // Like the PyTorch peer's timer, which starts after `import torch`, ours starts after libtorch has loaded.
        TorchSharp.torch.InitializeDeviceType(TorchSharp.DeviceType.CPU);
        var clock = Stopwatch.StartNew();
        var rows = ConsistencyTable.Compute(game, alphas, orders, source, rules, cola: cola, residual: residual);
        clock.Stop();
        if (args.Flag("json"))
        {
            foreach (var row in rows)
            {
                var json = new Dictionary<string, object>
                {
                    ["game"] = game.Name, ["alpha"] = row.Alpha, ["samples"] = row.Samples, ["residual"] = ResidualName(residual),
                    ["rules"] = row.Losses,
                };
                if (row.Cola is { } c)
                {
                    json["cola"] = new Dictionary<string, object> { ["mean"] = c.Mean, ["std"] = c.Std, ["runs"] = c.PerRun };
                    json["cosine"] = c.Cosine;
                    json["cosine_std"] = c.CosineStd;
                }
                stdout.WriteLine(Json.Line(json));
            }
        }
        else
        {
            var names = rows[0].Losses.Keys.ToList();
            stdout.WriteLine($"consistency loss, {game.Name}, {rows[0].Samples} points per alpha (mean of sum_i ||r_i/alpha||^2, {ResidualName(residual)} residual)");
            stdout.WriteLine("alpha".PadLeft(8) + string.Concat(names.Select(n => n.PadLeft(13))));
            foreach (var row in rows)
                stdout.WriteLine(row.Alpha.ToString("g4", CultureInfo.InvariantCulture).PadLeft(8)
                    + string.Concat(names.Select(n => NumberFormat.Short(row.Losses[n]).PadLeft(13)))
                    + (row.Cola is { } c ? $"   cola {NumberFormat.Short(c.Mean)} ± {NumberFormat.Short(c.Std)}" : ""));
            foreach (var row in rows.Where(r => r.Cola != null))
                stdout.WriteLine($"cosine(COLA, rule) at alpha {row.Alpha.ToString("g4", CultureInfo.InvariantCulture)}: "
                    + string.Join(", ", row.Cola!.Cosine.Select(kv => $"{kv.Key} {kv.Value:F2} ± {row.Cola.CosineStd[kv.Key]:F2}")));
        }
        stderr.WriteLine($"elapsed {clock.Elapsed.TotalSeconds:F2}s");
        return 0;
    }

    /// <summary>--residual exact (the default: the true Jacobian of the updates) or stopgrad (stop-gradient terms as constants).</summary>
    static ResidualMode Residual(string? name) => name switch
    {
        null or "exact" => ResidualMode.Exact,
        "stopgrad" => ResidualMode.StopGradient,
        _ => throw new UsageException($"--residual: unknown convention '{name}' (exact, stopgrad)"),
    };

    static string ResidualName(ResidualMode mode) => mode == ResidualMode.StopGradient ? "stopgrad" : "exact";
}
