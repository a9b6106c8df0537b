using Hybrid.Shaping.Trials;

namespace Hybrid.Shaping.Training;

/// <summary>
/// A shaping trainer as a run directory drives it: one generation (ES) or update (RL) per <see cref="Step"/>, a
/// checkpoint that resumes it exactly, and the parameters to save as the trained agent. Implemented by
/// <see cref="ShapeTrainer"/> (OpenES: Shaper, M-FOS, Good Shepherd), <see cref="MfosRlTrainer"/> (M-FOS by PPO in the matrix
/// games) and <see cref="GridMfosRlTrainer"/> (M-FOS by PPO in the Coin Game).
/// </summary>
public interface IShapeTrainer : IDisposable
{
    /// <summary>The settings.</summary>
    ShapeConfig Config { get; }

    /// <summary>Generations (or updates) done.</summary>
    int Generation { get; }

    /// <summary>Meta-agent steps per generation.</summary>
    long StepsPerGeneration { get; }

    /// <summary>Names of <see cref="GenerationMetrics.Stats"/>.</summary>
    IReadOnlyList<string> StatNames { get; }

    /// <summary>The agent to save: ES, the best member of the last generation (pax's checkpoint); RL, the current parameters.</summary>
    float[] Best { get; }

    /// <summary>ES, the search mean; RL, the current parameters.</summary>
    float[] Mean { get; }

    /// <summary>The fitness of <see cref="Best"/> in the last generation (NaN before the first).</summary>
    double BestFitness { get; }

    /// <summary>Runs one generation.</summary>
    GenerationMetrics Step();

    /// <summary>The header of this trainer's checkpoints (kind, version, identity).</summary>
    StateHeader CheckpointHeader();

    /// <summary>Writes the state a resumed run needs.</summary>
    void Save(StateWriter writer);

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    void Load(StateReader reader);
}
