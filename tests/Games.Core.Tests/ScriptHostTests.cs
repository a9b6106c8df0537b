using System.Diagnostics;
using Hybrid.Build;
using Xunit;

namespace Hybrid.Games.Tests;

/// <summary>F# scripts have no deps.json and no build step: TorchNative loads a native library that works.</summary>
public class ScriptHostTests
{
    static string Output => AppContext.BaseDirectory;

    // The Tandem loss at (0.25, 0.25): (0.25 + 0.25)^2 - 2 * 0.25.
    const string TandemLoss = """
        let game = Hybrid.Games.Catalog.Tandem()
        let x = TorchSharp.torch.tensor([| 0.25 |], dtype = TorchSharp.torch.ScalarType.Float64).reshape(1L, 1L)
        printfn "loss=%.4f" ((game.Loss(0, [| x; x |])).item<float>())
        printfn "loaded=%s" Hybrid.Kernel.TorchNative.LoadedPath
        """;

    static bool SystemLacksTheVersion =>
        OperatingSystem.IsLinux() && LibStdCxxCompat.FindSystemLibStdCxx() is { } system && !LibStdCxxCompat.Provides(system, LibStdCxxCompat.MissingVersion);

    static string References(string dir) => string.Join("\n",
        new[] { "TorchSharp.dll", "Hybrid.Kernel.dll", "Hybrid.Games.Core.dll" }.Select(f => $"#r \"{Path.Combine(dir, f)}\""));

    static async Task<string> RunScript(string text, string? cacheHome = null)
    {
        var script = Path.Combine(Path.GetTempPath(), $"hybrid-{Guid.NewGuid():N}.fsx");
        File.WriteAllText(script, text);
        try
        {
            var start = new ProcessStartInfo("dotnet", $"fsi --quiet --exec \"{script}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
            if (cacheHome != null) start.Environment["XDG_CACHE_HOME"] = cacheHome;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"dotnet fsi failed: {await stderr}");
            return await stdout;
        }
        finally { File.Delete(script); }
    }

    [Fact]
    public async Task AnFsiScriptThatStartsWithAHybridTypeNeedsNoCall()
    {
        var stdout = await RunScript($"{References(Output)}\n{TandemLoss}");
        Assert.Contains("loss=-0.2500", stdout);
        Assert.False(Directory.Exists(Path.Combine(Output, "cpu")), "TorchSharp fell back to copying the unpatched natives");
        // Hybrid's module initializer loaded the build's output copy, which the build patched: no cached copy.
        if (SystemLacksTheVersion)
            Assert.Contains($"loaded={Path.Combine(Output, "runtimes", "linux-x64", "native", "libLibTorchSharp.so")}", stdout);
    }

    [Fact]
    public async Task AnFsiScriptOnAssembliesWithoutNativesThatCallsTorchSharpFirstLoadsAPatchedCopyOfTheNuGetCachesLibrary()
    {
        if (!SystemLacksTheVersion) return; // TorchSharp's own lookup works there; TorchNative does nothing
        var dir = Directory.CreateTempSubdirectory("hybrid-script-");
        try
        {
            // Only the managed assemblies, as a notebook that copied them would have: neither the runtime nor fsi
            // finds natives next to them, so TorchNative's last resort is the torchsharp package in the NuGet cache
            // (unpatched) with its libtorch from libtorch-cpu-linux-x64.
            foreach (var file in new[] { "TorchSharp.dll", "Hybrid.Kernel.dll", "Hybrid.Games.Core.dll", "MathNet.Numerics.dll" })
                File.Copy(Path.Combine(Output, file), Path.Combine(dir.FullName, file));
            var cache = Path.Combine(dir.FullName, "xdg-cache");
            // TorchSharp before any Hybrid type: the documented explicit call.
            var stdout = await RunScript($$"""
                {{References(dir.FullName)}}
                Hybrid.Kernel.TorchNative.Load() |> ignore
                printfn "sum=%.1f" (TorchSharp.torch.ones(3L).sum().item<float32>())
                {{TandemLoss}}
                """, cache);
            Assert.Contains("sum=3.0", stdout);
            Assert.Contains("loss=-0.2500", stdout);
            Assert.Contains($"loaded={Path.Combine(cache, "hybrid", "torchsharp-native")}", stdout);
            Assert.False(Directory.Exists(Path.Combine(dir.FullName, "cpu")), "TorchSharp fell back to copying the unpatched natives");
        }
        finally { dir.Delete(true); }
    }
}
