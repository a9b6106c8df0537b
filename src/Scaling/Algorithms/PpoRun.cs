using Hybrid.Scaling.Catalog;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Training;
using TorchSharp;

namespace Hybrid.Scaling.Algorithms;

/// <summary>What a training run reports at its end (also written as summary.json).</summary>
/// <param name="Algo">ppo, ippo or mappo.</param>
/// <param name="Env">Environment name.</param>
/// <param name="Steps">Environment steps per seed.</param>
/// <param name="Seeds">Training seeds.</param>
/// <param name="FinalReturn">Per seed, the mean return over the last 10% of its episodes.</param>
/// <param name="RandomReturn">Mean episode return of uniformly random actions (same environment, 200 episodes or more).</param>
/// <param name="StepsPerSecond">Environment steps of all seeds per second of training in this process (rollouts and learning).</param>
/// <param name="Updates">Updates done.</param>
public sealed record TrainingSummary(string Algo, string Env, long Steps, int Seeds, double[] FinalReturn, double RandomReturn, double StepsPerSecond, int Updates);

/// <summary>
/// A PPO-family training run in a directory: config.json (the resolved settings), metrics.csv (one row per update and
/// seed, <see cref="MetricsWriter"/>), tensorboard/ (event files), episodes.csv, checkpoint.bin (the state format,
/// written atomically every checkpoint_every updates and at the end) and summary.json. A killed run resumes from its
/// checkpoint and ends with the parameters an uninterrupted run would have.
/// </summary>
public sealed class PpoRun : IDisposable
{
    readonly string directory;
    readonly PpoTrainer trainer;
    readonly MetricsWriter metrics;
    readonly Func<int, VectorEnv> environments;
    readonly string algo;

    /// <summary>A run of the registered environment <paramref name="env"/> (default settings); with <paramref name="resume"/> the directory's checkpoint is loaded (it must exist and match).</summary>
    public PpoRun(string directory, PpoVariant variant, string env, PpoConfig config, int seeds, bool resume, bool writeTensorBoard = true, torch.Device? device = null)
        : this(directory, new PpoTrainer(variant, env, config, seeds, device), n => EnvRegistry.Create(env, n), resume, writeTensorBoard) { }

