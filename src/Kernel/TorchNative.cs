using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Hybrid.Build;

namespace Hybrid.Kernel;

/// <summary>
/// Makes TorchSharp's native library load on Linux systems whose libstdc++ is older than GCC 13 (Debian 12 ships
/// GCC 12), in hosts that never build: F# scripts and notebooks run with <c>dotnet fsi</c>, whether they reference
/// the Hybrid packages (<c>#r "nuget: Hybrid.Games.Core"</c>) or built DLLs.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107.0's libLibTorchSharp.so asks libstdc++ for GLIBCXX_3.4.32 for one symbol it never binds,
/// and the dynamic loader refuses the whole library on systems that lack the version. Builds patch their output
/// copy (the repository's own, and every project that references a Hybrid package, through the package's
/// buildTransitive targets). Hosts without a build load what TorchSharp finds, which is the unpatched library in
/// the NuGet cache. <see cref="Load"/> finds the libLibTorchSharp.so TorchSharp would load, writes a patched copy
/// into the user's cache (<c>$XDG_CACHE_HOME/hybrid</c>, else <c>~/.cache/hybrid</c>) when it needs one, loads the
/// libtorch libraries it depends on from their own folder and then the library by path, so that TorchSharp's own
/// lookup by name finds it already loaded.</para>
/// <para>Every Hybrid assembly calls <see cref="Load"/> from its module initializer, so code that uses a Hybrid type
/// before its first tensor needs nothing. Code that calls TorchSharp before any Hybrid type calls
/// <see cref="Load"/> first. On other systems than Linux, and where the system libstdc++ has the version, it does
/// nothing.</para>
/// </remarks>
public static class TorchNative
{
    const string LibraryName = "libLibTorchSharp.so";
    static readonly object gate = new();
    static bool settled;

    /// <summary>
    /// The libLibTorchSharp.so that <see cref="Load"/> loaded (a patched copy in the cache, or a build's patched
    /// output copy) or found already loaded; null when it left loading to TorchSharp.
    /// </summary>
    public static string? LoadedPath { get; private set; }

    /// <summary>
    /// Loads TorchSharp's native library, patched if this system needs it, unless TorchSharp can load it itself.
    /// Call it before the first TorchSharp call when that comes before any use of a Hybrid type; Hybrid's own
    /// assemblies call it when they load. Thread-safe; calls after the first return its answer.
    /// </summary>
    /// <returns>
    /// True when the library is in the process (see <see cref="LoadedPath"/>); false when loading is left to
    /// TorchSharp: on other systems than Linux, when the system libstdc++ provides GLIBCXX_3.4.32, or when no
    /// libLibTorchSharp.so was found.
    /// </returns>
    /// <exception cref="IOException">The patched copy could not be written; a later call tries again.</exception>
    /// <exception cref="DllNotFoundException">A library did not load (for instance a libtorch library it depends on
    /// was not found); a later call tries again.</exception>
    public static bool Load()
    {
        lock (gate)
        {
            if (!settled)
            {
                LoadedPath = LoadOnce();
                settled = true;
            }
            return LoadedPath != null;
        }
    }

