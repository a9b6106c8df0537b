using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Scaling.Training;

namespace Hybrid.Shaping.Training;

/// <summary>What a finished training run reports.</summary>
/// <param name="Method">shaper, mfos or gs.</param>
/// <param name="Env">The game.</param>
/// <param name="Generations">Generations done.</param>
/// <param name="FinalFitness">Mean fitness of the last generation.</param>
/// <param name="BestFitness">Best member's fitness in the last generation.</param>
/// <param name="StepsPerSecond">Meta-agent steps per second of this process.</param>
/// <param name="Evaluation">The saved agent against fresh co-players (one trial) in a matrix game.</param>
/// <param name="GridEvaluation">The same in a gridworld.</param>
public sealed record ShapeSummary(string Method, string Env, int Generations, double FinalFitness, double BestFitness, double StepsPerSecond, EvaluationResult? Evaluation,
    GridEvaluationResult? GridEvaluation = null);

/// <summary>
/// A training run's directory: config.json (every resolved setting), metrics.csv (one row per generation), checkpoint.bin
/// (ES state and the last best member; written atomically every checkpoint_every generations and at the end),
/// agent.bin (the best member of the last generation, pax's checkpoint, and the ES mean), eval.json and summary.json
/// (an evaluation trial against eval_coplayers fresh co-players). A killed run resumes from its checkpoint to the
/// same numbers as an uninterrupted one.
/// </summary>
public sealed class ShapeRun : IDisposable
{
    /// <summary>Header of metrics.csv: the game's statistics (matrix games: cc, cd, dc, dd) between the rewards and the ES schedule.</summary>
    public static string MetricsHeaderFor(IReadOnlyList<string> statNames) =>
        $"generation,fitness_mean,fitness_best,fitness_std,coplayer_reward,{string.Join(",", statNames)},sigma,lrate,seconds";

    string MetricsHeader => MetricsHeaderFor(Trainer.StatNames);

    readonly string directory;

    /// <summary>Opens <paramref name="directory"/> for <paramref name="config"/>; with <paramref name="resume"/> its checkpoint must exist and match.</summary>
    public ShapeRun(string directory, ShapeConfig config, bool resume)
    {
        this.directory = directory;
        Trainer = config.Trainer();
        try
        {
            Directory.CreateDirectory(directory);
            if (resume)
            {
                if (!File.Exists(CheckpointPath)) throw new FileNotFoundException($"--resume: no checkpoint at {CheckpointPath}", CheckpointPath);
                ShapeCheckpoint.Read(CheckpointPath, Trainer);
                TruncateMetrics(Trainer.Generation);
            }
            else
            {
                if (File.Exists(CheckpointPath)) throw new IOException($"{directory} already holds a run (checkpoint.bin); pass --resume to continue it or choose another --out");
                AtomicFile.Write(MetricsPath, MetricsHeader + "\n");
            }
            AtomicFile.Write(Path.Combine(directory, "config.json"), ConfigBinder.ToJson(config));
        }
        catch
        {
            Trainer.Dispose();
            throw;
        }
    }

    /// <summary>The trainer.</summary>
    public IShapeTrainer Trainer { get; }

    /// <summary>checkpoint.bin of the run.</summary>
    public string CheckpointPath => Path.Combine(directory, "checkpoint.bin");

    /// <summary>metrics.csv of the run.</summary>
    public string MetricsPath => Path.Combine(directory, "metrics.csv");

    /// <summary>
    /// Trains until <c>generations</c> are done (or <paramref name="stopAfter"/> more, for tests and kills), then saves the
    /// agent and evaluates it. Returns null when stopped early.
    /// </summary>
    public ShapeSummary? Run(Action<GenerationMetrics>? onGeneration = null, int? stopAfter = null)
    {
        var config = Trainer.Config;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var start = Trainer.Generation;
        var done = 0;
        while (Trainer.Generation < config.Generations && (stopAfter is null || done < stopAfter))
        {
            var m = Trainer.Step();
            done++;
            File.AppendAllText(MetricsPath, Row(m));
            onGeneration?.Invoke(m);
            if (Trainer.Generation % config.CheckpointEvery == 0 || Trainer.Generation == config.Generations) ShapeCheckpoint.Write(CheckpointPath, Trainer);
        }
        if (Trainer.Generation < config.Generations) return null;
        var seconds = clock.Elapsed.TotalSeconds;
        ShapeAgentFile.Write(AgentPath(directory), config, Trainer.Best, Trainer.Mean, Trainer.BestFitness, Trainer.Generation);
        EvaluationResult? evaluation = null;
        GridEvaluationResult? gridEvaluation = null;
        if (config.IsGrid)
        {
            gridEvaluation = GridEvaluation.Evaluate(config, Trainer.Best, config.Coplayer, config.EvalCoplayers, EvaluationSeed(config), config.EvaluationEpisodes);
            AtomicFile.Write(Path.Combine(directory, "eval.json"), JsonSerializer.Serialize(gridEvaluation, ConfigBinder.Json));
        }
        else
        {
            evaluation = ShapeEvaluation.Evaluate(config, Trainer.Best, config.Coplayer, config.EvalCoplayers, EvaluationSeed(config), config.EvaluationEpisodes);
            AtomicFile.Write(Path.Combine(directory, "eval.json"), JsonSerializer.Serialize(evaluation, ConfigBinder.Json));
        }
        var lastFitness = Trainer.Generation > 0 ? LastFitness() : double.NaN;
        var summary = new ShapeSummary(config.Method.Name(), config.Env, Trainer.Generation, lastFitness, Trainer.BestFitness,
            seconds > 0 ? (Trainer.Generation - start) * (double)Trainer.StepsPerGeneration / seconds : 0, evaluation, gridEvaluation);
        AtomicFile.Write(Path.Combine(directory, "summary.json"), JsonSerializer.Serialize(summary, ConfigBinder.Json));
        return summary;
    }

