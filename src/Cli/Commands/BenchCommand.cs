using Hybrid.Scaling.Catalog;
using System.Diagnostics;
using Hybrid.Cli.Hosting;
using Hybrid.Cli.Parsing;
using Hybrid.Games;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Hybrid.Games.Rules;
using Hybrid.Scaling.Environments;
using static TorchSharp.torch;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <c>hybrid bench hola</c>: the time of each HOLA level, to show how the cost grows with the order;
/// <c>hybrid bench cola</c>: aggregate COLA training steps per second of R runs trained together;
/// <c>hybrid bench qlearn</c>: IQL/VDN/QMIX training and learning-step throughput (the QMIX peer's two figures);
/// <c>hybrid bench dqn</c>: the same two figures for DQN on MinAtar (the DQN peer's).
/// </summary>
public static class BenchCommand
{
    /// <summary>Accepted options after the target.</summary>
    public static readonly string[] Options = { "game", "alpha", "samples", "max-order", "seed", "ipd-value", "json!" };

    /// <summary>Accepted options of <c>bench cola</c>.</summary>
    public static readonly string[] ColaOptions = { "game", "alpha", "steps", "runs", "json!" };

    /// <summary>Accepted options of <c>bench envs</c>.</summary>
    public static readonly string[] EnvOptions = { "env", "num-envs", "steps", "seed", "json!" };

    /// <summary>Accepted options of <c>bench qlearn</c>.</summary>
    public static readonly string[] QlearnOptions = { "algo", "env", "seeds", "updates", "json!" };

    /// <summary>Accepted options of <c>bench dqn</c>.</summary>
    public static readonly string[] DqnOptions = { "env", "seeds", "steps", "torch-only!", "json!" };

