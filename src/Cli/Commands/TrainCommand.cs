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
/// <c>hybrid train --algo ppo|ippo|mappo|dqn|rainbow|der|drq_eps|iql|vdn|qmix|pqn_vdn --env E [--config F] [--set k=v ...] [--seeds K] [--steps N]
/// [--out DIR] [--resume] [--json]</c>: trains with the thesis' settings for the environment family (PPO family) or the
/// algorithm's preset (<see cref="DqnConfig.For"/>, <see cref="MarlQConfig.For"/>), overridden by the file and the --set pairs; writes the run directory
/// (see <see cref="TrainingRun"/>).
/// </summary>
public static class TrainCommand
{
    /// <summary>Accepted options.</summary>
    public static readonly string[] Options = { "algo", "env", "config", "set*", "seeds", "steps", "out", "resume!", "json!", "no-tensorboard!" };

    /// <summary>Runs the command.</summary>
    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var algo = args.Required("algo");
        var multiAgentQ = MarlQConfig.Algorithms.Contains(algo);
        var valueBased = DqnConfig.Algorithms.Contains(algo) || multiAgentQ || algo == "pqn_vdn";
        PpoVariant? variant = algo switch
        {
            "ppo" => PpoVariant.Ppo,
            "ippo" => PpoVariant.Ippo,
            "mappo" => PpoVariant.Mappo,
            _ when valueBased => null,
            _ => throw new UsageException($"--algo: unknown algorithm '{algo}' (available: ppo, ippo, mappo, {string.Join(", ", DqnConfig.Algorithms.Concat(MarlQConfig.Algorithms))}, pqn_vdn)"),
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
        var resume = args.Flag("resume");
        var outDir = args.Get("out") ?? Path.Combine("results", "train", $"{algo}-{env}");
        var tensorboard = !args.Flag("no-tensorboard");
        TrainingSummary summary;
        if (variant is { } ppo)
        {
            var config = Resolve(ppo, env, args.Get("config"), overrides);
            using var run = new PpoRun(outDir, ppo, env, config, seeds, resume, writeTensorBoard: tensorboard);
            summary = run.Run(Progress(run.Trainer, "update", stderr));
        }
        else if (algo == "pqn_vdn")
        {
            var config = ConfigBinder.Bind(new PqnConfig(), args.Get("config"), overrides);
            using var run = new TrainingRun(outDir, new PqnTrainer(env, config, seeds), n => EnvRegistry.Create(env, n), resume, tensorboard);
            summary = run.Run(Progress(run.Trainer, "update", stderr));
        }
        else if (multiAgentQ)
        {
            var config = ConfigBinder.Bind(MarlQConfig.For(algo, env), args.Get("config"), overrides);
            using var run = new MarlQRun(outDir, algo, env, config, seeds, resume, writeTensorBoard: tensorboard);
            summary = run.Run(Progress(run.Trainer, "update", stderr));
        }
        else
        {
            var config = ConfigBinder.Bind(DqnConfig.For(algo, env), args.Get("config"), overrides);
            using var run = new DqnRun(outDir, algo, env, config, seeds, resume, writeTensorBoard: tensorboard);
            summary = run.Run(Progress(run.Trainer, "iteration", stderr));
        }
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

    /// <summary>The progress line of a run: iteration, mean return of the last ten iterations, throughput.</summary>
    static Action<UpdateMetrics> Progress(IIterativeTrainer trainer, string unit, TextWriter stderr)
    {
        var bar = new ProgressBar(stderr);
        var clock = Stopwatch.StartNew();
        var start = trainer.Iteration;
        var total = trainer.Iterations;
        var recent = new Queue<double>();
        return m =>
        {
            var mean = m["return"].Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
            if (double.IsFinite(mean)) { recent.Enqueue(mean); if (recent.Count > 10) recent.Dequeue(); }
            var sps = (m.Update - start) * (double)trainer.StepsPerIteration * trainer.Seeds / clock.Elapsed.TotalSeconds;
            var text = string.Create(CultureInfo.InvariantCulture, $"{trainer.Algo} {trainer.Environment.Name} {unit} {m.Update}/{total} return {(recent.Count > 0 ? recent.Average() : double.NaN):0.###} {sps:0} steps/s");
            bar.Report((double)m.Update / total, text, clock.Elapsed, (double)start / total);
        };
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
