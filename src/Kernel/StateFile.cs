using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Kernel;

/// <summary>
/// What a state file says about itself: the kind of state, the version of that kind's layout, one human line naming
/// what wrote it ("PPO on minatar_breakout with 2 seeds"), and the identity a reader compares with its own before it
/// reads anything else (algorithm, environment, seeds, settings...).
/// </summary>
/// <param name="Kind">What the body holds, e.g. "ppo-checkpoint", "cola-weights", "openes".</param>
/// <param name="Version">Layout version of that kind.</param>
/// <param name="Description">One line naming the writer, used in error messages.</param>
/// <param name="Identity">A JSON object: the keys that must agree between writer and reader.</param>
public sealed record StateHeader(string Kind, int Version, string Description, JsonObject Identity)
{
    /// <summary>A header whose identity is given as key-value pairs.</summary>
    public static StateHeader Of(string kind, int version, string description, IEnumerable<KeyValuePair<string, JsonNode?>> identity) =>
        new(kind, version, description, new JsonObject(identity));
}

/// <summary>
/// The one binary format of everything the library saves: checkpoints, trained COLA functions, evolution-strategy
/// state. A file is the ASCII magic "HYBRIDSF", an int32 format version, the int64 length of the payload and its
/// SHA-256, then the payload: the <see cref="StateHeader"/> (kind, version, description, identity as JSON) and the
/// body written by the owner through a <see cref="StateWriter"/>. Files are written whole or not at all (temporary
/// file, flush, rename). A reader checks length, checksum, kind, version and identity before it returns, so a
/// truncated, corrupted or mismatched file fails with one line that names the file and the reason, never in the
/// middle of restoring a state.
/// </summary>
public static class StateFile
{
    static readonly byte[] Magic = "HYBRIDSF"u8.ToArray();

    /// <summary>The container version written by this build.</summary>
    public const int FormatVersion = 1;

    const int PrefixLength = 8 + 4 + 8 + 32;

    /// <summary>Writes a state file atomically: <paramref name="body"/> writes the owner's state after the header.</summary>
    public static void Write(string path, StateHeader header, Action<StateWriter> body) =>
        AtomicFile.Write(path, ToBytes(header, body));

    /// <summary>The bytes of a state file (for streams and tests).</summary>
    public static byte[] ToBytes(StateHeader header, Action<StateWriter> body)
    {
        using var payload = new MemoryStream();
        using (var writer = new StateWriter(payload))
        {
            writer.Write(header.Kind);
            writer.Write(header.Version);
            writer.Write(header.Description);
            writer.Write(header.Identity.ToJsonString());
            body(writer);
        }
        var bytes = payload.ToArray();
        using var file = new MemoryStream(PrefixLength + bytes.Length);
        using (var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(FormatVersion);
            w.Write((long)bytes.Length);
            w.Write(SHA256.HashData(bytes));
            w.Write(bytes);
        }
        return file.ToArray();
    }

