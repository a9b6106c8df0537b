using Hybrid.Charts;
using System.Globalization;
using System.Text.Json;
using Hybrid.Cli.Output;
using Hybrid.Cli.Parsing;
using Hybrid.Games.Reproduction;
using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Training;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid eval --run DIR[,DIR...] [--fraction 0.1] [--episodes N [--policy greedy|sample] [--epsilon E]] [--high H1,H2] [--reps 50000]
/// [--seed 0] [--json]</c>: per-seed scores of finished runs (mean return over the last fraction of each seed's training
/// episodes, or with --episodes the mean return of N fresh episodes played by the checkpoint's policy: greedy by
/// default for the PPO family, epsilon-greedy with the run's epsilon_eval for the DQN family, greedy (--epsilon 0) for
/// IQL, VDN, QMIX and PQN-VDN) and rliable's aggregates over
/// seeds and runs (tasks): mean, median, IQM, optimality gap with stratified bootstrap 95% intervals; with --high the
/// scores are normalised as (score - random) / (high - random) per run; --html writes the learning curves (return per
/// update against environment steps: the mean over seeds with its min-max band, each seed, the random policy's level)
/// as a standalone Plotly page.
/// </summary>
public static class EvalCommand
{
    /// <summary>Accepted options.</summary>
    public static readonly string[] Options = { "run", "fraction", "episodes", "policy", "epsilon", "high", "reps", "seed", "html", "json!" };