    /// <summary>The seed of the evaluation trial after training: distinct from every training generation's.</summary>
    public static ulong EvaluationSeed(ShapeConfig config) => SplitMix64.Derive((ulong)config.Seed, 0xE7A1UL);

    /// <summary>agent.bin of a run directory.</summary>
    public static string AgentPath(string directory) => Path.Combine(directory, "agent.bin");

    /// <summary>The settings a run directory was trained with.</summary>
    public static ShapeConfig ReadConfig(string directory)
    {
        var path = Path.Combine(directory, "config.json");
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"run directory {directory} does not exist");
        if (!File.Exists(path)) throw new FileNotFoundException($"{directory} is not a shaping run (no config.json)", path);
        try
        {
            var config = ConfigBinder.FromJson<ShapeConfig>(File.ReadAllText(path));
            config.Validate();
            return config;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a valid shaping configuration: {e.Message}");
        }
    }

    double LastFitness()
    {
        var last = File.ReadLines(MetricsPath).Last();
        return double.Parse(last.Split(',')[1], CultureInfo.InvariantCulture);
    }

    static string Row(GenerationMetrics m)
    {
        var inv = CultureInfo.InvariantCulture;
        return string.Create(inv, $"{m.Generation},{m.FitnessMean:R},{m.FitnessBest:R},{m.FitnessStd:R},{m.CoPlayerReward:R},{string.Join(",", m.Stats.Select(v => v.ToString("R", inv)))},{m.Sigma:R},{m.LearningRate:R},{m.Seconds:0.###}\n");
    }

    void TruncateMetrics(int generations)
    {
        var lines = File.Exists(MetricsPath) ? File.ReadAllLines(MetricsPath) : Array.Empty<string>();
        var text = new StringBuilder(MetricsHeader + "\n");
        foreach (var line in lines.Skip(1))
            if (int.TryParse(line.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) && g <= generations) text.Append(line).Append('\n');
        AtomicFile.Write(MetricsPath, text.ToString());
    }

    /// <inheritdoc/>
    public void Dispose() => Trainer.Dispose();
}

/// <summary>
/// agent.bin: a trained meta-agent (the kernel's state format, kind "shape-agent"): the best member of the last
/// generation and the ES mean, with the run's settings as identity.
/// </summary>
public static class ShapeAgentFile
{
    /// <summary>The kind in the header.</summary>
    public const string Kind = "shape-agent";
    /// <summary>Layout version.</summary>
    public const int Version = 1;

    /// <summary>Writes the agent atomically.</summary>
    public static void Write(string path, ShapeConfig config, float[] best, float[] mean, double bestFitness, int generation) =>
        StateFile.Write(path, StateHeader.Of(Kind, Version, $"{config.Method.Name()} on {config.Env}",
                new Dictionary<string, JsonNode?> { ["config"] = ShapeTrainer.Settings(config) }),
            w =>
            {
                w.Section("agent");
                w.Write(best.Length);
                w.WriteArray(best);
                w.WriteArray(mean);
                w.Write(bestFitness);
                w.Write(generation);
            });

    /// <summary>Reads the agent of a run trained with <paramref name="config"/>: (best member, ES mean).</summary>
    public static (float[] Best, float[] Mean) Read(string path, ShapeConfig config)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist (has the run finished?)", path);
        using var reader = StateFile.Open(path, Kind, Version);
        reader.ExpectIdentity($"{config.Method.Name()} on {config.Env}", new JsonObject { ["config"] = ShapeTrainer.Settings(config) });
        reader.Section("agent");
        var n = reader.Guard(reader.ReadInt32);
        var expected = config.ParameterCount();
        if (n != expected) throw new InvalidDataException($"{path}: holds {n} parameters, the configuration's agent has {expected}");
        var best = new float[n];
        var mean = new float[n];
        reader.ReadArray(best, "the best member");
        reader.ReadArray(mean, "the ES mean");
        reader.ReadDouble();
        reader.ReadInt32();
        reader.ExpectEnd();
        return (best, mean);
    }
}