    /// <summary>
    /// Opens a state file of kind <paramref name="kind"/> (layout versions up to <paramref name="maxVersion"/>) and
    /// checks it whole; the reader is positioned at the body. Missing, truncated, corrupted files, other kinds and newer
    /// versions throw a <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static StateReader Open(string path, string kind, int maxVersion = 1)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"{path} is a directory, not a state file");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidDataException($"{path} cannot be read ({e.Message})"); }
        return Read(data, path, kind, maxVersion);
    }

    /// <summary>Reads state file bytes; <paramref name="name"/> names them in error messages.</summary>
    public static StateReader Read(byte[] data, string name, string kind, int maxVersion = 1)
    {
        if (data.Length < Magic.Length || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            if (data.Length < Magic.Length && Magic.AsSpan(0, data.Length).SequenceEqual(data))
                throw new InvalidDataException($"{name} is truncated (read {data.Length} of at least {PrefixLength} bytes)");
            throw new InvalidDataException($"{name} is not a Hybrid state file{Legacy(data)}");
        }
        if (data.Length < PrefixLength) throw new InvalidDataException($"{name} is truncated (read {data.Length} of at least {PrefixLength} bytes)");
        var version = BitConverter.ToInt32(data, 8);
        if (version != FormatVersion)
            throw new InvalidDataException($"{name} is in state format {version}; this build reads format {FormatVersion}");
        var length = BitConverter.ToInt64(data, 12);
        if (length < 0 || length > int.MaxValue) throw new InvalidDataException($"{name} is corrupted (payload length {length})");
        var expected = PrefixLength + length;
        if (data.Length < expected) throw new InvalidDataException($"{name} is truncated (read {data.Length} of {expected} bytes)");
        if (data.Length > expected) throw new InvalidDataException($"{name} is corrupted ({data.Length - expected} bytes after the end of its payload)");
        var payload = new ReadOnlySpan<byte>(data, PrefixLength, (int)length);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(data.AsSpan(20, 32)))
            throw new InvalidDataException($"{name} is corrupted (checksum mismatch: its contents changed after it was written)");
        var reader = new StateReader(new MemoryStream(data, PrefixLength, (int)length, writable: false), name);
        try
        {
            var header = new StateHeader(reader.ReadString(), reader.ReadInt32(), reader.ReadString(),
                JsonNode.Parse(reader.ReadString()) as JsonObject ?? throw new JsonException("identity is not an object"));
            reader.Header = header;
            if (header.Kind != kind)
                throw new InvalidDataException($"{name} holds {Article(header.Kind)} ({header.Description}), not {Article(kind)}");
            if (header.Version > maxVersion)
                throw new InvalidDataException($"{name} is a {header.Kind} of layout version {header.Version}; this build reads versions up to {maxVersion}");
            return reader;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or FormatException)
        {
            reader.Dispose();
            throw new InvalidDataException($"{name} is malformed (its header cannot be read: {e.Message.Split('\n')[0]})");
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    static string Article(string kind) => (kind.Length > 0 && "aeiou".Contains(kind[0]) ? "an " : "a ") + kind;

    /// <summary>Names the formats of earlier builds, so an old file is recognised instead of called garbage.</summary>
    static string Legacy(byte[] data)
    {
        var text = Encoding.ASCII.GetString(data, 0, Math.Min(data.Length, 40));
        if (text.StartsWith("HYBRID-COLA", StringComparison.Ordinal)) return " (it is a COLA file of an earlier Hybrid, format HYBRID-COLA: train it again with this build)";
        if (text.Contains("hybrid-ppo-checkpoint", StringComparison.Ordinal)) return " (it is a PPO checkpoint of an earlier Hybrid: train again with this build)";
        return "";
    }
}

/// <summary>Writes a state body: primitives (BinaryWriter), named sections, arrays and tensors with their shapes.</summary>
public sealed class StateWriter : BinaryWriter
{
    /// <summary>Writes to <paramref name="stream"/> (left open).</summary>
    public StateWriter(Stream stream) : base(stream, Encoding.UTF8, leaveOpen: true) { }

    /// <summary>Marks the start of a named part: a reader that expects another part fails with both names.</summary>
    public void Section(string name) { Write((byte)0xA5); Write(name); }

    /// <summary>A tensor: element type, shape and values (copied to the CPU).</summary>
    /// <remarks>Not an overload of Write: TorchSharp converts numbers to tensors implicitly, and C# would pick a derived
    /// Write(Tensor) over BinaryWriter's Write(byte) for a byte.</remarks>
    public void WriteTensor(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var t = tensor.detach().cpu().contiguous();
        Write((byte)t.dtype);
        Write((int)t.dim());
        foreach (var d in t.shape) Write(d);
        var bytes = t.bytes;
        Write(bytes.Length);
        Write(bytes);
    }

    /// <summary>An array of unmanaged values with its length.</summary>
    public void WriteArray<T>(T[] values) where T : unmanaged
    {
        Write(values.Length);
        Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }
}

/// <summary>Reads a state body written by a <see cref="StateWriter"/>; every mismatch names the file and the part.</summary>
public sealed class StateReader : BinaryReader
{
    internal StateReader(Stream stream, string name) : base(stream, Encoding.UTF8, leaveOpen: false) { Name = name; }

    /// <summary>The file name used in messages.</summary>
    public string Name { get; }

    /// <summary>The header (kind, version, description, identity).</summary>
    public StateHeader Header { get; internal set; } = null!;

