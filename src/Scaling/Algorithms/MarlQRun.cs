using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Training;
using TorchSharp;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// An IQL, VDN or QMIX training run in a directory (<see cref="TrainingRun"/>: config.json, metrics.csv, tensorboard/,
/// episodes.csv, checkpoint.bin with the episode replay, summary.json); a killed run resumes exactly.
/// </summary>
public sealed class MarlQRun : IDisposable
{
    readonly TrainingRun run;

    /// <summary>A run of <paramref name="algo"/> on the registered environment <paramref name="env"/>; with <paramref name="resume"/> the directory's checkpoint is loaded.</summary>
    public MarlQRun(string directory, string algo, string env, MarlQConfig config, int seeds, bool resume, bool writeTensorBoard = true, torch.Device? device = null)
    {
        Trainer = new MarlQTrainer(algo, env, config, seeds, device);
        run = new TrainingRun(directory, Trainer, n => EnvRegistry.Create(env, n), resume, writeTensorBoard);
    }

    /// <summary>The trainer.</summary>
    public MarlQTrainer Trainer { get; }

    /// <summary>Where the checkpoint is kept.</summary>
    public string CheckpointPath => run.CheckpointPath;

    /// <summary>Trains until all updates are done (or <paramref name="stopAfter"/> more), reporting each; see <see cref="TrainingRun.Run"/>.</summary>
    public TrainingSummary Run(Action<UpdateMetrics>? onIteration = null, int? stopAfter = null) => run.Run(onIteration, stopAfter);

    /// <summary>Reads a run directory's config.json of an IQL, VDN or QMIX run.</summary>
    public static (string Algo, string Env, int Seeds, MarlQConfig Config) ReadConfig(string directory)
    {
        var (algo, env, seeds, settings) = TrainingRun.ReadConfigJson(directory);
        if (!MarlQConfig.Algorithms.Contains(algo)) throw new InvalidDataException($"{Path.Combine(directory, "config.json")}: '{algo}' is not a multi-agent Q-learning algorithm ({string.Join(", ", MarlQConfig.Algorithms)})");
        return (algo, env, seeds, TrainingRun.BindSettings<MarlQConfig>(directory, settings));
    }

    /// <summary>The trainer of the run in <paramref name="directory"/> as its checkpoint left it (nothing is written).</summary>
    public static MarlQTrainer Open(string directory, torch.Device? device = null)
    {
        var (algo, env, seeds, config) = ReadConfig(directory);
        return TrainingRun.OpenTrainer(directory, () => new MarlQTrainer(algo, env, config, seeds, device));
    }

    /// <inheritdoc/>
    public void Dispose() => run.Dispose();
}
