using Hybrid.Scaling.Environments;

namespace Hybrid.Scaling.Training;

/// <summary>
/// A trainer that advances in iterations (a PPO update, a DQN iteration of agent steps) and can be saved and restored
/// exactly: what <see cref="TrainingRun"/> needs to keep a run directory (metrics, episodes, checkpoints, summary) for
/// any algorithm.
/// </summary>
public interface IIterativeTrainer : IDisposable
{
    /// <summary>The algorithm's command-line name (ppo, dqn, ...).</summary>
    string Algo { get; }

    /// <summary>The environment batch (seeds x environments per seed).</summary>
    VectorEnv Environment { get; }

    /// <summary>Training seeds S.</summary>
    int Seeds { get; }

    /// <summary>The first training seed (seed k trains from it + k).</summary>
    long FirstSeed { get; }

    /// <summary>Iterations done.</summary>
    int Iteration { get; }

    /// <summary>Iterations of the whole run.</summary>
    int Iterations { get; }

    /// <summary>Iterations between checkpoints.</summary>
    int CheckpointEvery { get; }

    /// <summary>Environment steps of each seed per iteration.</summary>
    long StepsPerIteration { get; }

    /// <summary>Environment steps of each seed so far.</summary>
    long EnvSteps { get; }

    /// <summary>Finished episodes per seed.</summary>
    EpisodeStats Episodes { get; }

    /// <summary>Runs one iteration and reports its metrics.</summary>
    UpdateMetrics Step();

    /// <summary>Each seed's mean return over the last 10% of its episodes.</summary>
    double[] FinalReturns();

    /// <summary>The resolved settings with algorithm, environment and seed count (config.json).</summary>
    string ConfigJson();

    /// <summary>The identity a checkpoint of this run carries (kind, version, settings).</summary>
    StateHeader CheckpointHeader();

    /// <summary>Writes everything the next iteration depends on.</summary>
    void Save(StateWriter writer);

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    void Load(StateReader reader);
}