    /// <summary>Runs the command.</summary>
    public static int Run(Arguments args, TextWriter stdout)
    {
        var dirs = args.Required("run").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var fraction = args.Double("fraction", 0.1, positive: true);
        if (fraction > 1) throw new UsageException($"--fraction: {fraction} must be at most 1");
        var reps = args.Int("reps", 50_000, 1, 10_000_000);
        var seed = (ulong)args.Int("seed", 0, 0);
        if (args.Get("policy") is not null && args.Get("episodes") is null) throw new UsageException("--policy applies to --episodes (an evaluation of the checkpoint)");
        var policy = (args.Get("policy") ?? "greedy") switch
        {
            "greedy" => EvaluationPolicy.Greedy,
            "sample" => EvaluationPolicy.Sample,
            var p => throw new UsageException($"--policy: '{p}' is neither greedy nor sample"),
        };
        var episodes = args.Get("episodes") is null ? (int?)null : args.Int("episodes", 100, 1, 100_000);
        if (args.Get("epsilon") is not null && episodes is null) throw new UsageException("--epsilon applies to --episodes (an evaluation of a value-based checkpoint)");
        double? epsilon = args.Get("epsilon") is null ? null : args.Double("epsilon", 0.001);
        if (epsilon is < 0 or > 1) throw new UsageException($"--epsilon: {epsilon} must lie in [0, 1]");
        var runs = dirs.Select(d => RunScores.Read(d, fraction)).ToList();
        string? evaluation = null;
        if (episodes is int count)
        {
            evaluation = $"{policy.ToString().ToLowerInvariant()} policy, {count} fresh episodes per seed";
            runs = runs.Select(r =>
            {
                if (DqnConfig.Algorithms.Contains(r.Algo))
                {
                    if (args.Get("policy") is not null) throw new UsageException($"--policy applies to PPO-family runs; {r.Dir} is a {r.Algo} run (its evaluation is epsilon-greedy: --epsilon, default its epsilon_eval)");
                    using var dqn = DqnRun.Open(r.Dir);
                    evaluation = $"epsilon-greedy (epsilon {(epsilon ?? dqn.Config.EpsilonEval).ToString(CultureInfo.InvariantCulture)}, noisy layers at their mean), {count} fresh episodes per seed";
                    return r with { Scores = PolicyEvaluation.Run(dqn, count, epsilon, (long)seed).MeanReturns };
                }
                if (MarlQConfig.Algorithms.Contains(r.Algo) || r.Algo == "pqn_vdn")
                {
                    if (args.Get("policy") is not null) throw new UsageException($"--policy applies to PPO-family runs; {r.Dir} is a {r.Algo} run (its evaluation is epsilon-greedy: --epsilon, default 0, JaxMARL's greedy test policy)");
                    var eps = epsilon ?? 0;
                    evaluation = $"epsilon-greedy (epsilon {eps.ToString(CultureInfo.InvariantCulture)}), {count} fresh episodes per seed";
                    if (r.Algo == "pqn_vdn")
                    {
                        using var pqn = PqnTrainer.Open(r.Dir);
                        return r with { Scores = PolicyEvaluation.Run(pqn, count, eps, (long)seed).MeanReturns };
                    }
                    using var marl = MarlQRun.Open(r.Dir);
                    return r with { Scores = PolicyEvaluation.Run(marl, count, eps, (long)seed).MeanReturns };
                }
                if (epsilon is not null) throw new UsageException($"--epsilon applies to DQN-family runs; {r.Dir} is a {r.Algo} run");
                using var trainer = PpoRun.Open(r.Dir);
                return r with { Scores = PolicyEvaluation.Run(trainer, count, policy, (long)seed).MeanReturns };
            }).ToList();
        }
        var seedCount = runs[0].Scores.Length;
        if (runs.Any(r => r.Scores.Length != seedCount))
            throw new UsageException($"every run needs the same number of seeds for the score matrix (got {string.Join(", ", runs.Select(r => r.Scores.Length))})");
        var scores = new double[seedCount, runs.Count];
        for (var m = 0; m < runs.Count; m++)
            for (var n = 0; n < seedCount; n++) scores[n, m] = runs[m].Scores[n];
        if (scores.Cast<double>().Any(double.IsNaN))
            throw new UsageException("a seed finished no episode: its score is undefined (train longer)");
        var normalised = false;
        if (args.Get("high") is not null)
        {
            var high = args.Doubles("high");
            if (high.Count != runs.Count) throw new UsageException($"--high needs one score per run ({runs.Count})");
            scores = ScoreStatistics.Normalise(scores, runs.Select(r => r.RandomReturn).ToArray(), high);
            normalised = true;
        }
        var statistics = new (string Name, Func<double[,], double> F)[]
        {
            ("mean", ScoreStatistics.Mean), ("median", ScoreStatistics.Median), ("iqm", ScoreStatistics.InterquartileMean),
            ("optimality_gap", s => ScoreStatistics.OptimalityGap(s)),
        };
        var estimates = statistics.Where(s => normalised || s.Name != "optimality_gap")
            .Select(s => (s.Name, Estimate: ScoreStatistics.Bootstrap(scores, s.F, reps, 0.95, seed))).ToList();
        var inv = CultureInfo.InvariantCulture;
        if (args.Get("html") is { } html)
        {
            var full = Path.GetFullPath(html);
            ChartHtml.Write(new ChartSpec(Path.GetFileName(full), "Learning curves: episode return per update (line: mean over seeds; band: min-max over seeds)", runs.Select(r => r.Curves()).ToList(), Columns: Math.Min(2, runs.Count)),
                Path.GetDirectoryName(full)!);
        }
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object>
            {
                ["runs"] = runs.Select(r => new Dictionary<string, object> { ["dir"] = r.Dir, ["algo"] = r.Algo, ["env"] = r.Env, ["scores"] = r.Scores, ["random_return"] = r.RandomReturn }).ToArray(),
                ["normalised"] = normalised,
                ["scores_from"] = evaluation ?? $"training episodes, last {fraction.ToString(CultureInfo.InvariantCulture)} of each seed's",
                ["statistics"] = estimates.ToDictionary(e => e.Name, e => (object)new Dictionary<string, double> { ["value"] = e.Estimate.Value, ["lower"] = e.Estimate.Lower, ["upper"] = e.Estimate.Upper }),
            }));
            return 0;
        }
        foreach (var r in runs)
            stdout.WriteLine($"{r.Dir}: {r.Algo} on {r.Env}, {r.Scores.Length} seeds, score per seed{(evaluation is null ? "" : $" ({evaluation})")} {string.Join(" ", r.Scores.Select(x => x.ToString("0.###", inv)))} (random {r.RandomReturn.ToString("0.###", inv)})");
        stdout.WriteLine($"{(normalised ? "normalised " : "")}scores over {seedCount} seeds x {runs.Count} runs, stratified bootstrap 95% intervals ({reps} replicates):");
        foreach (var (name, e) in estimates)
            stdout.WriteLine($"  {name,-15}{e.Value.ToString("0.####", inv),12}  [{e.Lower.ToString("0.####", inv)}, {e.Upper.ToString("0.####", inv)}]");
        return 0;
    }

    /// <summary>One run directory's per-seed scores.</summary>
    sealed record RunScores(string Dir, string Algo, string Env, double[] Scores, double RandomReturn)
    {
        /// <summary>
        /// Return per update (mean over the episodes that ended in it) against environment steps, smoothed by a running
        /// mean over 2% of the updates: the mean over seeds with the min-max band, each seed as a faint line (the same
        /// colour in every panel), and the random policy's level as a grey dashed line.
        /// </summary>
        public ChartPanel Curves()
        {
            var rows = RunFiles.Csv(Path.Combine(Dir, "metrics.csv"), new[] { "env_steps", "seed", "return" },
                c => (Steps: RunFiles.Number(c[0]), Seed: c[1], Return: RunFiles.Number(c[2]))).ToList();
            var seeds = new List<Series>();
            foreach (var seed in rows.GroupBy(r => r.Seed))
            {
                var points = seed.Where(r => double.IsFinite(r.Return)).ToList();
                var window = Math.Max(1, points.Count / 50);
                var smooth = points.Select((_, i) => points.Skip(Math.Max(0, i - window + 1)).Take(Math.Min(window, i + 1)).Average(r => r.Return)).ToArray();
                seeds.Add(new Series($"seed {seed.Key}", points.Select(r => r.Steps).ToArray(), smooth, Style: LineStyle.Faint));
            }
            var series = new List<Series>();
            if (seeds.Count > 1)
            {
                // Seeds finish episodes in different updates: align them on the union of steps, NaN where a seed has none.
                var steps = seeds.SelectMany(s => s.X).Distinct().Order().ToArray();
                var spread = Spread.MinMax(seeds.Select(s =>
                {
                    var at = s.X.Zip(s.Y).ToDictionary(p => p.First, p => p.Second);
                    return steps.Select(x => at.TryGetValue(x, out var y) ? y : double.NaN).ToArray();
                }).ToList());
                series.Add(new Series("mean over seeds", steps, spread.Mean, Lower: spread.Lower, Upper: spread.Upper));
            }
            series.AddRange(seeds);
            if (rows.Count > 0)
                series.Add(new Series("random policy", new[] { rows.Min(r => r.Steps), rows.Max(r => r.Steps) }, new[] { RandomReturn, RandomReturn }, Style: LineStyle.Reference));
            return new ChartPanel($"{Algo} on {Env}", "environment steps (per seed)", "episode return (running mean)", PanelKind.Lines, series);
        }

        public static RunScores Read(string dir, double fraction)
        {
            var configPath = Path.Combine(dir, "config.json");
            var episodesPath = Path.Combine(dir, "episodes.csv");
            var summaryPath = Path.Combine(dir, "summary.json");
            foreach (var p in new[] { configPath, episodesPath, summaryPath })
                if (!File.Exists(p)) throw new FileNotFoundException($"{dir} is not a finished run: {Path.GetFileName(p)} is missing", p);
            var (algo, env, seeds, settings) = TrainingRun.ReadConfigJson(dir);
            var first = settings.TryGetProperty("seed", out var seedValue) && seedValue.TryGetInt64(out var s0) ? s0 : 0;
            var random = RunFiles.Json(summaryPath, root => root.GetProperty("random_return").GetDouble());
            var perSeed = Enumerable.Range(0, Math.Max(0, seeds)).Select(_ => new List<double>()).ToArray();
            foreach (var (seed, value) in RunFiles.Csv(episodesPath, new[] { "seed", "return" }, c => (long.Parse(c[0], CultureInfo.InvariantCulture), RunFiles.Number(c[1]))))
            {
                var s = seed - first;
                if (s < 0 || s >= seeds) throw new InvalidDataException($"{episodesPath}: seed {seed} is not one of the run's seeds ({first}..{first + seeds - 1})");
                perSeed[s].Add(value);
            }
            var scores = perSeed.Select(list => EpisodeStats.MeanOfLast(list, fraction)).ToArray();
            return new RunScores(dir, algo, env, scores, random);
        }
    }
}

