using System.Diagnostics;
using System.Text.Json.Nodes;
using Hybrid.Scaling.Algorithms;
using Hybrid.Scaling.Training;
using Hybrid.Shaping.Agents;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Trials;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Training;

/// <summary>One generation's numbers.</summary>
/// <param name="Generation">Generations done after this one (1 for the first).</param>
/// <param name="FitnessMean">Mean over the population of the meta-agent's reward per step.</param>
/// <param name="FitnessBest">Best member's.</param>
/// <param name="FitnessStd">Standard deviation over the population.</param>
/// <param name="CoPlayerReward">Co-players' mean reward per step.</param>
/// <param name="Stats">The game's statistics over the population's trials, named by <see cref="ShapeTrainer.StatNames"/>
/// (matrix games: fractions of CC, CD, DC, DD from the meta-agent's view).</param>
/// <param name="Sigma">ES noise scale used.</param>
/// <param name="LearningRate">ES learning rate used.</param>
/// <param name="Seconds">Wall time of the generation.</param>
public sealed record GenerationMetrics(int Generation, double FitnessMean, double FitnessBest, double FitnessStd, double CoPlayerReward, double[] Stats, double Sigma, double LearningRate, double Seconds);

/// <summary>
/// Trains a meta-agent by OpenES in a finite matrix game (thesis Algorithm 1; pax's <c>runner_evo</c>): each
/// generation asks the strategy for an antithetic population, plays one trial per member against freshly initialised
/// co-players on the generation's common random numbers, and tells it the members' mean reward per step. The best
/// member of the last generation (pax's saved checkpoint) and the ES mean are kept. Everything random flows from the
/// seed: the generation's noise is a function of (seed, generation), so a resumed run equals an uninterrupted one.
/// </summary>
public sealed class ShapeTrainer : IShapeTrainer
{
    readonly IShapeTrials trials;
    readonly OpenEs es;

    /// <summary>A trainer at generation 0 (ES mean at zero, as pax).</summary>
    public ShapeTrainer(ShapeConfig config)
    {
        config.Validate();
        if (config.Method is ShapeMethod.Ctnl or ShapeMethod.Ptnl) throw new ArgumentException($"{config.Method.Name()} is not trained by ES: its players are naive learners (ShapeEvaluation.CoTrained / PreTrained)");
        if (config.Method == ShapeMethod.MfosRl) throw new ArgumentException("mfos_rl is trained by PPO: use MfosRlTrainer (ShapeConfig.Trainer)");
        Config = config;
        trials = config.Trials();
        es = new OpenEs(trials.ParameterCount, config.EsConfig, SplitMix64.Derive((ulong)config.Seed, 0xE5));
        Best = new float[trials.ParameterCount];
    }

    /// <summary>The settings.</summary>
    public ShapeConfig Config { get; }

    /// <summary>Length of the meta-agent's parameter vector.</summary>
    public int ParameterCount => trials.ParameterCount;

    /// <summary>Names of <see cref="GenerationMetrics.Stats"/>.</summary>
    public IReadOnlyList<string> StatNames => trials.StatNames;

    /// <summary>Generations done.</summary>
    public int Generation => es.Generation;

    /// <summary>Best member of the last generation (zeros before the first).</summary>
    public float[] Best { get; private set; }

    /// <summary>That member's fitness (NaN before the first generation).</summary>
    public double BestFitness { get; private set; } = double.NaN;

    /// <summary>The ES mean.</summary>
    public float[] Mean
    {
        get
        {
            using var mean = es.Mean;
            return mean.data<float>().ToArray();
        }
    }

    /// <summary>Meta-agent steps per generation: population x co-players x envs x outer x inner.</summary>
    public long StepsPerGeneration => (long)Config.PopSize * Config.Coplayers * Config.Envs * Config.Outer * Config.Inner;

    /// <summary>The seed of generation <paramref name="generation"/>'s common random numbers (0-based).</summary>
    public ulong NoiseSeedOf(int generation) => SplitMix64.Derive((ulong)Config.Seed, 0x5EED_0000UL + (ulong)generation);

    /// <summary>Runs one generation: ask, trials, tell.</summary>
    public GenerationMetrics Step()
    {
        var clock = Stopwatch.StartNew();
        var sigma = es.Sigma;
        var lr = es.LearningRate;
        using var scope = NewDisposeScope();
        var population = es.Ask();
        var flat = population.contiguous().data<float>().ToArray();
        var outcome = trials.Run(flat, NoiseSeedOf(es.Generation));
        var fitness = outcome.Fitness;
        if (fitness.Any(f => !double.IsFinite(f))) throw new InvalidOperationException("a trial produced a non-finite reward");
        es.Tell(population, fitness);
        var best = Array.IndexOf(fitness, fitness.Max());
        var d = trials.ParameterCount;
        Best = flat.AsSpan(best * d, d).ToArray();
        BestFitness = fitness[best];
        var mean = fitness.Average();
        var std = Math.Sqrt(fitness.Average(f => (f - mean) * (f - mean)));
        return new GenerationMetrics(es.Generation, mean, BestFitness, std, outcome.CoPlayerReward.Average(), outcome.Stats, sigma, lr, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The header a checkpoint of this run carries: method, game and every setting but checkpoint_every and threads.</summary>
    public StateHeader CheckpointHeader() => StateHeader.Of(ShapeCheckpoint.Kind, ShapeCheckpoint.Version,
        $"{Config.Method.Name()} on {Config.Env}",
        new Dictionary<string, JsonNode?> { ["config"] = Settings(Config) });

    /// <summary>The settings a resumed run must share.</summary>
    public static JsonNode Settings(ShapeConfig config)
    {
        var node = JsonNode.Parse(ConfigBinder.ToJson(config))!.AsObject();
        node.Remove("checkpoint_every");
        node.Remove("threads");
        node.Remove("generations");
        return node;
    }

    /// <summary>Writes the ES state, the generation's best member and its fitness.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("shape");
        es.Save(writer);
        writer.WriteArray(Best);
        writer.Write(BestFitness);
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("shape");
        es.Load(reader);
        reader.ReadArray(Best, "the best member");
        BestFitness = reader.ReadDouble();
    }

    /// <inheritdoc/>
    public void Dispose() => es.Dispose();
}

/// <summary>The shaping run's checkpoint file (the kernel's state format, kind "shape-checkpoint" for ES, "mfos-rl-checkpoint" for RL).</summary>
public static class ShapeCheckpoint
{
    /// <summary>The kind in the header of an ES trainer's checkpoint.</summary>
    public const string Kind = "shape-checkpoint";
    /// <summary>Layout version.</summary>
    public const int Version = 1;

    /// <summary>Writes the trainer's state atomically.</summary>
    public static void Write(string path, IShapeTrainer trainer) => StateFile.Write(path, trainer.CheckpointHeader(), trainer.Save);

    /// <summary>Restores the trainer; a checkpoint of another run is refused naming the difference.</summary>
    public static void Read(string path, IShapeTrainer trainer)
    {
        var expected = trainer.CheckpointHeader();
        using var reader = StateFile.Open(path, expected.Kind, expected.Version);
        reader.ExpectIdentity(expected.Description, expected.Identity);
        trainer.Load(reader);
        reader.ExpectEnd();
    }
}
