using System.Diagnostics;
using Xunit;

namespace Hybrid.Games.Tests;

/// <summary>F# scripts that reference the build output load the patched native library through TorchNative.</summary>
public class ScriptHostTests
{
    [Fact]
    public async Task AnFsiScriptReferencingTheBuildOutputRunsAGame()
    {
        var output = AppContext.BaseDirectory;
        var script = Path.Combine(Path.GetTempPath(), $"hybrid-{Guid.NewGuid():N}.fsx");
        File.WriteAllText(script, $$"""
            #r "{{Path.Combine(output, "TorchSharp.dll")}}"
            #r "{{Path.Combine(output, "Hybrid.Kernel.dll")}}"
            #r "{{Path.Combine(output, "Hybrid.Games.Core.dll")}}"
            Hybrid.Kernel.TorchNative.Load() |> ignore
            open TorchSharp
            let game = Hybrid.Games.Catalog.Tandem()
            let x = torch.tensor([| 0.25 |], dtype = torch.ScalarType.Float64).reshape(1L, 1L)
            let loss = game.Loss(0, [| x; x |])
            printfn "loss=%.4f" (loss.item<float>())
            """);
        try
        {
            var start = new ProcessStartInfo("dotnet", $"fsi --quiet --exec \"{script}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"dotnet fsi failed: {await stderr}");
            // (0.25 + 0.25)^2 - 2 * 0.25
            Assert.Contains("loss=-0.2500", await stdout);
            Assert.False(Directory.Exists(Path.Combine(output, "cpu")), "TorchSharp fell back to copying the unpatched natives");
        }
        finally { File.Delete(script); }
    }
}
