using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Games.Catalog;
using static TorchSharp.torch;

namespace Hybrid.Games.Cola;

/// <summary>What a COLA file holds besides the tensors.</summary>
/// <param name="Game">Registry name of the game.</param>
/// <param name="Settings">Architecture and training settings.</param>
/// <param name="Alphas">Per run: look-ahead rate.</param>
/// <param name="Seeds">Per run: seed.</param>
/// <param name="Step">Training steps done.</param>
/// <param name="ParameterCount">Parameters per run.</param>
/// <param name="HasTrainingState">True for checkpoints (Adam moments and sampling streams follow the weights).</param>
public sealed record ColaFileHeader(string Game, ColaSettings Settings, double[] Alphas, long[] Seeds, int Step, int ParameterCount, bool HasTrainingState);

/// <summary>
/// Trained COLA update functions and training checkpoints in the library's state format (<see cref="StateFile"/>:
/// length, checksum, kind "cola"). The header's identity is the training (game, settings, per-run alphas and seeds);
/// the body holds the step, the weights [R, P] float64, and for checkpoints the Adam state and each run's
/// sampling-generator state and the progress history (the training curve so far). Files are replaced atomically, so a killed process leaves the old file or the new one.
/// </summary>
public static class ColaFile
{
    const string Kind = "cola";

    /// <summary>The layout version of the body written by this build.</summary>
    public const int Version = 2;

    /// <summary>Writes the trainer's weights (and with <paramref name="trainingState"/> everything needed to resume).</summary>
    public static void Write(string path, ColaTrainer trainer, bool trainingState)
    {
        StateFile.Write(path, Header(trainer.Game, trainer.Settings, trainer.Alphas, trainer.Seeds), w =>
        {
            w.Write(trainer.Step);
            w.Write(trainer.Networks.Size);
            w.Write(trainingState);
            w.Section("weights");
            w.WriteTensor(trainer.Networks.Parameters);
            if (!trainingState) return;
            trainer.Optimiser.Save(w);
            w.Section("generators");
            var states = trainer.GeneratorStates();
            w.Write(states.Length);
            foreach (var state in states) w.WriteTensor(state);
            w.Section("history");
            w.Write(trainer.History.Count);
            foreach (var (step, losses) in trainer.History)
            {
                w.Write(step);
                w.WriteArray(losses);
            }
        });
    }

    /// <summary>The header a training writes; a file to resume must carry the same identity.</summary>
    public static StateHeader Header(DifferentiableGame game, ColaSettings settings, IReadOnlyList<double> alphas, IReadOnlyList<long> seeds) =>
        StateHeader.Of(Kind, Version, $"COLA on {game.Name} with {alphas.Count} runs (alphas {string.Join(", ", alphas.Distinct().Select(a => a.ToString(System.Globalization.CultureInfo.InvariantCulture)))})",
            new Dictionary<string, JsonNode?>
            {
                ["game"] = game.Name,
                ["settings"] = JsonSerializer.SerializeToNode(settings),
                ["alphas"] = JsonSerializer.SerializeToNode(alphas.ToArray()),
                ["seeds"] = JsonSerializer.SerializeToNode(seeds.ToArray()),
            });

    /// <summary>Reads a file's header and the start of its body (step, sizes).</summary>
    public static ColaFileHeader ReadHeader(string path)
    {
        using var reader = Open(path, out var header);
        return header;
    }

    /// <summary>Reads trained networks (all runs).</summary>
    public static ColaNetworks ReadNetworks(string path, Device? device = null)
    {
        using var reader = Open(path, out var header);
        var game = GameRegistry.Create(header.Game);
        var parameters = Weights(reader, header);
        return ColaNetworks.FromParameters(game, header.Settings, parameters.to(device ?? CPU).requires_grad_(true), header.Alphas);
    }