/// <summary>Reads a run directory's files; anything malformed names the file (and the line) in one line.</summary>
static class RunFiles
{
    /// <summary>A value read from the root object of a JSON file.</summary>
    public static T Json<T>(string path, Func<JsonElement, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path} is malformed ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>The rows of a CSV file with a header, as the values of the named columns, in order.</summary>
    public static IEnumerable<T> Csv<T>(string path, string[] columns, Func<string[], T> read)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path} is empty (no header)");
        var header = lines[0].Split(',');
        var index = columns.Select(c => Array.IndexOf(header, c)).ToArray();
        var missing = columns.Where((c, k) => index[k] < 0).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{path} has no column {string.Join(", ", missing)} (header: {lines[0]})");
        var rows = new List<T>();
        for (var n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0) continue;
            var cells = lines[n].Split(',');
            try
            {
                if (cells.Length != header.Length) throw new FormatException($"{cells.Length} cells for {header.Length} columns");
                rows.Add(read(index.Select(i => cells[i]).ToArray()));
            }
            catch (Exception e) when (e is FormatException or OverflowException or IndexOutOfRangeException)
            {
                throw new InvalidDataException($"{path} is malformed at line {n + 1} ({e.Message.Split('\n')[0]})");
            }
        }
        return rows;
    }

    /// <summary>A number written with round-trip precision (NaN allowed).</summary>
    public static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