    /// <summary>
    /// A run of <paramref name="trainer"/> (the run disposes it); <paramref name="environments"/> makes fresh environments
    /// of the same kind and settings as the trainer's (for the random-policy baseline).
    /// </summary>
    public PpoRun(string directory, PpoTrainer trainer, Func<int, VectorEnv> environments, bool resume, bool writeTensorBoard = true)
    {
        this.directory = directory;
        this.trainer = trainer;
        this.environments = environments;
        algo = trainer.Variant.ToString().ToLowerInvariant();
        try
        {
            Directory.CreateDirectory(directory);
            var checkpoint = CheckpointPath;
            if (resume)
            {
                if (!File.Exists(checkpoint)) throw new FileNotFoundException($"--resume: no checkpoint at {checkpoint}", checkpoint);
                PpoCheckpoint.Read(checkpoint, trainer);
                MetricsWriter.Truncate(MetricsPath, trainer.Update);
            }
            else
            {
                if (File.Exists(checkpoint))
                    throw new IOException($"{directory} already holds a run (checkpoint.bin); pass --resume to continue it or choose another --out");
                AtomicFile.Write(MetricsPath, "");
            }
            AtomicFile.Write(Path.Combine(directory, "config.json"), ResolvedConfigJson(trainer.Variant, trainer.Environment.Name, trainer.Config, trainer.Seeds));
            metrics = new MetricsWriter(MetricsPath, Enumerable.Range(0, trainer.Seeds).Select(s => trainer.Config.Seed + s).ToArray(), "seed",
                writeTensorBoard ? Path.Combine(directory, "tensorboard") : null);
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>The trainer.</summary>
    public PpoTrainer Trainer => trainer;

    /// <summary>Where the checkpoint is kept.</summary>
    public string CheckpointPath => Path.Combine(directory, "checkpoint.bin");

    string MetricsPath => Path.Combine(directory, "metrics.csv");

    /// <summary>The settings with algorithm, environment and seed count, as saved in config.json.</summary>
    public static string ResolvedConfigJson(PpoVariant variant, string env, PpoConfig config, int seeds)
    {
        using var document = JsonDocument.Parse(ConfigBinder.ToJson(config));
        var all = new Dictionary<string, JsonElement>
        {
            ["algo"] = JsonSerializer.SerializeToElement(variant.ToString().ToLowerInvariant()),
            ["env"] = JsonSerializer.SerializeToElement(env),
            ["seeds"] = JsonSerializer.SerializeToElement(seeds),
        };
        foreach (var p in document.RootElement.EnumerateObject()) all[p.Name] = p.Value.Clone();
        return JsonSerializer.Serialize(all, ConfigBinder.Json);
    }

    /// <summary>Reads a run directory's config.json: algorithm, registered environment, seeds and settings; malformed files name themselves.</summary>
    public static (PpoVariant Variant, string Env, int Seeds, PpoConfig Config) ReadConfig(string directory)
    {
        var configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{directory} holds no saved run: config.json is missing", configPath);
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            var root = document.RootElement;
            var algo = root.GetProperty("algo").GetString();
            if (!Enum.TryParse(algo, ignoreCase: true, out PpoVariant variant) || !Enum.IsDefined(variant) || char.IsDigit(algo![0]))
                throw new InvalidDataException($"{configPath}: unknown algo '{algo}'");
            var env = root.GetProperty("env").GetString() ?? throw new InvalidDataException($"{configPath}: env is null");
            var seeds = root.GetProperty("seeds").GetInt32();
            if (seeds < 1) throw new InvalidDataException($"{configPath}: seeds is {seeds}");
            return (variant, env, seeds, ConfigBinder.FromJson<PpoConfig>(root.GetRawText()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{configPath} is malformed ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>
    /// The trainer of the run in <paramref name="directory"/> as its checkpoint left it (config.json gives algorithm,
    /// registered environment, seeds and settings), for evaluation or inspection; nothing in the directory is written.
    /// A run of environments with other settings or of other controllers is reopened by building its trainer and
    /// calling <see cref="PpoCheckpoint.Read(string, PpoTrainer)"/>.
    /// </summary>
    public static PpoTrainer Open(string directory, torch.Device? device = null)
    {
        var (variant, env, seeds, config) = ReadConfig(directory);
        var checkpoint = Path.Combine(directory, "checkpoint.bin");
        if (!File.Exists(checkpoint)) throw new FileNotFoundException($"{directory} holds no saved run: checkpoint.bin is missing", checkpoint);
        PpoTrainer trainer;
        try { trainer = new PpoTrainer(variant, env, config, seeds, device); }
        catch (ArgumentException e) { throw new InvalidDataException($"{Path.Combine(directory, "config.json")}: {e.Message.Split('\n')[0]}"); }
        try
        {
            PpoCheckpoint.Read(checkpoint, trainer);
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains until all updates are done (or <paramref name="stopAfter"/> more updates, for tests), reporting each update;
    /// checkpoints every checkpoint_every updates and at the end. Returns the summary, also written to summary.json.
    /// </summary>
    public TrainingSummary Run(Action<UpdateMetrics>? onUpdate = null, int? stopAfter = null)
    {
        var config = trainer.Config;
        var clock = Stopwatch.StartNew();
        var startUpdate = trainer.Update;
        var done = 0;
        while (trainer.Update < config.NumUpdates && (stopAfter is null || done < stopAfter))
        {
            var m = trainer.Step();
            done++;
            metrics.Write(m);
            onUpdate?.Invoke(m);
            if (trainer.Update % config.CheckpointEvery == 0 || trainer.Update == config.NumUpdates) WriteCheckpoint();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var steps = (double)(trainer.Update - startUpdate) * config.NumSteps * config.NumEnvs * trainer.Seeds;
        var summary = new TrainingSummary(algo, trainer.Environment.Name, trainer.EnvSteps, trainer.Seeds, trainer.FinalReturns(),
            RandomReturn(environments, config.Seed), seconds > 0 ? steps / seconds : 0, trainer.Update);
        WriteEpisodes();
        AtomicFile.Write(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(summary, ConfigBinder.Json));
        metrics.Text("summary", JsonSerializer.Serialize(summary), trainer.Update);
        return summary;
    }

    /// <summary>Writes the trainer's state to checkpoint.bin atomically.</summary>
    public void WriteCheckpoint() => PpoCheckpoint.Write(CheckpointPath, trainer);

    void WriteEpisodes()
    {
        var inv = CultureInfo.InvariantCulture;
        var agents = trainer.Environment.Agents;
        var text = new StringBuilder("seed,env_steps,length,return," + string.Join(",", agents.Select(a => "return_" + a)) + "\n");
        for (var s = 0; s < trainer.Seeds; s++)
            foreach (var ep in trainer.Episodes.Finished(s))
                text.Append(inv, $"{trainer.Config.Seed + s},{ep.EnvSteps},{ep.Length},{ep.Return:R},{string.Join(",", ep.AgentReturns.Select(r => r.ToString("R", inv)))}\n");
        AtomicFile.Write(Path.Combine(directory, "episodes.csv"), text.ToString());
    }

    /// <summary>Mean return of uniformly random actions in the registered environment <paramref name="env"/>; see the other overload.</summary>
    public static double RandomReturn(string env, long seed, int minEpisodes = 200) => RandomReturn(n => EnvRegistry.Create(env, n), seed, minEpisodes);

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
        var agents = batch.Agents.Count;
        var layout = new float[agents * envs];
        for (var t = 0; t < 2000 && stats.Finished(0).Count < minEpisodes; t++)
        {
            policy.Step();
            Array.Copy(batch.Rewards, layout, layout.Length); // agent-major [A, E]: the [S=1, A, E] layout
            stats.Add(layout, batch.AllDones, (t + 1L) * envs);
        }
        return stats.Finished(0).Count == 0 ? double.NaN : stats.Finished(0).Average(e => e.Return);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        trainer.Dispose();
    }
}
