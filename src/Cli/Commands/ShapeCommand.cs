using Hybrid.Charts;
using System.Diagnostics;
using System.Globalization;
using Hybrid.Cli.Output;
using Hybrid.Cli.Parsing;
using Hybrid.Scaling.Training;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Grid;
using Hybrid.Shaping.Training;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid shape train|eval|crossplay|bench|competency</c>: model-free opponent shaping in the finite matrix games and
/// the gridworlds (thesis chapter 4). Parsing and output only; the work is Hybrid.Shaping's.
/// </summary>
public static class ShapeCommand
{
    /// <summary>Options of <c>shape train</c> (stop-after simulates a killed run in tests).</summary>
    public static readonly string[] TrainOptions = { "method", "env", "config", "set*", "out", "resume!", "json!", "stop-after" };
    /// <summary>Options of <c>shape eval</c>.</summary>
    public static readonly string[] EvalOptions = { "run", "coplayers", "coplayer", "outer", "agent", "seed", "out", "json!" };
    /// <summary>Options of <c>shape crossplay</c>.</summary>
    public static readonly string[] CrossPlayOptions = { "runs", "pairs", "outer", "agent", "seed", "json!" };
    /// <summary>Options of <c>shape competency</c>.</summary>
    public static readonly string[] CompetencyOptions = { "opponent", "learners", "outer", "egocentric", "seed", "set*", "out", "json!" };
    /// <summary>Options of <c>shape bench</c>.</summary>
    public static readonly string[] BenchOptions = { "method", "env", "pop", "opps", "envs", "outer", "inner", "generations", "threads", "seed", "set*", "json!" };