    /// <summary>
    /// Reads a checkpoint back into a trainer that continues exactly where it stopped. With <paramref name="expected"/>
    /// (the header of the training that wants to resume) a checkpoint of another training is refused, naming what differs.
    /// </summary>
    public static ColaTrainer ReadTrainer(string path, Device? device = null, StateHeader? expected = null)
    {
        using var reader = Open(path, out var header);
        if (expected is not null) reader.ExpectIdentity(expected.Description, expected.Identity);
        if (!header.HasTrainingState) throw new InvalidDataException($"{path} holds trained weights only, not a training checkpoint");
        var runs = header.Alphas.Length;
        var trainer = ColaTrainer.Restore(GameRegistry.Create(header.Game), header.Settings, header.Alphas, header.Seeds, header.Step, Weights(reader, header), device);
        trainer.Optimiser.Load(reader);
        if (trainer.Optimiser.Steps != header.Step)
            throw new InvalidDataException($"{path} is malformed (its optimiser took {trainer.Optimiser.Steps} steps, its training {header.Step})");
        reader.Section("generators");
        var count = reader.ReadInt32();
        if (count != runs) throw new InvalidDataException($"{path} is malformed ({count} generator states for {runs} runs)");
        var states = new Tensor[runs];
        for (var r = 0; r < runs; r++)
        {
            // A generator state is a byte vector of a fixed size: read it into one of that size.
            using var fresh = new Generator(0);
            states[r] = fresh.get_state();
            reader.ReadInto(states[r], $"the generator state of run {r}");
        }
        // Version 1 checkpoints have no history: such a run resumes with the curve from the resume on.
        var history = new List<(int, double[])>();
        if (reader.Header.Version >= 2)
        {
            reader.Section("history");
            var reports = reader.Guard(reader.ReadInt32);
            if (reports < 0 || reports > header.Step + 1) throw new InvalidDataException($"{path} is malformed ({reports} progress reports for {header.Step} steps)");
            for (var i = 0; i < reports; i++)
            {
                var step = reader.Guard(reader.ReadInt32);
                var losses = new double[runs];
                reader.ReadArray(losses, $"the losses of progress report {i}");
                history.Add((step, losses));
            }
        }
        reader.ExpectEnd();
        trainer.RestoreGenerators(states);
        trainer.RestoreHistory(history);
        return trainer;
    }

    static Tensor Weights(StateReader reader, ColaFileHeader header)
    {
        reader.Section("weights");
        var parameters = zeros(header.Alphas.Length, header.ParameterCount, dtype: ScalarType.Float64);
        reader.ReadInto(parameters, "the COLA weights");
        return parameters;
    }

    static StateReader Open(string path, out ColaFileHeader header)
    {
        var reader = StateFile.Open(path, Kind, Version);
        try
        {
            var identity = reader.Header.Identity;
            var game = identity["game"]?.GetValue<string>() ?? throw new JsonException("no game");
            var settings = identity["settings"].Deserialize<ColaSettings>() ?? throw new JsonException("no settings");
            var alphas = identity["alphas"].Deserialize<double[]>() ?? throw new JsonException("no alphas");
            var seeds = identity["seeds"].Deserialize<long[]>() ?? throw new JsonException("no seeds");
            var (step, size, state) = reader.Guard(() => (reader.ReadInt32(), reader.ReadInt32(), reader.ReadBoolean()));
            if (alphas.Length != seeds.Length || alphas.Length == 0) throw new JsonException($"{alphas.Length} alphas for {seeds.Length} seeds");
            header = new ColaFileHeader(game, settings, alphas, seeds, step, size, state);
            return reader;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            reader.Dispose();
            throw new InvalidDataException($"{path} is malformed ({e.Message.Split('\n')[0]})");
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }
}

/// <summary>Where and how often a training writes its checkpoint.</summary>
/// <param name="Path">The checkpoint file (replaced atomically each time).</param>
/// <param name="Every">Steps between checkpoints.</param>
public sealed record ColaCheckpoint(string Path, int Every = 5000)
{
    /// <summary>Writes the trainer's full state.</summary>
    public void Write(ColaTrainer trainer) => ColaFile.Write(Path, trainer, trainingState: true);
}
