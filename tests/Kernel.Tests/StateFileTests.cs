using TorchSharp;
using System.Text.Json.Nodes;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Kernel.Tests;

/// <summary>The state format: round trips, and one clear line for every way a file can be wrong.</summary>
public class StateFileTests
{
    static StateHeader Header(int seeds = 2) => StateHeader.Of("ppo-checkpoint", 1, $"PPO on minatar_breakout with {seeds} seeds",
        new Dictionary<string, JsonNode?> { ["algo"] = "ppo", ["env"] = "minatar_breakout", ["seeds"] = seeds, ["lr"] = 9e-4 });

    static byte[] Sample(int seeds = 2) => StateFile.ToBytes(Header(seeds), w =>
    {
        w.Write(42);
        w.Section("weights");
        using (var start = 0.ToScalar())
        using (var stop = 12.ToScalar())
        using (var step = 1.ToScalar())
            w.WriteTensor(arange(start, stop, step, dtype: ScalarType.Float32).view(3, 4));
        w.WriteArray(new ulong[] { 1, 2, 3 });
    });

    [Fact]
    public void ATensorAndItsNeighboursRoundTrip()
    {
        using var r = StateFile.Read(Sample(), "checkpoint.bin", "ppo-checkpoint");
        Assert.Equal("PPO on minatar_breakout with 2 seeds", r.Header.Description);
        r.ExpectIdentity(Header().Description, Header().Identity);
        Assert.Equal(42, r.ReadInt32());
        r.Section("weights");
        var t = zeros(3, 4);
        r.ReadInto(t, "weights");
        Assert.Equal(Enumerable.Range(0, 12).Select(x => (float)x), t.data<float>().ToArray());
        var rng = new ulong[3];
        r.ReadArray(rng, "random streams");
        Assert.Equal(new ulong[] { 1, 2, 3 }, rng);
        r.ExpectEnd();
    }

    [Fact]
    public void ATruncatedFileSaysHowMuchWasRead()
    {
        var bytes = Sample();
        var e = Assert.Throws<InvalidDataException>(() => StateFile.Read(bytes[..100], "checkpoint.bin", "ppo-checkpoint"));
        Assert.Equal($"checkpoint.bin is truncated (read 100 of {bytes.Length} bytes)", e.Message);
        Assert.Contains("is truncated (read 5 of at least", Assert.Throws<InvalidDataException>(() => StateFile.Read(bytes[..5], "x", "ppo-checkpoint")).Message);
        Assert.Contains("is truncated (read 30 of at least", Assert.Throws<InvalidDataException>(() => StateFile.Read(bytes[..30], "x", "ppo-checkpoint")).Message);
    }

    [Fact]
    public void ACorruptedByteAnywhereInThePayloadIsCaught()
    {
        var bytes = Sample();
        for (var k = 52; k < bytes.Length; k += 7)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[k] ^= 0x10;
            Assert.Contains("is corrupted (checksum mismatch", Assert.Throws<InvalidDataException>(() => StateFile.Read(damaged, "checkpoint.bin", "ppo-checkpoint")).Message);
        }
        Assert.Contains("bytes after the end", Assert.Throws<InvalidDataException>(() => StateFile.Read(bytes.Append((byte)0).ToArray(), "c", "ppo-checkpoint")).Message);
    }

    [Fact]
    public void OtherFilesKindsAndRunsAreNamed()
    {
        Assert.Equal("notes.txt is not a Hybrid state file",
            Assert.Throws<InvalidDataException>(() => StateFile.Read("hello, this is text"u8.ToArray(), "notes.txt", "ppo-checkpoint")).Message);
        Assert.Contains("earlier Hybrid", Assert.Throws<InvalidDataException>(() => StateFile.Read("HYBRID-COLA\u0001\0\0\0"u8.ToArray(), "old.cola", "cola")).Message);
        Assert.Equal("checkpoint.bin holds a ppo-checkpoint (PPO on minatar_breakout with 2 seeds), not a cola",
            Assert.Throws<InvalidDataException>(() => StateFile.Read(Sample(), "checkpoint.bin", "cola")).Message);
        using var r = StateFile.Read(Sample(), "checkpoint.bin", "ppo-checkpoint");
        Assert.Equal("checkpoint.bin was written by PPO on minatar_breakout with 2 seeds, not PPO on minatar_breakout with 3 seeds",
            Assert.Throws<InvalidDataException>(() => r.ExpectIdentity(Header(3).Description, Header(3).Identity)).Message);
        var other = Header().Identity.DeepClone().AsObject();
        other["lr"] = 1e-3;
        Assert.Equal("checkpoint.bin was written by PPO on minatar_breakout with 2 seeds with other settings (lr 0.0009 there, 0.001 here)",
            Assert.Throws<InvalidDataException>(() => r.ExpectIdentity(Header().Description, other)).Message);
    }

    [Fact]
    public void ANestedSettingThatDiffersIsNamedAlone()
    {
        Dictionary<string, JsonNode?> Identity(int steps) => new() { ["game"] = "mp", ["settings"] = new JsonObject { ["Width"] = 16, ["Steps"] = steps } };
        var saved = StateHeader.Of("cola", 1, "COLA on mp", Identity(60));
        using var r = StateFile.Read(StateFile.ToBytes(saved, _ => { }), "mp.ckpt", "cola");
        r.ExpectIdentity("COLA on mp", new JsonObject(Identity(60)));
        Assert.Equal("mp.ckpt was written by COLA on mp with other settings (settings.Steps 60 there, 61 here)",
            Assert.Throws<InvalidDataException>(() => r.ExpectIdentity("COLA on mp", new JsonObject(Identity(61)))).Message);
    }

    [Fact]
    public void ADirectoryIsNotAStateFile()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-state-");
        try { Assert.Equal($"{dir.FullName} is a directory, not a state file", Assert.Throws<InvalidDataException>(() => StateFile.Open(dir.FullName, "cola")).Message); }
        finally { dir.Delete(); }
    }

    [Fact]
    public void ALayoutDisagreementIsMalformedNotACrash()
    {
        using var r = StateFile.Read(Sample(), "checkpoint.bin", "ppo-checkpoint");
        r.ReadInt32();
        Assert.Equal("checkpoint.bin is malformed (expected part 'adam', found 'weights')", Assert.Throws<InvalidDataException>(() => r.Section("adam")).Message);
        using var s = StateFile.Read(Sample(), "checkpoint.bin", "ppo-checkpoint");
        s.ReadInt32();
        s.Section("weights");
        Assert.Equal("checkpoint.bin: weights is Float32 [3, 4], this run needs Float32 [4, 4]", Assert.Throws<InvalidDataException>(() => s.ReadInto(zeros(4, 4), "weights")).Message);
    }

    [Fact]
    public void WritesAreAtomicAndFilesReadBack()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-state-");
        try
        {
            var path = Path.Combine(dir.FullName, "state.bin");
            StateFile.Write(path, Header(), w => w.Write(7L));
            Assert.Throws<InvalidOperationException>(() => StateFile.Write(path, Header(), _ => throw new InvalidOperationException("the writer failed")));
            using (var r = StateFile.Open(path, "ppo-checkpoint")) Assert.Equal(7L, r.ReadInt64());
            Assert.Single(Directory.GetFiles(dir.FullName));
            Assert.IsType<FileNotFoundException>(Assert.ThrowsAny<IOException>(() => StateFile.Open(Path.Combine(dir.FullName, "none.bin"), "x")));
        }
        finally { dir.Delete(true); }
    }
}
