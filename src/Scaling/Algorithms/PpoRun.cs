using Hybrid.Scaling.Catalog;
using System.Text.Json;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Training;
using TorchSharp;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// A PPO-family training run in a directory (<see cref="TrainingRun"/>: config.json, metrics.csv, tensorboard/,
/// episodes.csv, checkpoint.bin, summary.json). A killed run resumes from its checkpoint and ends with the parameters an
/// uninterrupted run would have.
/// </summary>
public sealed class PpoRun : IDisposable
{
    readonly TrainingRun run;

    /// <summary>A run of the registered environment <paramref name="env"/> (default settings); with <paramref name="resume"/> the directory's checkpoint is loaded (it must exist and match).</summary>
    public PpoRun(string directory, PpoVariant variant, string env, PpoConfig config, int seeds, bool resume, bool writeTensorBoard = true, torch.Device? device = null)
        : this(directory, new PpoTrainer(variant, env, config, seeds, device), n => EnvRegistry.Create(env, n), resume, writeTensorBoard) { }

    /// <summary>
    /// A run of <paramref name="trainer"/> (the run disposes it); <paramref name="environments"/> makes fresh environments
    /// of the same kind and settings as the trainer's (for the random-policy baseline).
    /// </summary>
    public PpoRun(string directory, PpoTrainer trainer, Func<int, VectorEnv> environments, bool resume, bool writeTensorBoard = true)
    {
        Trainer = trainer;
        run = new TrainingRun(directory, trainer, environments, resume, writeTensorBoard);
    }

    /// <summary>The trainer.</summary>
    public PpoTrainer Trainer { get; }

    /// <summary>Where the checkpoint is kept.</summary>
    public string CheckpointPath => run.CheckpointPath;

    /// <summary>The settings with algorithm, environment and seed count, as saved in config.json.</summary>
    public static string ResolvedConfigJson(PpoVariant variant, string env, PpoConfig config, int seeds) =>
        TrainingRun.ConfigJson(variant.ToString().ToLowerInvariant(), env, seeds, ConfigBinder.ToJson(config));

    /// <summary>Reads a run directory's config.json: algorithm, registered environment, seeds and settings; malformed files name themselves.</summary>
    public static (PpoVariant Variant, string Env, int Seeds, PpoConfig Config) ReadConfig(string directory)
    {
        var (algo, env, seeds, settings) = TrainingRun.ReadConfigJson(directory);
        var configPath = Path.Combine(directory, "config.json");
        if (!Enum.TryParse(algo, ignoreCase: true, out PpoVariant variant) || !Enum.IsDefined(variant) || char.IsDigit(algo[0]))
            throw new InvalidDataException($"{configPath}: unknown algo '{algo}'{(DqnConfig.Algorithms.Contains(algo) || MarlQConfig.Algorithms.Contains(algo) || algo == "pqn_vdn" ? " for a PPO-family run (it is a value-based run)" : "")}");
        return (variant, env, seeds, TrainingRun.BindSettings<PpoConfig>(directory, settings));
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
        return TrainingRun.OpenTrainer(directory, () => new PpoTrainer(variant, env, config, seeds, device));
    }

    /// <summary>
    /// Trains until all updates are done (or <paramref name="stopAfter"/> more updates, for tests), reporting each update;
    /// checkpoints every checkpoint_every updates and at the end. Returns the summary, also written to summary.json.
    /// </summary>
    public TrainingSummary Run(Action<UpdateMetrics>? onUpdate = null, int? stopAfter = null) => run.Run(onUpdate, stopAfter);

    /// <summary>Writes the trainer's state to checkpoint.bin atomically.</summary>
    public void WriteCheckpoint() => run.WriteCheckpoint();

    /// <summary>Mean return of uniformly random actions in the registered environment <paramref name="env"/>; see <see cref="TrainingRun.RandomReturn"/>.</summary>
    public static double RandomReturn(string env, long seed, int minEpisodes = 200) => TrainingRun.RandomReturn(n => EnvRegistry.Create(env, n), seed, minEpisodes);

    /// <summary>See <see cref="TrainingRun.RandomReturn"/>.</summary>
    public static double RandomReturn(Func<int, VectorEnv> environments, long seed, int minEpisodes = 200) => TrainingRun.RandomReturn(environments, seed, minEpisodes);

    /// <inheritdoc/>
    public void Dispose() => run.Dispose();
}
