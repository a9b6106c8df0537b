using Hybrid.Cli.Output;
using Hybrid.Cli.Parsing;
using Hybrid.Games;
using System.Globalization;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid cola</c>: trains COLA update functions (RUNS per alpha, all in one batch) and saves them in the
/// versioned COLA format, for <c>learn --rule cola</c>, notebooks and library users.
/// </summary>
public static class ColaCommand
{
    /// <summary>Accepted options.</summary>
    public static readonly string[] Options = new[] { "game", "alphas", "runs", "steps", "seed", "out", "checkpoint", "checkpoint-every", "resume!", "json!" }
        .Concat(ColaOptions.Names).ToArray();

    /// <summary>Runs the command.</summary>
    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var game = GameRegistry.Create(args.Required("game"));
        var alphas = args.Doubles("alphas", positive: true);
        var runs = args.Int("runs", 10, 1, 10_000);
        var settings = ColaOptions.Apply(args, ColaSettings.For(game));
        if (settings.Restarts > 1) throw new UsageException("--cola-restarts selects among candidates inside a table (consistency --cola, reproduce); cola saves every run it trains");
        if (args.Get("steps") != null) settings = settings with { Steps = args.Int("steps", settings.Steps, 1, 100_000_000) };
        var output = args.OutputFile("out") ?? throw new UsageException("--out is required");
        var seed = args.Int("seed", 0, 0);
        var runAlphas = alphas.SelectMany(a => Enumerable.Repeat(a, runs)).ToArray();
        var seeds = Enumerable.Range(0, runAlphas.Length).Select(k => (long)seed + k).ToArray();
        ColaCheckpoint? checkpoint = args.OutputFile("checkpoint") is { } file ? new ColaCheckpoint(file, args.Int("checkpoint-every", 5000, 1, int.MaxValue)) : null;
        if (args.Flag("resume") && checkpoint == null) throw new UsageException("--resume needs --checkpoint FILE");

        ColaTrainer trainer;
        if (args.Flag("resume") && File.Exists(checkpoint!.Path))
        {
            trainer = ColaFile.ReadTrainer(checkpoint.Path, expected: ColaFile.Header(game, settings, runAlphas, seeds));
        }
        else trainer = ColaTrainer.Create(game, settings, runAlphas, seeds);
        var last = trainer.Train(progress: new ProgressReporter(stderr, $"COLA {game.Name}"), checkpoint: checkpoint);
        ColaFile.Write(output, trainer, trainingState: false);
        if (args.Flag("json"))
            stdout.WriteLine(Json.Line(new Dictionary<string, object> { ["game"] = game.Name, ["file"] = output, ["alphas"] = runAlphas, ["seeds"] = seeds, ["last_batch_loss"] = last }));
        else
        {
            stdout.WriteLine($"trained {runAlphas.Length} COLA pairs for {game.Name} ({settings.Steps} steps) -> {output}");
            for (var k = 0; k < runAlphas.Length; k++)
                stdout.WriteLine($"  run {k}: alpha {runAlphas[k].ToString(CultureInfo.InvariantCulture)}, seed {seeds[k]}, last batch loss {NumberFormat.Short(last[k])}");
        }
        return 0;
    }
}
