namespace Hybrid.Shaping.Trials;

/// <summary>What one generation's trials gave: per member fitness and co-player reward, and the game's statistics pooled over the population.</summary>
/// <param name="Fitness">Each member's mean reward per step (the ES fitness).</param>
/// <param name="CoPlayerReward">Each member's co-players' mean reward per step.</param>
/// <param name="Stats">The game's statistics over the population's trials, named by <see cref="IShapeTrials.StatNames"/>.</param>
public sealed record PopulationOutcome(double[] Fitness, double[] CoPlayerReward, double[] Stats);

/// <summary>
/// The population evaluation a trainer runs each generation, one implementation per family of games (the finite matrix
/// games, the gridworlds): a population of parameter vectors in, per-member fitness out, every member on the same
/// common random numbers drawn from the generation's seed.
/// </summary>
public interface IShapeTrials
{
    /// <summary>Length of each member's parameter vector.</summary>
    int ParameterCount { get; }

    /// <summary>Names of <see cref="PopulationOutcome.Stats"/> (metrics.csv columns), e.g. cc, cd, dc, dd.</summary>
    IReadOnlyList<string> StatNames { get; }

    /// <summary>Plays one trial per member of <paramref name="population"/> ([members x parameters], row-major) with the noise of <paramref name="seed"/>.</summary>
    PopulationOutcome Run(float[] population, ulong seed);
}

/// <summary>The matrix games' population evaluation: <see cref="PopulationTrials"/> with the joint-action visitation as statistics.</summary>
public sealed class MatrixShapeTrials(PopulationTrials trials, int parameterCount) : IShapeTrials
{
    static readonly string[] Names = { "cc", "cd", "dc", "dd" };

    /// <inheritdoc/>
    public int ParameterCount { get; } = parameterCount;

    /// <inheritdoc/>
    public IReadOnlyList<string> StatNames => Names;

    /// <inheritdoc/>
    public PopulationOutcome Run(float[] population, ulong seed)
    {
        var records = trials.Run(population, trials.Noise(seed));
        var visits = new double[4];
        foreach (var r in records) for (var j = 0; j < 4; j++) visits[j] += r.Visits[j];
        var total = visits.Sum();
        return new PopulationOutcome(records.Select(r => r.RowPerStep).ToArray(), records.Select(r => r.ColumnPerStep).ToArray(), visits.Select(v => v / total).ToArray());
    }
}