    /// <summary>Runs the command.</summary>
    public static int Run(string[] rest, TextWriter stdout)
    {
        if (rest.Length > 0 && rest[0] == "cola") return Cola(Arguments.Parse(rest[1..], ColaOptions), stdout);
        if (rest.Length > 0 && rest[0] == "envs") return Envs(Arguments.Parse(rest[1..], EnvOptions), stdout);
        if (rest.Length > 0 && rest[0] == "qlearn") return Qlearn(Arguments.Parse(rest[1..], QlearnOptions), stdout);
        if (rest.Length > 0 && rest[0] == "dqn") return Dqn(Arguments.Parse(rest[1..], DqnOptions), stdout);
        if (rest.Length == 0 || rest[0] != "hola") throw new UsageException("bench needs a target (available: hola, cola, envs, qlearn, dqn)");
        var args = Arguments.Parse(rest[1..], Options);
        var game = Game(args, "ipd");
        var alpha = args.Double("alpha", 1.0, positive: true);
        var samples = args.Int("samples", 250, 1, 1_000_000);
        var maxOrder = args.Int("max-order", 7, 0, 12);
        InitializeDeviceType(TorchSharp.DeviceType.CPU);
        using var scope = NewDisposeScope();
        var theta = Autodiff.Leaves(game.SampleRegion(samples, new Generator((ulong)args.Int("seed", 0, 0))));
        var rate = LearningRuleExtensions.Rate(alpha);
        Tensor[]? previous = null;
        var seconds = new double[maxOrder + 1];
        for (var k = 0; k <= maxOrder; k++)
        {
            var clock = Stopwatch.StartNew();
            // Level k = HOLA-k for both players, with a graph (as every level but the last of a table needs).
            previous = HolaRule.ExactStep(game, theta, previous, rate);
            seconds[k] = clock.Elapsed.TotalSeconds;
        }
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object> { ["game"] = game.Name, ["alpha"] = alpha, ["samples"] = samples, ["level_seconds"] = seconds }));
            return 0;
        }
        stdout.WriteLine($"HOLA levels on {game.Name}, {samples} points, alpha {alpha}, both players, one thread, with graph");
        stdout.WriteLine("order".PadLeft(6) + "seconds".PadLeft(12) + "ratio to previous".PadLeft(20));
        for (var k = 0; k <= maxOrder; k++)
            stdout.WriteLine(k.ToString().PadLeft(6) + seconds[k].ToString("F4").PadLeft(12) + (k > 0 ? (seconds[k] / seconds[k - 1]).ToString("F2") : "").PadLeft(20));
        return 0;
    }

    /// <summary>
    /// Steps per second of vectorised environments with random actions (JaxMARL's method), one line or JSON object per
    /// point. Several environments are measured one per child process: the JIT's profile-guided optimisation
    /// specialises the shared stepping code for the environment types it has seen, so in one process every
    /// environment after the first ran up to two times slower than alone (MPE simple spread 4.3e6 vs 9.0e6 steps/s at
    /// one environment), while a training run, like the child, steps a single environment type.
    /// </summary>
    static int Envs(Arguments args, TextWriter stdout)
    {
        var names = (args.Get("env") ?? "all") == "all" ? EnvRegistry.Names : args.Required("env").Split(',');
        foreach (var name in names) EnvRegistry.Describe(name);
        var counts = args.Ints("num-envs", new[] { 1, 100, 10_000 }, 1, 10_000_000);
        var steps = args.Int("steps", 1000, 1, 100_000_000);
        var seed = (ulong)args.Int("seed", 0, 0);
        var json = args.Flag("json");
        if (!json) stdout.WriteLine($"{"env",-32}{"num_envs",10}{"steps/s",14}{"episodes",10}   ({steps} steps, random actions, resets included, {Environment.ProcessorCount} cores)");
        foreach (var name in names)
        {
            var points = names.Count > 1 && MeasureInChild(name, counts, steps, seed) is { } measured
                ? measured
                : counts.Select(n => EnvBenchmark.Run(name, n, steps, seed)).ToList();
            foreach (var p in points)
                stdout.WriteLine(json
                    ? Json.Line(new Dictionary<string, object> { ["env"] = p.Env, ["num_envs"] = p.NumEnvs, ["steps_per_second"] = p.StepsPerSecond, ["steps"] = p.Steps, ["repetitions"] = p.Repetitions, ["seconds"] = p.Seconds, ["episodes"] = p.Episodes })
                    : $"{p.Env,-32}{p.NumEnvs,10}{p.StepsPerSecond,14:0.00e+00}{p.Episodes,10}");
        }
        return 0;
    }

    /// <summary>Runs <c>bench envs --env name --json</c> in a child process and reads its points; null when this process is not the hybrid tool.</summary>
    static List<EnvBenchmarkPoint>? MeasureInChild(string name, IReadOnlyList<int> counts, int steps, ulong seed)
    {
        var start = NativeSettings.SelfStart(new[] { "bench", "envs", "--env", name, "--num-envs", string.Join(",", counts), "--steps", steps.ToString(), "--seed", seed.ToString(), "--json" });
        if (start == null) return null;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"bench envs: could not start a process for {name}");
        var stderr = child.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (child.StandardOutput.ReadLine() is { } line) lines.Add(line);
        child.WaitForExit();
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"bench envs: measuring {name} failed (exit {child.ExitCode}): {stderr.Result.Trim()}");
        return lines.Select(line =>
        {
            using var point = System.Text.Json.JsonDocument.Parse(line);
            var r = point.RootElement;
            return new EnvBenchmarkPoint(r.GetProperty("env").GetString()!, r.GetProperty("num_envs").GetInt32(), r.GetProperty("steps").GetInt32(),
                r.GetProperty("repetitions").GetInt32(), r.GetProperty("seconds").GetDouble(), r.GetProperty("episodes").GetInt64());
        }).ToList();
    }

    /// <summary>
    /// The benchmarked game; <c>--ipd-value solve|closed-form</c> (bench hola) picks how the IPD computes its value, so
    /// both methods can be timed on the same work (the game's default is the linear solve; COLA training always
    /// evaluates the IPD in closed form).
    /// </summary>
    static DifferentiableGame Game(Arguments args, string fallback)
    {
        var game = GameRegistry.Create(args.Get("game") ?? fallback);
        if (args.Get("ipd-value") is not { } value) return game;
        if (game is not IteratedPrisonersDilemma ipd) throw new UsageException($"--ipd-value applies to --game ipd, not {game.Name}");
        return value switch
        {
            "solve" => new IteratedPrisonersDilemma(ipd.Gamma, IpdValue.LinearSolve),
            "closed-form" => new IteratedPrisonersDilemma(ipd.Gamma, IpdValue.ClosedForm),
            _ => throw new UsageException($"--ipd-value must be solve or closed-form, got {value}"),
        };
    }

    /// <summary>Same work as shared/peers/cola_train.py GAME ALPHA STEPS RUNS, with the runs batched.</summary>
    static int Cola(Arguments args, TextWriter stdout)
    {
        var game = Game(args, "tandem");
        var alpha = args.Double("alpha", 1.0, positive: true);
        var steps = args.Int("steps", 5000, 1, 100_000_000);
        var runs = args.Int("runs", 10, 1, 100_000);
        var settings = ColaSettings.For(game) with { Steps = steps };
        InitializeDeviceType(TorchSharp.DeviceType.CPU);
        using var scope = NewDisposeScope();
        var trainer = ColaTrainer.Create(game, settings, Enumerable.Repeat(alpha, runs).ToArray(), Enumerable.Range(0, runs).Select(k => (long)k).ToArray());
        var clock = Stopwatch.StartNew();
        trainer.Train();
        var seconds = clock.Elapsed.TotalSeconds;
        var final = trainer.ConsistencyLoss(game.Region.Sample(1000, game.TotalParameters, new Generator(12345))).data<double>().ToArray();
        var rate = runs * steps / seconds;
        if (args.Flag("json"))
            stdout.WriteLine(Json.Line(new Dictionary<string, object> { ["game"] = game.Name, ["alpha"] = alpha, ["runs"] = runs, ["steps"] = steps, ["steps_per_second"] = rate, ["final_consistency"] = final }));
        else
            stdout.WriteLine($"{game.Name} alpha={alpha} runs={runs} steps={steps}: {rate:F0} steps/s, final consistency "
                + string.Join(" ", final.Select(v => v.ToString("0.00e+00", System.Globalization.CultureInfo.InvariantCulture))));
        return 0;
    }

    /// <summary>
    /// Steady-state throughput of IQL, VDN or QMIX with table 8's MPE settings: after 40 untimed updates (the replay can
    /// be sampled, learning from the start), the environment steps per second of U whole updates (rollout, replay, one
    /// gradient step) and the gradient steps per second of U learning steps alone on the filled replay, all seeds together.
    /// </summary>
    static int Qlearn(Arguments args, TextWriter stdout)
    {
        var algo = args.Get("algo") ?? "qmix";
        if (!Hybrid.Scaling.Algorithms.MarlQConfig.Algorithms.Contains(algo)) throw new UsageException($"--algo: '{algo}' is not one of {string.Join(", ", Hybrid.Scaling.Algorithms.MarlQConfig.Algorithms)}");
        var env = args.Get("env") ?? "MPE_simple_spread_v3";
        EnvRegistry.Describe(env);
        var seeds = args.Int("seeds", 1, 1, 64);
        var updates = args.Int("updates", 200, 1, 100_000);
        var config = Hybrid.Scaling.Algorithms.MarlQConfig.For(algo, env) with { LearningStarts = 0, TotalTimesteps = 1L << 40 };
        using var trainer = new Hybrid.Scaling.Algorithms.MarlQTrainer(algo, env, config, seeds);
        for (var k = 0; k < 40; k++) trainer.Step();
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < updates; k++) trainer.Step();
        var full = (double)updates * config.NumSteps * config.NumEnvs * seeds / clock.Elapsed.TotalSeconds;
        clock.Restart();
        for (var k = 0; k < updates; k++)
        {
            using var batch = trainer.Replay.Sample(config.BufferBatchSize);
            trainer.Learner.Update(batch, config.LearningRate);
        }
        var learn = updates / clock.Elapsed.TotalSeconds;
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object> { ["algo"] = algo, ["env"] = env, ["seeds"] = seeds, ["updates"] = updates, ["env_steps_per_second"] = full, ["gradient_steps_per_second"] = learn }));
            return 0;
        }
        stdout.WriteLine($"{algo} on {env}, {seeds} seed{(seeds == 1 ? "" : "s")}, table 8 settings ({config.NumEnvs} envs x {config.NumSteps} steps per update, batch {config.BufferBatchSize} chunks):");
        stdout.WriteLine($"  training: {full:0} environment steps/s (all seeds; rollout, replay and one gradient step per update)");
        stdout.WriteLine($"  learning alone: {learn:0.0} gradient steps/s ({learn * config.NumSteps * config.NumEnvs:0} environment steps/s at one step per update; each step trains all {seeds} seed{(seeds == 1 ? "" : "s")})");
        return 0;
    }

    /// <summary>
    /// DQN (dopamine's MinAtar settings, one environment per seed as CleanRL's dqn.py) as benchmarks/dqn_peer.py measures
    /// it: agent steps per second of a training run from scratch (acting, environment, replay, learning; the first
    /// min_replay_history steps without updates), then gradient steps per second on the filled buffer, also reported as
    /// agent steps per second at one step per update_period.
    /// </summary>
    static int Dqn(Arguments args, TextWriter stdout)
    {
        var env = args.Get("env") ?? "minatar_breakout";
        EnvRegistry.Describe(env);
        var seeds = args.Int("seeds", 1, 1, 64);
        var steps = args.Int("steps", 20_000, 2_000, 10_000_000);
        var config = Hybrid.Scaling.Algorithms.DqnConfig.For("dqn", env) with { NumEnvs = 1, IterationSteps = steps, TotalTimesteps = steps, TorchOnly = args.Flag("torch-only") };
        using var trainer = new Hybrid.Scaling.Algorithms.DqnTrainer("dqn", env, config, seeds);
        var clock = Stopwatch.StartNew();
        trainer.Step();
        var full = (double)steps * seeds / clock.Elapsed.TotalSeconds;
        var updates = steps / config.UpdatePeriod;
        clock.Restart();
        for (var k = 0; k < updates; k++) trainer.Learner.Update(trainer.Replay, config.LearningRate);
        var learn = updates / clock.Elapsed.TotalSeconds;
        var path = trainer.Learner.TensorPathReason is { } reason ? $"TorchSharp modules ({reason})" : "managed MinAtar kernel";
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object>
            {
                ["algo"] = "dqn", ["env"] = env, ["seeds"] = seeds, ["steps"] = steps, ["path"] = path,
                ["agent_steps_per_second"] = full, ["gradient_steps_per_second"] = learn,
            }));
            return 0;
        }
        stdout.WriteLine($"dqn on {env}, {seeds} seed{(seeds == 1 ? "" : "s")}, one environment per seed, dopamine's MinAtar settings, {path}:");
        stdout.WriteLine($"  training: {full:0} agent steps/s (all seeds; {steps} steps per seed from scratch)");
        stdout.WriteLine($"  learning alone: {learn:0} gradient steps/s ({learn * config.UpdatePeriod:0} agent steps/s at one update per {config.UpdatePeriod} steps; each trains all {seeds} seed{(seeds == 1 ? "" : "s")})");
        return 0;
    }
}
