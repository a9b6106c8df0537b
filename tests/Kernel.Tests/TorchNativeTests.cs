using Hybrid.Build;
using Xunit;

namespace Hybrid.Kernel.Tests;

/// <summary>The runtime fallback for hosts that never build: a patched copy of libLibTorchSharp.so in the user's cache.</summary>
public class TorchNativeTests
{
    // TorchSharp's own library as restore put it into the NuGet cache: it needs GLIBCXX_3.4.32.
    static string NuGetOriginal => Path.Combine(TorchNative.PackagesFolder(null)!, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    // Stand-ins for a system libstdc++: only the version strings matter to the patch.
    static string FakeLibStdCxx(string dir, int newest)
    {
        var path = Path.Combine(dir, $"libstdc++-{newest}.so.6");
        File.WriteAllText(path, string.Join("\0", Enumerable.Range(0, newest + 1).Select(i => $"GLIBCXX_3.4.{i}")) + "\0GLIBCXX_3.4\0");
        return path;
    }

    static void InTempDirectory(Action<string> test)
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-native-");
        try { test(dir.FullName); }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void AnOldSystemGetsAPatchedCopyInTheCacheAndTheOriginalStaysAsItIs() => InTempDirectory(dir =>
    {
        if (!OperatingSystem.IsLinux()) return;
        var original = Path.Combine(dir, "app", "libLibTorchSharp.so");
        Directory.CreateDirectory(Path.GetDirectoryName(original)!);
        File.Copy(NuGetOriginal, original);
        var before = File.ReadAllBytes(original);
        var cache = Path.Combine(dir, "cache");

        var copy = TorchNative.LoadablePath(original, FakeLibStdCxx(dir, 30), cache)!;

        Assert.StartsWith(cache + Path.DirectorySeparatorChar, copy);
        Assert.Equal("libLibTorchSharp.so", Path.GetFileName(copy));
        Assert.DoesNotContain(LibStdCxxCompat.MissingVersion, LibStdCxxCompat.LibStdCxxVersionsNeeded(copy)!);
        Assert.All(LibStdCxxCompat.LibStdCxxVersionHashes(copy)!, e => Assert.Equal(e.Value, LibStdCxxCompat.ElfHash(e.Key)));
        Assert.Equal(before, File.ReadAllBytes(original));
        // Nothing but the copy is left in the cache: no temporary file of the atomic write.
        Assert.Equal(new[] { copy }, Directory.GetFiles(cache, "*", SearchOption.AllDirectories));
    });

    [Fact]
    public void TheCachedCopyIsReusedWhileIntactAndRewrittenWhenNot() => InTempDirectory(dir =>
    {
        if (!OperatingSystem.IsLinux()) return;
        var original = Path.Combine(dir, "libLibTorchSharp.so");
        File.Copy(NuGetOriginal, original);
        var system = FakeLibStdCxx(dir, 30);
        var cache = Path.Combine(dir, "cache");
        var copy = TorchNative.LoadablePath(original, system, cache)!;
        var patched = File.ReadAllBytes(copy);

        var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(copy, old);
        Assert.Equal(copy, TorchNative.LoadablePath(original, system, cache));
        Assert.Equal(old, File.GetLastWriteTimeUtc(copy));

        File.WriteAllBytes(copy, patched[..1000]);
        Assert.Equal(copy, TorchNative.LoadablePath(original, system, cache));
        Assert.Equal(patched, File.ReadAllBytes(copy));
    });

    [Fact]
    public void TheCopyIsKeyedByTheOriginalsPathSizeAndTime() => InTempDirectory(dir =>
    {
        var time = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var cache = Path.Combine(dir, "cache");
        string Key(string name, string content, DateTime stamp)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllText(path, content);
            File.SetLastWriteTimeUtc(path, stamp);
            return TorchNative.CachedCopyPath(path, cache);
        }
        var first = Key("libLibTorchSharp.so", "one", time);
        Assert.Equal(first, Key("libLibTorchSharp.so", "one", time));
        Assert.NotEqual(first, Key("libLibTorchSharp.so", "one", time.AddSeconds(1)));
        Assert.NotEqual(first, Key("libLibTorchSharp.so", "three", time));
        Assert.NotEqual(first, Key("elsewhere.so", "one", time));
    });

    [Fact]
    public void LibrariesThatLoadAsTheyAreAreUsedInPlaceAndNothingIsCached() => InTempDirectory(dir =>
    {
        if (!OperatingSystem.IsLinux()) return;
        var original = Path.Combine(dir, "libLibTorchSharp.so");
        File.Copy(NuGetOriginal, original);
        var cache = Path.Combine(dir, "cache");

        // A system with GCC 13's libstdc++: the library loads as it is.
        Assert.Equal(original, TorchNative.LoadablePath(original, FakeLibStdCxx(dir, 32), cache));
        // A build already patched it.
        Assert.Equal(PatchOutcome.Patched, LibStdCxxCompat.Patch(original, FakeLibStdCxx(dir, 30)));
        Assert.Equal(original, TorchNative.LoadablePath(original, FakeLibStdCxx(dir, 30), cache));
        Assert.False(Directory.Exists(cache));

        var text = Path.Combine(dir, "not-elf.so");
        File.WriteAllText(text, "not an ELF file");
        Assert.Null(TorchNative.LoadablePath(text, FakeLibStdCxx(dir, 30), cache));
    });

    [Fact]
    public void TheCacheFollowsXdgAndTorchSharpsPackagesFolderIsFoundFromItsLocation()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(string.IsNullOrEmpty(xdg) || !Path.IsPathRooted(xdg) ? Path.Combine(home, ".cache") : xdg, "hybrid"), TorchNative.CacheRoot());
        var packages = Path.Combine(Path.GetTempPath(), "some", "packages");
        Assert.Equal(packages, TorchNative.PackagesFolder(Path.Combine(packages, "torchsharp", "0.107.0", "lib", "net8.0")));
        Assert.Equal("2.10.0", TorchNative.NuGetVersion("2.10.0.0"));
        Assert.Equal("0.107.0", TorchNative.NuGetVersion("0.107.0+0a1b2c"));
        Assert.Equal("1.2.3.4-beta", TorchNative.NuGetVersion("1.2.3.4-beta+sha"));
    }

    [Fact]
    public void TheRepositorysTestsLoadTheBuildsPatchedOutputCopyNotACachedOne()
    {
        var loaded = TorchNative.Load();
        if (!OperatingSystem.IsLinux() || LibStdCxxCompat.FindSystemLibStdCxx() is not { } system || LibStdCxxCompat.Provides(system, LibStdCxxCompat.MissingVersion))
        {
            Assert.False(loaded);
            Assert.Null(TorchNative.LoadedPath);
            return;
        }
        Assert.True(loaded);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), TorchNative.LoadedPath);
        Assert.True(TorchNative.Load());
        using var t = TorchSharp.torch.ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }
}