    /// <summary>
    /// Throws unless the file was written by a state with the same identity: the message names both sides, e.g.
    /// "checkpoint.bin was written by PPO on minatar_breakout with 2 seeds, not PPO on minatar_breakout with 3 seeds",
    /// or, when the descriptions agree, the keys whose values differ.
    /// </summary>
    public void ExpectIdentity(string description, JsonObject identity)
    {
        var differing = Differences("", Header.Identity, identity).ToList();
        if (differing.Count == 0) return;
        if (Header.Description != description)
            throw new InvalidDataException($"{Name} was written by {Header.Description}, not {description}");
        string Show(JsonNode? n) => n is null ? "(none)" : n.ToJsonString();
        var details = string.Join(", ", differing.Take(4).Select(d => $"{d.Key} {Show(d.Saved)} there, {Show(d.Wanted)} here"));
        throw new InvalidDataException($"{Name} was written by {Header.Description} with other settings ({details}{(differing.Count > 4 ? ", ..." : "")})");
    }

    // Nested objects (a whole settings record) are compared key by key, so the message names the one setting that differs.
    static IEnumerable<(string Key, JsonNode? Saved, JsonNode? Wanted)> Differences(string prefix, JsonObject saved, JsonObject wanted)
    {
        foreach (var key in saved.Select(p => p.Key).Union(wanted.Select(p => p.Key)))
        {
            var (a, b) = (saved[key], wanted[key]);
            if (a is JsonObject x && b is JsonObject y)
                foreach (var d in Differences($"{prefix}{key}.", x, y)) yield return d;
            else if (!JsonNode.DeepEquals(a, b)) yield return ($"{prefix}{key}", a, b);
        }
    }

    /// <summary>Expects the section <paramref name="name"/> to start here.</summary>
    public void Section(string name)
    {
        var found = Guard(() => ReadByte() == 0xA5 ? ReadString() : null);
        if (found != name) throw new InvalidDataException($"{Name} is malformed (expected part '{name}', found {(found is null ? "something else" : $"'{found}'")})");
    }

    /// <summary>Reads a tensor into <paramref name="target"/>, which must have its shape and element type.</summary>
    public void ReadInto(Tensor target, string what)
    {
        var (dtype, shape, bytes) = Guard(() =>
        {
            var type = (ScalarType)ReadByte();
            var rank = ReadInt32();
            if (rank is < 0 or > 16) throw new EndOfStreamException($"rank {rank}");
            var dims = new long[rank];
            for (var k = 0; k < rank; k++) dims[k] = ReadInt64();
            var length = ReadInt32();
            if (length < 0 || length > BaseStream.Length - BaseStream.Position) throw new EndOfStreamException($"{length} bytes announced");
            return (type, dims, ReadBytes(length));
        });
        if (dtype != target.dtype || !shape.SequenceEqual(target.shape))
            throw new InvalidDataException($"{Name}: {what} is {dtype} [{string.Join(", ", shape)}], this run needs {target.dtype} [{string.Join(", ", target.shape)}]");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var source = zeros(shape, dtype);
        source.bytes = bytes;
        target.copy_(source);
    }

    /// <summary>Reads an array written by <see cref="StateWriter.WriteArray{T}"/> into <paramref name="target"/> (same length).</summary>
    public void ReadArray<T>(T[] target, string what) where T : unmanaged
    {
        var length = Guard(ReadInt32);
        if (length != target.Length) throw new InvalidDataException($"{Name}: {what} holds {length} values, this run needs {target.Length}");
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(target.AsSpan());
        if (Read(bytes) != bytes.Length) throw new InvalidDataException($"{Name} is malformed (it ends inside {what})");
    }

    /// <summary>Runs a read, turning the end of the data into a one-line error.</summary>
    public T Guard<T>(Func<T> read)
    {
        try { return read(); }
        catch (EndOfStreamException e) { throw new InvalidDataException($"{Name} is malformed (it ends early: {e.Message})"); }
    }

    /// <summary>Throws unless the whole body has been read (a layout disagreement otherwise goes unnoticed).</summary>
    public void ExpectEnd()
    {
        if (BaseStream.Position != BaseStream.Length)
            throw new InvalidDataException($"{Name} is malformed ({BaseStream.Length - BaseStream.Position} unread bytes at its end)");
    }
}