    /// <summary>Runs a subcommand.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0) throw new UsageException("shape needs a subcommand: train, eval, crossplay, bench or competency");
        var rest = args[1..];
        return args[0] switch
        {
            "train" => Train(Arguments.Parse(rest, TrainOptions), stdout, stderr),
            "eval" => Eval(Arguments.Parse(rest, EvalOptions), stdout),
            "crossplay" => CrossPlay(Arguments.Parse(rest, CrossPlayOptions), stdout),
            "bench" => Bench(Arguments.Parse(rest, BenchOptions), stdout, stderr),
            "competency" => Competency(Arguments.Parse(rest, CompetencyOptions), stdout),
            _ => throw new UsageException($"unknown shape subcommand '{args[0]}' (train, eval, crossplay, bench, competency)"),
        };
    }

    static ShapeMethod Method(string text) => text switch
    {
        "shaper" => ShapeMethod.Shaper,
        "mfos" => ShapeMethod.Mfos,
        "gs" => ShapeMethod.Gs,
        "ctnl" => ShapeMethod.Ctnl,
        "ptnl" => ShapeMethod.Ptnl,
        "mfos_rl" => ShapeMethod.MfosRl,
        _ => throw new UsageException($"--method: unknown method '{text}' (available: shaper, mfos, gs, ctnl, ptnl, mfos_rl)"),
    };

    static string Env(string text) => text switch
    {
        "ipd" or "imp" or "coin_game" or "storm_2p" => text,
        _ => throw new UsageException($"--env: unknown game '{text}' (available: ipd, imp, coin_game, storm_2p)"),
    };

    static int Train(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var method = Method(args.Get("method") ?? "shaper");
        var env = Env(args.Get("env") ?? "ipd");
        var config = ConfigBinder.Bind(ShapeConfig.For(method, env), args.Get("config"), args.All("set"));
        if (config.Method != method || config.Env != env) throw new UsageException("method and env are chosen with --method and --env, not in the configuration");
        config.Validate();
        var outDir = args.Get("out") ?? Path.Combine("results", "shape", $"{args.Get("method") ?? "shaper"}-{env}");
        if (method is ShapeMethod.Ctnl or ShapeMethod.Ptnl) return NaiveLearners(config, outDir, args.Flag("json"), stdout);
        var stopAfter = args.Get("stop-after") is null ? (int?)null : args.Int("stop-after", 1, 1);
        using var run = new ShapeRun(outDir, config, args.Flag("resume"));
        var bar = new ProgressBar(stderr);
        var clock = Stopwatch.StartNew();
        var start = run.Trainer.Generation;
        var total = Math.Max(1, config.Generations);
        var summary = run.Run(m =>
        {
            var rate = (m.Generation - start) / clock.Elapsed.TotalSeconds;
            var text = string.Create(CultureInfo.InvariantCulture,
                $"{config.Method.Name()} {env} generation {m.Generation}/{config.Generations} fitness {m.FitnessMean:0.###} co-player {m.CoPlayerReward:0.###} {rate:0.##} gen/s");
            bar.Report((double)m.Generation / total, text, clock.Elapsed, (double)start / total);
        }, stopAfter);
        if (summary is null)
        {
            stdout.WriteLine($"stopped after generation {run.Trainer.Generation} of {config.Generations}; continue with --resume");
            return 0;
        }
        var name = $"{summary.Method} on {env}";
        ChartHtml.Write(ShapeCharts.Training(run.MetricsPath, $"{name}: training ({config.PopSize} x {config.Coplayers} co-players x {config.Envs} envs, {config.Outer} x {config.Inner} steps)"), outDir);
        var extra = new Dictionary<string, object> { ["generations"] = summary.Generations, ["steps_per_second"] = summary.StepsPerSecond, ["out"] = outDir };
        if (summary.GridEvaluation is { } g)
        {
            ChartHtml.Write(ShapeCharts.GridEvaluation(g, $"{name} against {g.CoPlayers} fresh {config.Coplayer} co-players (one trial)"), outDir);
            if (args.Flag("json")) { stdout.WriteLine(Json.Line(GridEvalJson(g, extra))); return 0; }
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {summary.Generations} generations, last fitness {summary.FinalFitness:0.###} per step, {summary.StepsPerSecond:0} steps/s"));
            WriteGridEvaluation(stdout, g);
            stdout.WriteLine($"run directory: {outDir} (config.json, metrics.csv, checkpoint.bin, agent.bin, eval.json, summary.json, training.html, eval.html)");
            return 0;
        }
        var e = summary.Evaluation!;
        ChartHtml.Write(ShapeCharts.Evaluation(e, $"{name} against {e.CoPlayers} fresh {config.Coplayer} co-players (one trial)"), outDir);
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(EvalJson(e, extra)));
            return 0;
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {summary.Generations} generations, last fitness {summary.FinalFitness:0.###} per step, {summary.StepsPerSecond:0} steps/s"));
        WriteEvaluation(stdout, e);
        stdout.WriteLine($"run directory: {outDir} (config.json, metrics.csv, checkpoint.bin, agent.bin, eval.json, summary.json, training.html, eval.html)");
        return 0;
    }

    static int NaiveLearners(ShapeConfig config, string outDir, bool json, TextWriter stdout)
    {
        if (config.IsGrid)
        {
            var g = GridEvaluation.CoTrained(config, config.EvalCoplayers, ShapeRun.EvaluationSeed(config), config.EvaluationEpisodes);
            Directory.CreateDirectory(outDir);
            AtomicFile.Write(Path.Combine(outDir, "config.json"), ConfigBinder.ToJson(config));
            AtomicFile.Write(Path.Combine(outDir, "eval.json"), System.Text.Json.JsonSerializer.Serialize(g, ConfigBinder.Json));
            ChartHtml.Write(ShapeCharts.GridEvaluation(g, $"CT-NL on {config.Env}: {g.CoPlayers} pairs of PPO-GRU naive learners co-trained over one trial"), outDir);
            if (json) { stdout.WriteLine(Json.Line(GridEvalJson(g, new() { ["out"] = outDir }))); return 0; }
            WriteGridEvaluation(stdout, g);
            stdout.WriteLine($"run directory: {outDir} (config.json, eval.json, eval.html)");
            return 0;
        }
        var e = config.Method == ShapeMethod.Ctnl
            ? ShapeEvaluation.CoTrained(config, config.EvalCoplayers, ShapeRun.EvaluationSeed(config), config.EvaluationEpisodes)
            : ShapeEvaluation.PreTrained(config, config.EvalCoplayers, ShapeRun.EvaluationSeed(config), config.EvaluationEpisodes);
        Directory.CreateDirectory(outDir);
        AtomicFile.Write(Path.Combine(outDir, "config.json"), ConfigBinder.ToJson(config));
        AtomicFile.Write(Path.Combine(outDir, "eval.json"), System.Text.Json.JsonSerializer.Serialize(e, ConfigBinder.Json));
        ChartHtml.Write(ShapeCharts.Evaluation(e, config.Method == ShapeMethod.Ctnl
            ? $"CT-NL on {config.Env}: {e.CoPlayers} pairs of tabular-PPO naive learners co-trained over one trial"
            : $"PT-NL on {config.Env}: {e.CoPlayers} frozen CT-NL policies against fresh naive learners (one trial)"), outDir);
        if (json) { stdout.WriteLine(Json.Line(EvalJson(e, new() { ["out"] = outDir }))); return 0; }
        WriteEvaluation(stdout, e);
        stdout.WriteLine($"run directory: {outDir} (config.json, eval.json, eval.html)");
        return 0;
    }

    static int Eval(Arguments args, TextWriter stdout)
    {
        var dir = args.Required("run");
        var config = ShapeRun.ReadConfig(dir);
        if (config.Method is ShapeMethod.Ctnl or ShapeMethod.Ptnl) throw new UsageException($"{dir} is a {config.Method.ToString().ToUpperInvariant()} run of naive learners: it has no trained agent (its eval.json is the result)");
        var coPlayer = args.Get("coplayer") ?? config.Coplayer;
        try
        {
            if (config.IsGrid) GridCoPlayerKinds.Validate(coPlayer, config);
            else CoPlayerKinds.Validate(coPlayer);
        }
        catch (ArgumentException error) { throw new UsageException($"--coplayer: {error.Message}"); }
        var coPlayers = args.Int("coplayers", 20, 1, 100_000);
        var outer = args.Int("outer", config.EvaluationEpisodes, 1, 100_000);
        var parameters = Agent(args, dir, config);
        var seed = args.Get("seed") is null ? ShapeRun.EvaluationSeed(config) : (ulong)args.Int("seed", 0, 0);
        var outDir = args.Get("out") ?? dir;
        Directory.CreateDirectory(outDir);
        var file = $"eval-{coPlayer.Replace(':', '-')}";
        if (config.IsGrid)
        {
            var g = GridEvaluation.Evaluate(config, parameters, coPlayer, coPlayers, seed, outer);
            AtomicFile.Write(Path.Combine(outDir, file + ".json"), System.Text.Json.JsonSerializer.Serialize(g, ConfigBinder.Json));
            var gridChart = ChartHtml.Write(ShapeCharts.GridEvaluation(g, $"{g.Method} on {g.Env} against {coPlayers} fresh {coPlayer} co-players (one trial of {outer} x {config.Inner} steps)", file + ".html"), outDir);
            if (args.Flag("json")) { stdout.WriteLine(Json.Line(GridEvalJson(g, new()))); return 0; }
            WriteGridEvaluation(stdout, g);
            stdout.WriteLine($"charts: {gridChart}");
            return 0;
        }
        var e = ShapeEvaluation.Evaluate(config, parameters, coPlayer, coPlayers, seed, outer);
        AtomicFile.Write(Path.Combine(outDir, file + ".json"), System.Text.Json.JsonSerializer.Serialize(e, ConfigBinder.Json));
        var chart = ChartHtml.Write(ShapeCharts.Evaluation(e, $"{e.Method} on {e.Env} against {coPlayers} fresh {coPlayer} co-players (one trial of {outer} x {config.Inner} steps)", file + ".html"), outDir);
        if (args.Flag("json")) { stdout.WriteLine(Json.Line(EvalJson(e, new()))); return 0; }
        WriteEvaluation(stdout, e);
        stdout.WriteLine($"charts: {chart}");
        return 0;
    }

    static float[] Agent(Arguments args, string dir, ShapeConfig config)
    {
        var (best, mean) = ShapeAgentFile.Read(ShapeRun.AgentPath(dir), config);
        return (args.Get("agent") ?? "best") switch
        {
            "best" => best,
            "mean" => mean,
            var other => throw new UsageException($"--agent: '{other}' is not best or mean"),
        };
    }

    static int CrossPlay(Arguments args, TextWriter stdout)
    {
        var dirs = args.Required("runs").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (dirs.Length == 0) throw new UsageException("--runs needs at least one run directory");
        var configs = dirs.Select(ShapeRun.ReadConfig).ToArray();
        foreach (var (c, d) in configs.Zip(dirs))
            if (c.Method is ShapeMethod.Ctnl or ShapeMethod.Ptnl) throw new UsageException($"{d} is a run of naive learners: it has no trained agent to cross-play");
        var agents = dirs.Select((d, i) => Agent(args, d, configs[i])).ToArray();
        var pairs = args.Int("pairs", 20, 1, 100_000);
        var outer = args.Int("outer", configs[0].Outer, 1, 100_000);
        var inner = configs[0].Inner;
        var seed = (ulong)args.Int("seed", 0, 0);
        var names = dirs.Select((d, i) => $"{configs[i].Method.Name()}:{Path.GetFileName(Path.TrimEndingDirectorySeparator(d))}").ToArray();
        var perStep = new double[dirs.Length][];
        for (var i = 0; i < dirs.Length; i++)
        {
            perStep[i] = new double[dirs.Length];
            for (var j = 0; j < dirs.Length; j++)
                perStep[i][j] = configs[0].IsGrid
                    ? GridEvaluation.CrossPlay(configs[i], agents[i], configs[j], agents[j], pairs, configs[0].Envs, outer, inner, seed).Row / inner
                    : ShapeEvaluation.CrossPlay(configs[i], agents[i], configs[j], agents[j], pairs, configs[0].Envs, outer, inner, seed).Row;
        }
        var perEpisode = perStep.Select(r => r.Select(v => v * inner).ToArray()).ToArray();
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object> { ["runs"] = names, ["env"] = configs[0].Env, ["pairs"] = pairs, ["outer"] = outer, ["inner"] = inner, ["row_reward_per_episode"] = perEpisode, ["row_reward_per_step"] = perStep }));
            return 0;
        }
        var inv = CultureInfo.InvariantCulture;
        stdout.WriteLine($"cross-play on {configs[0].Env}: row player's reward per episode ({inner} steps; no updates; {pairs} pairs x {configs[0].Envs} envs, {outer} episodes)");
        stdout.WriteLine("row \\ column," + string.Join(",", names));
        for (var i = 0; i < dirs.Length; i++) stdout.WriteLine(names[i] + "," + string.Join(",", perEpisode[i].Select(v => v.ToString("0.###", inv))));
        return 0;
    }

    static int Competency(Arguments args, TextWriter stdout)
    {
        var opponent = args.Get("opponent") ?? "pretrained";
        var config = ConfigBinder.Bind(ShapeConfig.For(ShapeMethod.Shaper, "coin_game"), null, args.All("set"));
        config.Validate();
        var egocentric = (args.Get("egocentric") ?? "true") switch
        {
            "true" => true,
            "false" => false,
            var other => throw new UsageException($"--egocentric: '{other}' is not true or false"),
        };
        var learners = args.Int("learners", 5, 1, 10_000);
        var outer = args.Int("outer", config.Outer, 1, 100_000);
        var seed = (ulong)args.Int("seed", 0, 0);
        GridEvaluationResult e;
        try { e = GridEvaluation.Competency(config, opponent, learners, seed, egocentric, outer); }
        catch (ArgumentException error) { throw new UsageException(error.Message); }
        var outDir = args.Get("out") ?? Path.Combine("results", "shape", $"competency-{opponent}{(egocentric ? "" : "-global")}");
        Directory.CreateDirectory(outDir);
        AtomicFile.Write(Path.Combine(outDir, "competency.json"), System.Text.Json.JsonSerializer.Serialize(e, ConfigBinder.Json));
        var chart = ChartHtml.Write(ShapeCharts.GridEvaluation(e, $"competency check ({(egocentric ? "egocentric" : "global view")}): {learners} PPO-GRU learners against {opponent} (meta-agent = the opponent, co-players = the learners)", "competency.html"), outDir);
        if (args.Flag("json")) { stdout.WriteLine(Json.Line(GridEvalJson(e, new() { ["egocentric"] = egocentric, ["out"] = outDir }))); return 0; }
        var inv = CultureInfo.InvariantCulture;
        string F(double x) => x.ToString("0.###", inv);
        int meta = Array.IndexOf(e.StatNames, "coins_meta"), learner = Array.IndexOf(e.StatNames, "coins_coplayer");
        stdout.WriteLine($"competency ({(egocentric ? "egocentric" : "global view")}): {learners} PPO-GRU learners x {e.Envs} envs against {opponent}, one trial of {e.Outer} x {e.Inner} steps");
        stdout.WriteLine($"  coins per episode, second half of the trial: learner {F(e.StatsLastHalf[learner])}, opponent {F(e.StatsLastHalf[meta])} (first episode: learner {F(e.StatsByEpisode[0][learner])}, opponent {F(e.StatsByEpisode[0][meta])})");
        stdout.WriteLine($"  reward per episode: learner {F(e.CoPlayerReward)}, opponent {F(e.ShaperReward)}");
        stdout.WriteLine($"charts: {chart}");
        return 0;
    }

    static int Bench(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var method = Method(args.Get("method") ?? "shaper");
        var env = Env(args.Get("env") ?? "ipd");
        var config = ConfigBinder.Bind(ShapeConfig.For(method, env), null, args.All("set"));
        if (config.Method is ShapeMethod.Ctnl or ShapeMethod.Ptnl) throw new UsageException($"--method {config.Method.Name()} has no ES generations to time");
        // Matrix games: the peer's settings (128 4 2 50 50); gridworlds: the game's reduced protocol.
        var grid = config.IsGrid;
        config.PopSize = args.Int("pop", grid ? config.PopSize : 128, 2, 1_000_000);
        config.Coplayers = args.Int("opps", grid ? config.Coplayers : 4, 1, 100_000);
        config.Envs = args.Int("envs", grid ? config.Envs : 2, 1, 100_000);
        config.Outer = args.Int("outer", grid ? config.Outer : 50, 1, 100_000);
        config.Inner = args.Int("inner", grid ? config.Inner : 50, 1, 100_000);
        config.Generations = args.Int("generations", 3, 1, 100_000);
        config.Threads = args.Int("threads", 0, 0, 1024);
        config.Seed = args.Int("seed", 0, 0);
        if (config.PopSize % 2 != 0) throw new UsageException($"--pop {config.PopSize}: must be even (antithetic pairs)");
        config.Validate();
        using var trainer = config.Trainer();
        var seconds = new List<double>();
        for (var g = 0; g < config.Generations; g++)
        {
            var m = trainer.Step();
            seconds.Add(m.Seconds);
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generation {m.Generation}: {m.Seconds:0.###} s, fitness {m.FitnessMean:0.###}, co-player {m.CoPlayerReward:0.###}"));
        }
        // The first generation includes the JIT compilation: with two or more, the rate is that of the later ones.
        var timed = seconds.Count > 1 ? seconds.Skip(1).ToList() : seconds;
        var total = timed.Sum();
        var sps = trainer.StepsPerGeneration * (double)timed.Count / total;
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object> { ["steps_per_second"] = sps, ["seconds_per_generation"] = total / timed.Count, ["first_generation_seconds"] = seconds[0], ["steps_per_generation"] = trainer.StepsPerGeneration, ["threads"] = config.Threads == 0 ? Environment.ProcessorCount : config.Threads, ["method"] = config.Method.Name(), ["env"] = config.Env }));
            return 0;
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{config.Method.Name()}: {sps:0} steps/s ({total / timed.Count:0.###} s per generation of {trainer.StepsPerGeneration} steps{(seconds.Count > 1 ? ", after the first" : "")})"));
        return 0;
    }

    static Dictionary<string, object> EvalJson(EvaluationResult e, Dictionary<string, object> extra)
    {
        var json = new Dictionary<string, object>
        {
            ["method"] = e.Method, ["env"] = e.Env, ["coplayers"] = e.CoPlayers, ["coplayer"] = e.CoPlayer, ["outer"] = e.Outer, ["inner"] = e.Inner,
            ["shaper_reward"] = e.ShaperReward, ["shaper_reward_std"] = e.ShaperRewardStd, ["coplayer_reward"] = e.CoPlayerReward, ["coplayer_reward_std"] = e.CoPlayerRewardStd,
            ["visitation"] = States(e.Visitation), ["visitation_last_half"] = States(e.VisitationLastHalf),
            ["shaper_p_cooperate"] = AllStates(e.ShaperProbCooperate), ["coplayer_p_cooperate"] = AllStates(e.CoPlayerProbCooperate),
        };
        foreach (var (k, v) in extra) json[k] = v;
        return json;
    }

    static Dictionary<string, object> GridEvalJson(GridEvaluationResult e, Dictionary<string, object> extra)
    {
        var json = new Dictionary<string, object>
        {
            ["method"] = e.Method, ["env"] = e.Env, ["coplayers"] = e.CoPlayers, ["coplayer"] = e.CoPlayer, ["outer"] = e.Outer, ["inner"] = e.Inner,
            ["shaper_reward"] = e.ShaperReward, ["shaper_reward_std"] = e.ShaperRewardStd, ["coplayer_reward"] = e.CoPlayerReward, ["coplayer_reward_std"] = e.CoPlayerRewardStd,
            ["reward_unit"] = "per episode", ["shaper_reward_per_step"] = e.ShaperRewardPerStep, ["coplayer_reward_per_step"] = e.CoPlayerRewardPerStep,
            ["stats"] = e.StatNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => double.IsFinite(e.Stats[p.i]) ? e.Stats[p.i] : (double?)null),
            ["stats_last_half"] = e.StatNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => double.IsFinite(e.StatsLastHalf[p.i]) ? e.StatsLastHalf[p.i] : (double?)null),
        };
        foreach (var (k, v) in extra) json[k] = v;
        return json;
    }

    static void WriteGridEvaluation(TextWriter stdout, GridEvaluationResult e)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double x) => x.ToString("0.###", inv);
        stdout.WriteLine($"evaluation: one trial of {e.Outer} x {e.Inner} steps against {e.CoPlayers} fresh {e.CoPlayer} co-players x {e.Envs} envs");
        stdout.WriteLine($"  reward per episode: meta-agent {F(e.ShaperReward)} ± {F(e.ShaperRewardStd)}, co-player {F(e.CoPlayerReward)} ± {F(e.CoPlayerRewardStd)} (mean ± std over co-players; per step {F(e.ShaperRewardPerStep)} / {F(e.CoPlayerRewardPerStep)})");
        stdout.WriteLine($"  {string.Join(", ", e.StatNames.Select((n, i) => $"{n.Replace('_', ' ')} {F(e.Stats[i])}"))}");
        stdout.WriteLine($"  second half: {string.Join(", ", e.StatNames.Select((n, i) => $"{n.Replace('_', ' ')} {F(e.StatsLastHalf[i])}"))}");
    }

    static Dictionary<string, double> States(double[] v) => new() { ["CC"] = v[0], ["CD"] = v[1], ["DC"] = v[2], ["DD"] = v[3] };

    static Dictionary<string, double?> AllStates(double[] v) =>
        EvaluationResult.States.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => double.IsFinite(v[p.i]) ? v[p.i] : (double?)null);

    static void WriteEvaluation(TextWriter stdout, EvaluationResult e)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double x) => x.ToString("0.###", inv);
        stdout.WriteLine($"evaluation: one trial of {e.Outer} x {e.Inner} steps against {e.CoPlayers} fresh {e.CoPlayer} co-players x {e.Envs} envs");
        stdout.WriteLine($"  reward per step: meta-agent {F(e.ShaperReward)} ± {F(e.ShaperRewardStd)}, co-player {F(e.CoPlayerReward)} ± {F(e.CoPlayerRewardStd)} (mean ± std over co-players)");
        stdout.WriteLine($"  visitation (meta-agent's view): {string.Join(", ", Enumerable.Range(0, 4).Select(j => $"{EvaluationResult.States[j]} {F(e.Visitation[j])}"))}; second half: {string.Join(", ", Enumerable.Range(0, 4).Select(j => $"{EvaluationResult.States[j]} {F(e.VisitationLastHalf[j])}"))}");
        stdout.WriteLine($"  P(C | state) meta-agent: {string.Join(", ", Enumerable.Range(0, 5).Select(j => $"{EvaluationResult.States[j]} {F(e.ShaperProbCooperate[j])}"))}");
        stdout.WriteLine($"  P(C | state) co-players: {string.Join(", ", Enumerable.Range(0, 5).Select(j => $"{EvaluationResult.States[j]} {F(e.CoPlayerProbCooperate[j])}"))}");
    }
}
