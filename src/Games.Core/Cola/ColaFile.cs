using System.Text;
using System.Text.Json;
using Hybrid.Games.Games;
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
/// The versioned file format of trained COLA update functions and of training checkpoints: the ASCII magic
/// "HYBRID-COLA", an int32 format version, an int32 length and a UTF-8 JSON header (<see cref="ColaFileHeader"/>),
/// then little-endian float64 weights [R, P], and for checkpoints the two Adam moments [R, P] and each run's
/// sampling-generator state (int32 length, bytes). Files are written to a temporary name and renamed, so a
/// killed process leaves either the old file or the new one.
/// </summary>
public static class ColaFile
{
    const string Magic = "HYBRID-COLA";

    /// <summary>The format version written by this build.</summary>
    public const int Version = 1;

    /// <summary>Writes the trainer's weights (and with <paramref name="trainingState"/> everything needed to resume).</summary>
    public static void Write(string path, ColaTrainer trainer, bool trainingState)
    {
        var header = new ColaFileHeader(trainer.Game.Name, trainer.Settings, trainer.Alphas, trainer.Seeds, trainer.Step,
            trainer.Networks.Size, trainingState);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(Version);
            var json = JsonSerializer.SerializeToUtf8Bytes(header);
            writer.Write(json.Length);
            writer.Write(json);
            WriteDoubles(writer, trainer.Networks.Parameters);
            if (trainingState)
            {
                WriteDoubles(writer, trainer.FirstMoment);
                WriteDoubles(writer, trainer.SecondMoment);
                foreach (var state in trainer.GeneratorStates())
                {
                    var bytes = state.data<byte>().ToArray();
                    writer.Write(bytes.Length);
                    writer.Write(bytes);
                }
            }
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a file's header only.</summary>
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
        var parameters = ReadDoubles(reader, header.Alphas.Length, header.ParameterCount, path);
        return ColaNetworks.FromParameters(game, header.Settings, parameters.to(device ?? CPU).requires_grad_(true));
    }

    /// <summary>Reads a checkpoint back into a trainer that continues exactly where it stopped.</summary>
    public static ColaTrainer ReadTrainer(string path, Device? device = null)
    {
        using var reader = Open(path, out var header);
        if (!header.HasTrainingState) throw new InvalidDataException($"{path}: holds trained weights only, not a training checkpoint");
        var runs = header.Alphas.Length;
        var parameters = ReadDoubles(reader, runs, header.ParameterCount, path);
        var m = ReadDoubles(reader, runs, header.ParameterCount, path);
        var v = ReadDoubles(reader, runs, header.ParameterCount, path);
        var states = new Tensor[runs];
        for (var r = 0; r < runs; r++)
        {
            var length = reader.ReadInt32();
            if (length <= 0 || length > 1 << 20) throw new InvalidDataException($"{path}: corrupt generator state");
            states[r] = tensor(reader.ReadBytes(length), dtype: ScalarType.Byte);
        }
        return ColaTrainer.Restore(GameRegistry.Create(header.Game), header.Settings, header.Alphas, header.Seeds, header.Step, parameters, m, v, states, device);
    }

    static BinaryReader Open(string path, out ColaFileHeader header)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"COLA file '{path}' does not exist", path);
        var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            var magic = Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
            if (magic != Magic) throw new InvalidDataException($"{path}: not a Hybrid COLA file");
            var version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{path}: format version {version}, this build reads version {Version}");
            var length = reader.ReadInt32();
            if (length <= 0 || length > 1 << 24) throw new InvalidDataException($"{path}: corrupt header");
            header = JsonSerializer.Deserialize<ColaFileHeader>(reader.ReadBytes(length))
                     ?? throw new InvalidDataException($"{path}: empty header");
            return reader;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException)
        {
            reader.Dispose();
            throw new InvalidDataException($"{path}: truncated or corrupt COLA file ({e.Message})");
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    static void WriteDoubles(BinaryWriter writer, Tensor t)
    {
        foreach (var v in t.detach().cpu().contiguous().data<double>()) writer.Write(v);
    }

    static Tensor ReadDoubles(BinaryReader reader, int runs, int size, string path)
    {
        var values = new double[(long)runs * size];
        try
        {
            for (var k = 0; k < values.Length; k++) values[k] = reader.ReadDouble();
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated COLA file");
        }
        return tensor(values, dtype: ScalarType.Float64).reshape(runs, size);
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
