using System.Security.Cryptography;
using Hybrid.Build;
using Xunit;

namespace Hybrid.Games.Tests;

/// <summary>The build-time rewrite of libLibTorchSharp.so's GLIBCXX_3.4.32 need (build/LibStdCxxCompat.cs).</summary>
public class NativeCompatTests
{
    static string OutputCopy => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    static string CacheOriginal
    {
        get
        {
            var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                       ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    [Fact]
    public void ElfHashAgreesWithTheHashesTheLinkerStored()
    {
        if (!OperatingSystem.IsLinux()) return;
        var stored = LibStdCxxCompat.LibStdCxxVersionHashes(CacheOriginal)!;
        Assert.True(stored.Count > 5);
        Assert.All(stored, e => Assert.Equal(e.Value, LibStdCxxCompat.ElfHash(e.Key)));
    }

    [Fact]
    public void TheOriginalNeedsTheMissingVersion()
    {
        if (!OperatingSystem.IsLinux()) return;
        Assert.True(File.Exists(CacheOriginal), $"restore should have put TorchSharp's native library at {CacheOriginal}");
        Assert.Contains(LibStdCxxCompat.MissingVersion, LibStdCxxCompat.LibStdCxxVersionsNeeded(CacheOriginal)!);
    }

    [Fact]
    public void TheNeededLibrariesAreReadFromTheDynamicSection()
    {
        if (!OperatingSystem.IsLinux()) return;
        // The libtorch libraries that the runtime fallback loads from their own folder before a cached copy.
        var needed = LibStdCxxCompat.NeededLibraries(CacheOriginal)!;
        Assert.Equal(new[] { "libtorch.so", "libc10.so", "libtorch_cpu.so", "libstdc++.so.6" }, needed.Take(4));
        Assert.Contains("libc.so.6", needed);
        var text = Path.GetTempFileName();
        try
        {
            File.WriteAllText(text, "not an ELF file");
            Assert.Null(LibStdCxxCompat.NeededLibraries(text));
        }
        finally { File.Delete(text); }
    }

    [Fact]
    public void TheBuildOutputLoadsOnThisSystem()
    {
        if (!OperatingSystem.IsLinux()) return;
        var system = LibStdCxxCompat.FindSystemLibStdCxx();
        Assert.NotNull(system);
        var needs = LibStdCxxCompat.LibStdCxxVersionsNeeded(OutputCopy)!;
        // Every version the output copy asks for exists on this machine: either the system is new enough,
        // or the build rewrote the need.
        Assert.All(needs.Where(n => n.StartsWith("GLIBCXX_", StringComparison.Ordinal)), n => Assert.True(LibStdCxxCompat.Provides(system!, n), n));
        using var t = TorchSharp.torch.ones(3, dtype: TorchSharp.torch.ScalarType.Float64);
        Assert.Equal(3.0, t.sum().item<double>());
    }

    [Fact]
    public void PatchRewritesOneEntryIsIdempotentAndLeavesTheSourceAlone()
    {
        if (!OperatingSystem.IsLinux()) return;
        var dir = Directory.CreateTempSubdirectory("hybrid-elf-");
        try
        {
            var copy = Path.Combine(dir.FullName, "libLibTorchSharp.so");
            File.Copy(CacheOriginal, copy);
            var sourceHash = SHA256.HashData(File.ReadAllBytes(CacheOriginal));
            var before = File.ReadAllBytes(copy);
            var stamp = File.GetLastWriteTimeUtc(copy);

            // A stand-in for an old system libstdc++: it provides every GLIBCXX version up to 3.4.30 only.
            var fakeSystem = Path.Combine(dir.FullName, "libstdc++.so.6");
            File.WriteAllText(fakeSystem, string.Join("\0", Enumerable.Range(0, 31).Select(i => $"GLIBCXX_3.4.{i}")) + "\0GLIBCXX_3.4\0");

            Assert.Equal(PatchOutcome.Patched, LibStdCxxCompat.Patch(copy, fakeSystem));
            var after = File.ReadAllBytes(copy);
            Assert.Equal(before.Length, after.Length);
            // Exactly the vernaux hash and name offset change: at most 8 bytes.
            Assert.InRange(before.Zip(after).Count(p => p.First != p.Second), 1, 8);
            var needs = LibStdCxxCompat.LibStdCxxVersionsNeeded(copy)!;
            Assert.DoesNotContain(LibStdCxxCompat.MissingVersion, needs);
            Assert.All(LibStdCxxCompat.LibStdCxxVersionHashes(copy)!, e => Assert.Equal(e.Value, LibStdCxxCompat.ElfHash(e.Key)));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));

            Assert.Equal(PatchOutcome.NotNeeded, LibStdCxxCompat.Patch(copy, fakeSystem));
            Assert.Equal(after, File.ReadAllBytes(copy));
            Assert.Equal(sourceHash, SHA256.HashData(File.ReadAllBytes(CacheOriginal)));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void NothingHappensWhenTheSystemProvidesTheVersion()
    {
        if (!OperatingSystem.IsLinux()) return;
        var dir = Directory.CreateTempSubdirectory("hybrid-elf-");
        try
        {
            var copy = Path.Combine(dir.FullName, "libLibTorchSharp.so");
            File.Copy(CacheOriginal, copy);
            var newSystem = Path.Combine(dir.FullName, "libstdc++.so.6");
            File.WriteAllText(newSystem, "GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0");
            var before = File.ReadAllBytes(copy);
            Assert.Equal(PatchOutcome.SystemProvidesVersion, LibStdCxxCompat.Patch(copy, newSystem));
            Assert.Equal(before, File.ReadAllBytes(copy));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void NonElfFilesAreLeftAlone()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not an ELF file");
            Assert.Equal(PatchOutcome.NotElf, LibStdCxxCompat.Patch(path, path));
        }
        finally { File.Delete(path); }
    }
}