    // Runs when the process first touches Hybrid.Kernel; Hybrid.Games.Core and Hybrid.Scaling run it from their own
    // module initializers, so the library is loaded before any Hybrid code can make a tensor.
#pragma warning disable CA2255 // A library's module initializer is the point: users should not have to call anything.
    [ModuleInitializer]
    internal static void LoadWithTheAssembly()
#pragma warning restore CA2255
    {
        try { Load(); }
        // Failing here would make every Hybrid type unusable, including those that need no tensor; TorchSharp
        // reports its own failure at the first tensor, and this line says why the fallback did not help.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            Console.Error.WriteLine($"hybrid: could not prepare TorchSharp's native library: {e.Message}");
        }
    }

    static string? LoadOnce()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var system = LibStdCxxCompat.FindSystemLibStdCxx();
        if (system == null || LibStdCxxCompat.Provides(system, LibStdCxxCompat.MissingVersion)) return null;
        var mapped = MappedLibrary();
        if (mapped != null) return mapped;

        var torchSharp = TorchSharpDirectory();
        var packages = PackagesFolder(torchSharp);
        var original = Candidates(torchSharp, packages).FirstOrDefault(File.Exists);
        if (original == null) return null;
        var library = LoadablePath(original, system, CacheRoot());
        if (library == null) return null;

        // The copy's $ORIGIN run path points into the cache, where libtorch is not: the loader finds libtorch,
        // libc10 and libtorch_cpu only because they are already loaded (it matches a needed name against the
        // sonames of loaded libraries), and so does TorchSharp's own later lookup of torch_cpu by name.
        var folders = new List<string> { Path.GetDirectoryName(original)! };
        if (packages != null && LibTorchVersion() is { } libtorch)
            folders.Add(Path.Combine(packages, $"libtorch-cpu-{Rid}", libtorch, "runtimes", Rid, "native"));
        foreach (var name in LibStdCxxCompat.NeededLibraries(original) ?? [])
        {
            var path = folders.Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists);
            if (path != null) NativeLibrary.Load(path); // system libraries (libstdc++, libc) are left to the loader
        }
        NativeLibrary.Load(library);
        return library;
    }

    /// <summary>
    /// The file to load for <paramref name="original"/>: itself when it loads as it is (a build patched it, or the
    /// system at <paramref name="systemLibStdCxx"/> has the version), a patched copy under
    /// <paramref name="cacheRoot"/> when it does not, null when it is no ELF library. The copy is keyed by the
    /// original's path, size and modification time, written whole or not at all, and reused while it is intact.
    /// </summary>
    internal static string? LoadablePath(string original, string systemLibStdCxx, string cacheRoot)
    {
        var bytes = File.ReadAllBytes(original);
        switch (LibStdCxxCompat.PatchImage(bytes, systemLibStdCxx, original))
        {
            case PatchOutcome.NotElf: return null;
            case PatchOutcome.Patched: break;
            default: return original;
        }
        var copy = CachedCopyPath(original, cacheRoot);
        if (!File.Exists(copy) || !File.ReadAllBytes(copy).AsSpan().SequenceEqual(bytes))
            AtomicFile.Write(copy, bytes);
        return copy;
    }

    /// <summary>Where <see cref="LoadablePath"/> keeps the patched copy of <paramref name="original"/>.</summary>
    internal static string CachedCopyPath(string original, string cacheRoot)
    {
        var info = new FileInfo(original);
        var identity = $"{info.FullName}\n{info.Length}\n{info.LastWriteTimeUtc.Ticks}";
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 8));
        return Path.Combine(cacheRoot, "torchsharp-native", key, LibraryName);
    }

    /// <summary>The XDG cache folder for Hybrid: <c>$XDG_CACHE_HOME/hybrid</c>, else <c>~/.cache/hybrid</c>.</summary>
    internal static string CacheRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        // The XDG specification says relative values are invalid and to be ignored.
        var root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "hybrid");
    }

    /// <summary>
    /// Where TorchSharp's libLibTorchSharp.so may be, in the order it is taken: the native folders of the app's
    /// deps.json (the runtime probes them first), next to TorchSharp.dll, Hybrid.Kernel.dll or the app and in their
    /// runtimes folders, and last TorchSharp's own fallback, the torchsharp package in the NuGet packages folder.
    /// </summary>
    internal static IEnumerable<string> Candidates(string? torchSharpDirectory, string? packagesFolder)
    {
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirectories)
            foreach (var dir in searchDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                yield return Path.Combine(dir, LibraryName);
        foreach (var dir in new[] { torchSharpDirectory, Path.GetDirectoryName(typeof(TorchNative).Assembly.Location), AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(dir)) continue;
            yield return Path.Combine(dir, LibraryName);
            yield return Path.Combine(dir, "runtimes", Rid, "native", LibraryName);
        }
        if (packagesFolder != null && TorchSharpVersion() is { } version)
            yield return Path.Combine(packagesFolder, "torchsharp", version, "runtimes", Rid, "native", LibraryName);
    }

    static string Rid => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";

    // typeof does not run TorchSharp's static constructor, which is what loads the native library.
    static Assembly TorchSharpAssembly => typeof(TorchSharp.torch).Assembly;

    static string? TorchSharpDirectory() => Path.GetDirectoryName(TorchSharpAssembly.Location);

    /// <summary>
    /// The NuGet packages folder TorchSharp itself falls back to: the one TorchSharp.dll was loaded from
    /// (<c>torchsharp/VERSION/lib/TFM/</c>, as in F# scripts), else <c>NUGET_PACKAGES</c> or <c>~/.nuget/packages</c>.
    /// </summary>
    internal static string? PackagesFolder(string? torchSharpDirectory)
    {
        var lib = torchSharpDirectory == null ? null : new DirectoryInfo(torchSharpDirectory).Parent;
        if (lib is { Name: "lib", Parent.Parent: { } package } && package.Name.Equals("torchsharp", StringComparison.OrdinalIgnoreCase))
            return package.Parent?.FullName;
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        var folder = !string.IsNullOrEmpty(configured)
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Directory.Exists(folder) ? folder : null;
    }

    static string? TorchSharpVersion() =>
        TorchSharpAssembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } v
            ? NuGetVersion(v)
            : null;

    // TorchSharp names the libtorch package version it was built against in a private constant; reading a
    // constant's value does not run the static constructor.
    static string? LibTorchVersion() =>
        typeof(TorchSharp.torch).GetField("libtorchPackageVersion", BindingFlags.NonPublic | BindingFlags.Static)?.GetRawConstantValue() is string v
            ? NuGetVersion(v)
            : null;

    /// <summary>A version as NuGet names its folder: no build metadata, no fourth part when it is 0 (2.10.0.0 is 2.10.0).</summary>
    internal static string NuGetVersion(string version)
    {
        var parts = version.Split('+')[0].Split('-', 2);
        var numbers = parts[0].Split('.');
        if (numbers.Length == 4 && numbers[3] == "0") numbers = numbers[..3];
        return string.Join('.', numbers) + (parts.Length > 1 ? "-" + parts[1] : "");
    }

    /// <summary>The path of a libLibTorchSharp.so mapped into this process, read from /proc/self/maps.</summary>
    static string? MappedLibrary()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
            if (line.EndsWith("/" + LibraryName, StringComparison.Ordinal))
                return line[line.IndexOf('/')..];
        return null;
    }
}
