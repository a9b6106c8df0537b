using Hybrid.Scaling.Catalog;
using System.Diagnostics;
using System.Globalization;
using Hybrid.Cli.Output;
using Hybrid.Cli.Parsing;
using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Training;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid train --algo ppo|ippo|mappo --env E [--config F] [--set k=v ...] [--seeds K] [--steps N] [--out DIR]
/// [--resume] [--json]</c>: trains with the thesis' settings for the environment family, overridden by the file and
/// the --set pairs; writes the run directory (see <see cref="PpoRun"/>).
/// </summary>
public static class TrainCommand
{
    /// <summary>Accepted options.</summary>
    public static readonly string[] Options = { "algo", "env", "config", "set*", "seeds", "steps", "out", "resume!", "json!", "no-tensorboard!" };

    /// <summary>Runs the command.</summary>
    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var algo = args.Required("algo");
        var variant = algo switch
        {
            "ppo" => PpoVariant.Ppo,
            "ippo" => PpoVariant.Ippo,
            "mappo" => PpoVariant.Mappo,
            _ => throw new UsageException($"--algo: unknown algorithm '{algo}' (available: ppo, ippo, mappo)"),
        };
        var env = args.Required("env");
        EnvRegistry.Describe(env);
        var seeds = args.Int("seeds", 1, 1, 1024);
        var overrides = args.All("set").ToList();
        if (args.Get("steps") is { } steps)
        {
            if (!long.TryParse(steps, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < 1) throw new UsageException($"--steps: '{steps}' is not a positive integer");
            overrides.Add($"total_timesteps={n}");
        }
        var config = Resolve(variant, env, args.Get("config"), overrides);
        var resume = args.Flag("resume");
        var outDir = args.Get("out") ?? Path.Combine("results", "train", $"{algo}-{env}");
        using var run = new PpoRun(outDir, variant, env, config, seeds, resume, writeTensorBoard: !args.Flag("no-tensorboard"));
        var bar = new ProgressBar(stderr);
        var clock = Stopwatch.StartNew();
        var startUpdate = run.Trainer.Update;
        var recent = new Queue<double>();
        var summary = run.Run(m =>
        {
            var mean = m["return"].Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
            if (double.IsFinite(mean)) { recent.Enqueue(mean); if (recent.Count > 10) recent.Dequeue(); }
            var sps = (m.Update - startUpdate) * (double)config.NumSteps * config.NumEnvs * seeds / clock.Elapsed.TotalSeconds;
            var text = string.Create(CultureInfo.InvariantCulture, $"{algo} {env} update {m.Update}/{config.NumUpdates} return {(recent.Count > 0 ? recent.Average() : double.NaN):0.###} {sps:0} steps/s");
            bar.Report((double)m.Update / config.NumUpdates, text, clock.Elapsed, (double)startUpdate / config.NumUpdates);
        });
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object>
            {
                ["algo"] = summary.Algo, ["env"] = summary.Env, ["steps"] = summary.Steps, ["seeds"] = summary.Seeds,
                ["final_return"] = summary.FinalReturn, ["random_return"] = summary.RandomReturn, ["steps_per_second"] = summary.StepsPerSecond,
                ["out"] = outDir,
            }));
            return 0;
        }
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine($"{summary.Algo} on {summary.Env}: {summary.Steps} steps x {summary.Seeds} seeds, {summary.StepsPerSecond.ToString("0", inv)} steps/s");
        stdout.WriteLine($"final return (last 10% of episodes) per seed: {string.Join(" ", summary.FinalReturn.Select(r => r.ToString("0.###", inv)))}; random policy {summary.RandomReturn.ToString("0.###", inv)}");
        stdout.WriteLine($"run directory: {outDir} (config.json, metrics.csv, episodes.csv, tensorboard/, checkpoint.bin, summary.json)");
        return 0;
    }

    /// <summary>
    /// The thesis' settings for the environment, then the file, then the overrides; a run that turns <c>recurrent</c> on
    /// starts from the recurrent settings (wider layers) so only what the user set differs from them.
    /// </summary>
    public static PpoConfig Resolve(PpoVariant variant, string env, string? file, IReadOnlyList<string> overrides)
    {
        var config = ConfigBinder.Bind(PpoConfig.For(variant, env), file, overrides);
        return config.Recurrent ? ConfigBinder.Bind(PpoConfig.For(variant, env, recurrent: true), file, overrides) : config;
    }
}
