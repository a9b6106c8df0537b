using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Training;
using TorchSharp;
using TorchSharp.Modules;

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
/// seed), tensorboard/ (event files), episodes.csv, checkpoint.bin (written atomically every checkpoint_every updates
/// and at the end) and summary.json. A killed run resumes from its checkpoint and ends with the parameters an
/// uninterrupted run would have.
/// </summary>
public sealed class PpoRun : IDisposable
{
    /// <summary>Column names of metrics.csv.</summary>
    public const string MetricsHeader = "update,env_steps,seed,return,episodes,actor_loss,value_loss,entropy,approx_kl,clip_fraction,grad_norm,lr,steps_per_second,seconds,rollout_seconds";

    readonly string directory;
    readonly PpoTrainer trainer;
    readonly SummaryWriter? tensorboard;
    readonly string algo;

    /// <summary>Creates the trainer; with <paramref name="resume"/> loads the directory's checkpoint (which must exist and match).</summary>
    public PpoRun(string directory, PpoVariant variant, string env, PpoConfig config, int seeds, bool resume, bool writeTensorBoard = true, torch.Device? device = null)
    {
        this.directory = directory;
        algo = variant.ToString().ToLowerInvariant();
        Directory.CreateDirectory(directory);
        trainer = new PpoTrainer(variant, env, config, seeds, device);
        var checkpoint = CheckpointPath;
        if (resume)
        {
            if (!File.Exists(checkpoint)) throw new FileNotFoundException($"--resume: no checkpoint at {checkpoint}", checkpoint);
            using (var reader = new BinaryReader(File.OpenRead(checkpoint))) trainer.Load(reader);
            TruncateMetrics(trainer.Update);
        }
        else
        {
            if (File.Exists(checkpoint))
                throw new IOException($"{directory} already holds a run (checkpoint.bin); pass --resume to continue it or choose another --out");
            AtomicFile.Write(MetricsPath, MetricsHeader + "\n");
        }
        AtomicFile.Write(Path.Combine(directory, "config.json"), ResolvedConfigJson(variant, env, config, seeds));
        if (writeTensorBoard) tensorboard = torch.utils.tensorboard.SummaryWriter(Path.Combine(directory, "tensorboard"), createRunName: false);
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

    /// <summary>
    /// The trainer of the run in <paramref name="directory"/> as its checkpoint left it (config.json gives algorithm,
    /// environment, seeds and settings), for evaluation or inspection; nothing in the directory is written.
    /// </summary>
    public static PpoTrainer Open(string directory, torch.Device? device = null)
    {
        var configPath = Path.Combine(directory, "config.json");
        var checkpoint = Path.Combine(directory, "checkpoint.bin");
        foreach (var p in new[] { configPath, checkpoint })
            if (!File.Exists(p)) throw new FileNotFoundException($"{directory} holds no saved run: {Path.GetFileName(p)} is missing", p);
        PpoVariant variant;
        string env;
        int seeds;
        PpoConfig config;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            var root = document.RootElement;
            var algo = root.GetProperty("algo").GetString();
            if (!Enum.TryParse(algo, ignoreCase: true, out variant) || !Enum.IsDefined(variant) || char.IsDigit(algo![0]))
                throw new InvalidDataException($"{configPath}: unknown algo '{algo}'");
            env = root.GetProperty("env").GetString() ?? throw new InvalidDataException($"{configPath}: env is null");
            seeds = root.GetProperty("seeds").GetInt32();
            config = ConfigBinder.FromJson<PpoConfig>(root.GetRawText());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{configPath}: not a run configuration ({e.Message.Split('\n')[0]})");
        }
        var trainer = new PpoTrainer(variant, env, config, seeds, device);
        try
        {
            using var reader = new BinaryReader(File.OpenRead(checkpoint));
            trainer.Load(reader);
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
    public TrainingSummary Run(Action<PpoUpdateMetrics>? onUpdate = null, int? stopAfter = null)
    {
        var config = trainer.Config;
        var clock = Stopwatch.StartNew();
        var startUpdate = trainer.Update;
        var done = 0;
        while (trainer.Update < config.NumUpdates && (stopAfter is null || done < stopAfter))
        {
            var m = trainer.Step();
            done++;
            Record(m);
            onUpdate?.Invoke(m);
            if (trainer.Update % config.CheckpointEvery == 0 || trainer.Update == config.NumUpdates) WriteCheckpoint();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var steps = (double)(trainer.Update - startUpdate) * config.NumSteps * config.NumEnvs * trainer.Seeds;
        var summary = new TrainingSummary(algo, trainer.Environment.Name, trainer.EnvSteps, trainer.Seeds, trainer.FinalReturns(),
            RandomReturn(trainer.Environment.Name, config.Seed), seconds > 0 ? steps / seconds : 0, trainer.Update);
        WriteEpisodes();
        AtomicFile.Write(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(summary, ConfigBinder.Json));
        tensorboard?.add_text("summary", JsonSerializer.Serialize(summary), trainer.Update, null);
        return summary;
    }

    /// <summary>Writes the trainer's state to checkpoint.bin atomically.</summary>
    public void WriteCheckpoint() => AtomicFile.Write(CheckpointPath, stream =>
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        trainer.Save(writer);
    });

    void Record(PpoUpdateMetrics m)
    {
        var sps = m.Seconds > 0 ? (double)trainer.Config.NumSteps * trainer.Config.NumEnvs * trainer.Seeds / m.Seconds : 0;
        var rows = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        for (var s = 0; s < trainer.Seeds; s++)
        {
            rows.Append(inv, $"{m.Update},{m.EnvSteps},{trainer.Config.Seed + s},{m.Returns[s].ToString("R", inv)},{m.Episodes[s]},");
            rows.Append(inv, $"{m.ActorLoss[s]:R},{m.ValueLoss[s]:R},{m.Entropy[s]:R},{m.ApproxKl[s]:R},{m.ClipFraction[s]:R},{m.GradNorm[s]:R},{m.LearningRate:R},{sps:R},{m.Seconds:R},{m.RolloutSeconds:R}\n");
            if (tensorboard is null) continue;
            var step = (int)Math.Min(int.MaxValue, m.EnvSteps);
            var prefix = $"seed{trainer.Config.Seed + s}/";
            if (!double.IsNaN(m.Returns[s])) tensorboard.add_scalar(prefix + "return", (float)m.Returns[s], step, null);
            tensorboard.add_scalar(prefix + "actor_loss", (float)m.ActorLoss[s], step, null);
            tensorboard.add_scalar(prefix + "value_loss", (float)m.ValueLoss[s], step, null);
            tensorboard.add_scalar(prefix + "entropy", (float)m.Entropy[s], step, null);
            tensorboard.add_scalar(prefix + "approx_kl", (float)m.ApproxKl[s], step, null);
        }
        tensorboard?.add_scalar("steps_per_second", (float)sps, (int)Math.Min(int.MaxValue, m.EnvSteps), null);
        File.AppendAllText(MetricsPath, rows.ToString());
    }

    /// <summary>Keeps the header and the rows of updates up to <paramref name="update"/>: a resumed run rewrites what followed its checkpoint.</summary>
    void TruncateMetrics(int update)
    {
        var lines = File.Exists(MetricsPath) ? File.ReadAllLines(MetricsPath) : Array.Empty<string>();
        var kept = lines.Where((line, i) => i > 0 && int.TryParse(line.Split(',')[0], CultureInfo.InvariantCulture, out var u) && u <= update);
        AtomicFile.Write(MetricsPath, string.Join("\n", new[] { MetricsHeader }.Concat(kept)) + "\n");
    }

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

    /// <summary>
    /// Mean return (over agents, then episodes) of uniformly random actions: 64 environments seeded from
    /// <paramref name="seed"/> until at least 200 episodes have ended (or 2,000 steps, for environments whose episodes
    /// never end sooner).
    /// </summary>
    public static double RandomReturn(string env, long seed, int minEpisodes = 200)
    {
        const int envs = 64;
        using var batch = EnvRegistry.Create(env, envs);
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
