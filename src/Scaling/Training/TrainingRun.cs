using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Hybrid.Scaling.Environments;

namespace Hybrid.Scaling.Training;

/// <summary>What a training run reports at its end (also written as summary.json).</summary>
/// <param name="Algo">The algorithm (ppo, ippo, mappo, dqn, ...).</param>
/// <param name="Env">Environment name.</param>
/// <param name="Steps">Environment steps per seed.</param>
/// <param name="Seeds">Training seeds.</param>
/// <param name="FinalReturn">Per seed, the mean return over the last 10% of its episodes.</param>
/// <param name="RandomReturn">Mean episode return of uniformly random actions (same environment, 200 episodes or more).</param>
/// <param name="StepsPerSecond">Environment steps of all seeds per second of training in this process (acting and learning).</param>
/// <param name="Updates">Iterations done (PPO updates, DQN iterations).</param>
public sealed record TrainingSummary(string Algo, string Env, long Steps, int Seeds, double[] FinalReturn, double RandomReturn, double StepsPerSecond, int Updates);

/// <summary>
/// A training run in a directory, for any <see cref="IIterativeTrainer"/>: config.json (the resolved settings),
/// metrics.csv (one row per iteration and seed, <see cref="MetricsWriter"/>), tensorboard/ (event files), episodes.csv,
/// checkpoint.bin (the state format, written atomically every checkpoint_every iterations and at the end) and
/// summary.json. A killed run resumes from its checkpoint and ends with the parameters an uninterrupted run would have.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    readonly string directory;
    readonly IIterativeTrainer trainer;
    readonly MetricsWriter metrics;
    readonly Func<int, VectorEnv> environments;

    /// <summary>
    /// A run of <paramref name="trainer"/> (the run disposes it) in <paramref name="directory"/>; <paramref name="environments"/>
    /// makes fresh environments of the same kind and settings as the trainer's (for the random-policy baseline). With
    /// <paramref name="resume"/> the directory's checkpoint is loaded (it must exist and match); without, the directory must not hold a run.
    /// </summary>
    public TrainingRun(string directory, IIterativeTrainer trainer, Func<int, VectorEnv> environments, bool resume, bool writeTensorBoard = true)
    {
        this.directory = directory;
        this.trainer = trainer;
        this.environments = environments;
        try
        {
            Directory.CreateDirectory(directory);
            var checkpoint = CheckpointPath;
            if (resume)
            {
                if (!File.Exists(checkpoint)) throw new FileNotFoundException($"--resume: no checkpoint at {checkpoint}", checkpoint);
                ReadCheckpoint(checkpoint, trainer);
                MetricsWriter.Truncate(MetricsPath, trainer.Iteration);
            }
            else
            {
                if (File.Exists(checkpoint))
                    throw new IOException($"{directory} already holds a run (checkpoint.bin); pass --resume to continue it or choose another --out");
                AtomicFile.Write(MetricsPath, "");
            }
            AtomicFile.Write(Path.Combine(directory, "config.json"), trainer.ConfigJson());
            metrics = new MetricsWriter(MetricsPath, Enumerable.Range(0, trainer.Seeds).Select(s => trainer.FirstSeed + s).ToArray(), "seed",
                writeTensorBoard ? Path.Combine(directory, "tensorboard") : null);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>The trainer.</summary>
    public IIterativeTrainer Trainer => trainer;

    /// <summary>Where the checkpoint is kept.</summary>
    public string CheckpointPath => Path.Combine(directory, "checkpoint.bin");

    string MetricsPath => Path.Combine(directory, "metrics.csv");

    /// <summary>Writes <paramref name="trainer"/>'s state to <paramref name="path"/> atomically.</summary>
    public static void WriteCheckpoint(string path, IIterativeTrainer trainer) => TrainerCheckpoint.Write(path, trainer);

    /// <summary>Restores <paramref name="trainer"/> from <paramref name="path"/>; a file of another run (algorithm, environment, seeds, settings) is refused naming the difference.</summary>
    public static void ReadCheckpoint(string path, IIterativeTrainer trainer) => TrainerCheckpoint.Read(path, trainer);

    /// <summary>
    /// Trains until all iterations are done (or <paramref name="stopAfter"/> more, for tests), reporting each;
    /// checkpoints every checkpoint_every iterations and at the end. Returns the summary, also written to summary.json.
    /// </summary>
    public TrainingSummary Run(Action<UpdateMetrics>? onIteration = null, int? stopAfter = null)
    {
        var clock = Stopwatch.StartNew();
        var start = trainer.Iteration;
        var done = 0;
        while (trainer.Iteration < trainer.Iterations && (stopAfter is null || done < stopAfter))
        {
            var m = trainer.Step();
            done++;
            metrics.Write(m);
            onIteration?.Invoke(m);
            if (trainer.Iteration % trainer.CheckpointEvery == 0 || trainer.Iteration == trainer.Iterations) WriteCheckpoint();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var steps = (double)(trainer.Iteration - start) * trainer.StepsPerIteration * trainer.Seeds;
        var summary = new TrainingSummary(trainer.Algo, trainer.Environment.Name, trainer.EnvSteps, trainer.Seeds, trainer.FinalReturns(),
            RandomReturn(environments, trainer.FirstSeed), seconds > 0 ? steps / seconds : 0, trainer.Iteration);
        WriteEpisodes();
        AtomicFile.Write(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(summary, ConfigBinder.Json));
        metrics.Text("summary", JsonSerializer.Serialize(summary), trainer.Iteration);
        return summary;
    }

    /// <summary>Writes the trainer's state to checkpoint.bin atomically.</summary>
    public void WriteCheckpoint() => WriteCheckpoint(CheckpointPath, trainer);

    void WriteEpisodes()
    {
        var inv = CultureInfo.InvariantCulture;
        var agents = trainer.Environment.Agents;
        var text = new StringBuilder("seed,env_steps,length,return," + string.Join(",", agents.Select(a => "return_" + a)) + "\n");
        for (var s = 0; s < trainer.Seeds; s++)
            foreach (var ep in trainer.Episodes.Finished(s))
                text.Append(inv, $"{trainer.FirstSeed + s},{ep.EnvSteps},{ep.Length},{ep.Return:R},{string.Join(",", ep.AgentReturns.Select(r => r.ToString("R", inv)))}\n");
        AtomicFile.Write(Path.Combine(directory, "episodes.csv"), text.ToString());
    }

    /// <summary>Runs <paramref name="trainer"/>'s remaining iterations, reporting each.</summary>
    public static void TrainAll(IIterativeTrainer trainer, Action<UpdateMetrics>? onIteration)
    {
        while (trainer.Iteration < trainer.Iterations)
        {
            var metrics = trainer.Step();
            onIteration?.Invoke(metrics);
        }
    }

    /// <summary>
    /// Resets <paramref name="env"/> for training seeds <paramref name="runSeeds"/> with <paramref name="envsPerSeed"/>
    /// environments each: seed s's environments get seeds from their own range, SplitMix64.Start(seed) + e.
    /// </summary>
    public static void ResetEnvironments(VectorEnv env, IReadOnlyList<long> runSeeds, int envsPerSeed)
    {
        var envSeeds = new ulong[runSeeds.Count * envsPerSeed];
        for (var s = 0; s < runSeeds.Count; s++)
        {
            var start = SplitMix64.Start((ulong)runSeeds[s]);
            for (var e = 0; e < envsPerSeed; e++) envSeeds[s * envsPerSeed + e] = start + (ulong)e;
        }
        env.Reset(envSeeds);
    }

    /// <summary>The settings a resumed run must share with the checkpoint: all of <paramref name="settingsJson"/> but how often checkpoints are written.</summary>
    public static System.Text.Json.Nodes.JsonNode ResumeSettings(string settingsJson)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(settingsJson)!.AsObject();
        node.Remove("checkpoint_every");
        return node;
    }

    /// <summary>
    /// config.json's content: <paramref name="settingsJson"/> (a settings record as <see cref="ConfigBinder.ToJson"/>
    /// writes it) after the algorithm, environment and seed count.
    /// </summary>
    public static string ConfigJson(string algo, string env, int seeds, string settingsJson)
    {
        using var document = JsonDocument.Parse(settingsJson);
        var all = new Dictionary<string, JsonElement>
        {
            ["algo"] = JsonSerializer.SerializeToElement(algo),
            ["env"] = JsonSerializer.SerializeToElement(env),
            ["seeds"] = JsonSerializer.SerializeToElement(seeds),
        };
        foreach (var p in document.RootElement.EnumerateObject()) all[p.Name] = p.Value.Clone();
        return JsonSerializer.Serialize(all, ConfigBinder.Json);
    }

    /// <summary>Reads a run directory's config.json: algorithm, environment, seeds and the settings object; malformed files name themselves.</summary>
    public static (string Algo, string Env, int Seeds, JsonElement Settings) ReadConfigJson(string directory)
    {
        var configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{directory} holds no saved run: config.json is missing", configPath);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            var root = document.RootElement;
            var algo = root.GetProperty("algo").GetString() ?? throw new InvalidDataException($"{configPath}: algo is null");
            var env = root.GetProperty("env").GetString() ?? throw new InvalidDataException($"{configPath}: env is null");
            var seeds = root.GetProperty("seeds").GetInt32();
            if (seeds < 1) throw new InvalidDataException($"{configPath}: seeds is {seeds}");
            return (algo, env, seeds, root.Clone());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{configPath} is malformed ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>Binds the settings object of a config.json read by <see cref="ReadConfigJson"/> to <typeparamref name="TConfig"/>; malformed settings name the file.</summary>
    public static TConfig BindSettings<TConfig>(string directory, JsonElement settings)
    {
        try { return ConfigBinder.FromJson<TConfig>(settings.GetRawText()); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{Path.Combine(directory, "config.json")} is malformed ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>
    /// The trainer <paramref name="create"/> builds for the run in <paramref name="directory"/>, restored from its
    /// checkpoint.bin (nothing is written); settings the trainer refuses name config.json.
    /// </summary>
    public static TTrainer OpenTrainer<TTrainer>(string directory, Func<TTrainer> create) where TTrainer : IIterativeTrainer
    {
        var checkpoint = Path.Combine(directory, "checkpoint.bin");
        if (!File.Exists(checkpoint)) throw new FileNotFoundException($"{directory} holds no saved run: checkpoint.bin is missing", checkpoint);
        TTrainer trainer;
        try { trainer = create(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{Path.Combine(directory, "config.json")}: {e.Message.Split('\n')[0]}"); }
        try
        {
            TrainerCheckpoint.Read(checkpoint, trainer);
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Mean return (over agents, then episodes) of uniformly random actions: 64 environments made by
    /// <paramref name="environments"/>, seeded from <paramref name="seed"/>, until at least 200 episodes have ended (or
    /// 2,000 steps, for environments whose episodes never end sooner).
    /// </summary>
    public static double RandomReturn(Func<int, VectorEnv> environments, long seed, int minEpisodes = 200)
    {
        const int envs = 64;
        using var batch = environments(envs);
        batch.Reset((ulong)seed + 1_000_003);
        var policy = new RandomPolicy(batch, (ulong)seed + 2_000_003);
        var stats = new EpisodeStats(1, batch.Agents.Count, envs);
        var layout = new float[batch.Agents.Count * envs];
        for (var t = 0; t < 2000 && stats.Finished(0).Count < minEpisodes; t++)
        {
            policy.Step();
            Array.Copy(batch.Rewards, layout, layout.Length); // agent-major [A, E]: the [S=1, A, E] layout
            stats.Add(layout, batch.AllDones, (t + 1L) * envs);
        }
        return stats.Finished(0).Count == 0 ? double.NaN : stats.Finished(0).Average(e => e.Return);
    }

    /// <inheritdoc/>
    public void Dispose() => trainer.Dispose();
}

/// <summary>
/// A trainer's checkpoint in the state format: the header is the trainer's identity (kind, version, algorithm,
/// environment, seeds, settings), the body its <see cref="IIterativeTrainer.Save"/>; reading refuses a file of another run
/// naming what differs, and a body that is not read to its end.
/// </summary>
public static class TrainerCheckpoint
{
    /// <summary>
    /// The header of a trainer's checkpoint: its kind and version, a description, and the identity a resumed run must
    /// share (algorithm, environment, environment count, seeds, settings but how often checkpoints are written).
    /// </summary>
    public static StateHeader Header(string kind, int version, string name, string algo, VectorEnv env, int seeds, string settingsJson) =>
        StateHeader.Of(kind, version, $"{name} on {env.Name} with {seeds} seed{(seeds == 1 ? "" : "s")}",
            new Dictionary<string, System.Text.Json.Nodes.JsonNode?>
            {
                ["algo"] = algo,
                ["env"] = env.Name,
                ["environments"] = env.NumEnvs,
                ["seeds"] = seeds,
                ["config"] = TrainingRun.ResumeSettings(settingsJson),
            });

    /// <summary>Writes the trainer's state to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IIterativeTrainer trainer) => StateFile.Write(path, trainer.CheckpointHeader(), trainer.Save);

    /// <summary>The checkpoint as bytes.</summary>
    public static byte[] ToBytes(IIterativeTrainer trainer) => StateFile.ToBytes(trainer.CheckpointHeader(), trainer.Save);

    /// <summary>Restores <paramref name="trainer"/> from <paramref name="path"/>.</summary>
    public static void Read(string path, IIterativeTrainer trainer)
    {
        var header = trainer.CheckpointHeader();
        using var reader = StateFile.Open(path, header.Kind, header.Version);
        Restore(reader, header, trainer);
    }

    /// <summary>The same from bytes named <paramref name="name"/> in messages.</summary>
    public static void Read(byte[] data, string name, IIterativeTrainer trainer)
    {
        var header = trainer.CheckpointHeader();
        using var reader = StateFile.Read(data, name, header.Kind, header.Version);
        Restore(reader, header, trainer);
    }

    static void Restore(StateReader reader, StateHeader header, IIterativeTrainer trainer)
    {
        reader.ExpectIdentity(header.Description, header.Identity);
        trainer.Load(reader);
        reader.ExpectEnd();
    }
}
