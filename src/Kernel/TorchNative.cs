using System.Reflection;
using System.Runtime.InteropServices;

namespace Hybrid.Kernel;

/// <summary>
/// Loads TorchSharp's native library from the build output for hosts that have no deps.json entry for it,
/// such as F# scripts run with <c>dotnet fsi</c> that reference <c>artifacts/bin/Release/*.dll</c>.
/// </summary>
/// <remarks>
/// TorchSharp looks for libLibTorchSharp next to TorchSharp.dll and, failing that, copies the unpatched
/// library out of the NuGet cache, which does not load on Debian 12 (README, platform notes). Loading the
/// patched output copy by path first makes TorchSharp's own lookup by name find it already in the process.
/// Applications built with <c>dotnet build</c> or <c>dotnet test</c> do not need this.
/// </remarks>
public static class TorchNative
{
    static readonly object gate = new();
    static bool loaded;

    /// <summary>
    /// Loads runtimes/&lt;rid&gt;/native/libLibTorchSharp.so from <paramref name="outputDirectory"/> (default: the folder
    /// of Hybrid.Kernel.dll). Returns false when there is nothing to load (other platforms, or no such file).
    /// Safe to call more than once.
    /// </summary>
    public static bool Load(string? outputDirectory = null)
    {
        lock (gate)
        {
            if (loaded) return true;
            if (!OperatingSystem.IsLinux()) return false;
            var dir = outputDirectory ?? Path.GetDirectoryName(typeof(TorchNative).Assembly.Location) ?? AppContext.BaseDirectory;
            var rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
            var path = Path.Combine(dir, "runtimes", rid, "native", "libLibTorchSharp.so");
            if (!File.Exists(path)) return false;
            NativeLibrary.Load(path);
            loaded = true;
            return true;
        }
    }
}
