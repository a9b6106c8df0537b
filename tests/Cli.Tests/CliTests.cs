using System.Text.Json;
using Hybrid.Cli;
using Xunit;

namespace Hybrid.Cli.Tests;

public class CliTests
{
    static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter(); var stderr = new StringWriter();
        var code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void TandemConsistencyAtAlphaOneIsExactly128And131072()
    {
        var (code, output, _) = Run("consistency", "--game", "tandem", "--alphas", "1", "--orders", "1,6", "--json");
        Assert.Equal(0, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var rules = json.RootElement.GetProperty("rules");
        Assert.Equal("tandem", json.RootElement.GetProperty("game").GetString());
        Assert.Equal(1000, json.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(1.0, rules.GetProperty("lola_exact").GetDouble() / 128, 9);
        Assert.Equal(1.0, rules.GetProperty("hola_1").GetDouble() / 128, 9);
        Assert.Equal(1.0, rules.GetProperty("hola_6").GetDouble() / 131072, 9);
        foreach (var key in new[] { "lola_taylor", "sos", "cgd", "lookahead" }) Assert.True(rules.TryGetProperty(key, out _), key);
    }

    [Fact]
    public void JsonHasOneObjectPerAlpha()
    {
        var (code, output, _) = Run("consistency", "--game", "mp", "--alphas", "1,0.5", "--orders", "2", "--samples", "20", "--json");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[] { 1.0, 0.5 }, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("alpha").GetDouble()));
    }

    [Fact]
    public void GivenPointsAreUsedExactly()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, new[] { "0.1,0.2", "-0.5,0.3" });
            var (code, output, _) = Run("consistency", "--game", "tandem", "--alphas", "0.3", "--orders", "1", "--points", file, "--json", "--rules", "none");
            Assert.Equal(0, code);
            var rules = JsonDocument.Parse(output).RootElement.GetProperty("rules");
            // Exact LOLA in Tandem is linear in s = x + y: compute its residual by hand via HOLA-2 - HOLA-1.
            var expected = new[] { 0.3, -0.2 }.Average(s => 2 * Math.Pow(HolaTandem(2, 0.3, s) - HolaTandem(1, 0.3, s), 2) / 0.09);
            Assert.Equal(expected, rules.GetProperty("lola_exact").GetDouble(), 10);
        }
        finally { File.Delete(file); }
    }

    /// <summary>
    /// --residual: LookAhead in Tandem at alpha 1 has per-point loss 2 (20 s - 16)^2 with the exact residual and 32 s^2
    /// with its stop-gradient detached (s = x + y; derivation in Games.Core.Tests' ResidualModeTests); CGD has no
    /// stop-gradient and is the same in both; the JSON names the convention.
    /// </summary>
    [Fact]
    public void ResidualConventionIsAnOptionAndInTheJson()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, new[] { "0.1,0.2", "-0.5,0.3" });
            JsonElement Json(params string[] extra)
            {
                var (code, output, _) = Run(new[] { "consistency", "--game", "tandem", "--alphas", "1", "--orders", "1", "--points", file,
                    "--rules", "lookahead,cgd", "--json" }.Concat(extra).ToArray());
                Assert.Equal(0, code);
                return JsonDocument.Parse(output).RootElement.Clone();
            }
            var s = new[] { 0.3, -0.2 };
            var byDefault = Json();
            var exact = Json("--residual", "exact");
            var stop = Json("--residual", "stopgrad");
            Assert.Equal("exact", byDefault.GetProperty("residual").GetString());
            Assert.Equal("exact", exact.GetProperty("residual").GetString());
            Assert.Equal("stopgrad", stop.GetProperty("residual").GetString());
            double Rule(JsonElement json, string name) => json.GetProperty("rules").GetProperty(name).GetDouble();
            Assert.Equal(s.Average(v => 2 * Math.Pow(20 * v - 16, 2)), Rule(byDefault, "lookahead"), 9);
            Assert.Equal(Rule(byDefault, "lookahead"), Rule(exact, "lookahead"));
            Assert.Equal(s.Average(v => 32 * v * v), Rule(stop, "lookahead"), 9);
            Assert.Equal(Rule(exact, "cgd"), Rule(stop, "cgd"));
            var (_, text, _) = Run("consistency", "--game", "tandem", "--alphas", "1", "--orders", "1", "--points", file, "--residual", "stopgrad");
            Assert.Contains("stopgrad residual", text);
        }
        finally { File.Delete(file); }
    }

    /// <summary>Exact HOLA-n in Tandem from the recursion h^{k+1} = -2 alpha ((1 + dh/dx)(s + h^k) - 1), dh/dx = c^k.</summary>
    static double HolaTandem(int n, double alpha, double s)
    {
        double h = 0, slope = 0;
        for (var k = 0; k <= n; k++)
        {
            (h, slope) = (-2 * alpha * ((1 + slope) * (s + h) - 1), -2 * alpha * (1 + slope) * (1 + slope));
        }
        return h;
    }

    [Theory]
    [InlineData("consistency", "--game", "poker", "--alphas", "1")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "0")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "-1")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "NaN")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "1,,2")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "1", "--orders", "x")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "1", "--points", "/nonexistent/points.csv")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "1", "--bogus", "3")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "1", "--residual", "detach")]
    [InlineData("consistency", "--game", "tandem", "--alphas", "1", "--residual")]
    [InlineData("learn", "--game", "tandem", "--rule", "lola", "--alpha", "1", "--steps", "3")]
    [InlineData("learn", "--game", "tandem", "--rule", "naive", "--alpha", "1")]
    [InlineData("learn", "--game", "tandem", "--rule", "naive", "--alpha", "inf", "--steps", "3")]
    [InlineData("reproduce", "poker")]
    [InlineData("frobnicate")]
    public void BadInputIsOneLineAndExitCodeTwo(params string[] args)
    {
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hybrid: error: ", line);
    }

    [Theory]
    [InlineData("0.1,abc")]
    [InlineData("0.1,NaN")]
    [InlineData("0.1,0.2,0.3")]
    public void MalformedPointFilesAreRejected(string row)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(file, new[] { "0.1,0.2", row });
            var (code, _, err) = Run("consistency", "--game", "tandem", "--alphas", "1", "--points", file);
            Assert.Equal(2, code);
            Assert.Contains(":2:", err);
        }
        finally { File.Delete(file); }
    }

    /// <summary>The real process: it re-runs itself with the native settings and passes output and exit code through.</summary>
    [Fact]
    public async Task TheExecutablePassesOutputAndExitCodesThrough()
    {
        async Task<(int Code, string Out, string Err)> Exec(params string[] args)
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hybrid.dll"));
            foreach (var a in args) start.ArgumentList.Add(a);
            start.Environment.Remove("HYBRID_NO_RERUN");
            start.Environment.Remove("OMP_NUM_THREADS");
            start.Environment.Remove("GLIBC_TUNABLES");
            using var p = System.Diagnostics.Process.Start(start)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            return (p.ExitCode, await stdout, await stderr);
        }
        var (code, output, _) = await Exec("consistency", "--game", "tandem", "--alphas", "1", "--orders", "1", "--rules", "none", "--json");
        Assert.Equal(0, code);
        Assert.Equal(128, JsonDocument.Parse(output).RootElement.GetProperty("rules").GetProperty("lola_exact").GetDouble(), 9);
        var (bad, _, err) = await Exec("consistency", "--game", "poker", "--alphas", "1");
        Assert.Equal(2, bad);
        Assert.StartsWith("hybrid: error: unknown game 'poker'", Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void ColaColumnAndCosinesAreInTheJson()
    {
        var (code, output, _) = Run("consistency", "--game", "tandem", "--alphas", "1,0.1", "--orders", "1,3", "--cola", "2", "--cola-steps", "800", "--rules", "none", "--json");
        Assert.Equal(0, code);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var cola = root.GetProperty("cola");
            Assert.True(cola.GetProperty("mean").GetDouble() < root.GetProperty("rules").GetProperty("hola_3").GetDouble() || root.GetProperty("alpha").GetDouble() < 1);
            Assert.Equal(2, cola.GetProperty("runs").GetArrayLength());
            var cosine = root.GetProperty("cosine");
            foreach (var key in new[] { "lola_exact", "hola_1", "hola_3" }) Assert.InRange(cosine.GetProperty(key).GetDouble(), -1.0, 1.0);
        }
    }

    [Fact]
    public void SavedColaPairsDriveLearningRuns()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-colacli-");
        try
        {
            var file = Path.Combine(dir.FullName, "mp.cola");
            var (code, output, _) = Run("cola", "--game", "mp", "--alphas", "10", "--runs", "2", "--steps", "1500", "--out", file, "--json");
            Assert.Equal(0, code);
            Assert.Equal(2, JsonDocument.Parse(output).RootElement.GetProperty("last_batch_loss").GetArrayLength());
            (code, output, _) = Run("learn", "--game", "mp", "--rule", "cola", "--cola-file", file, "--cola-run", "1", "--alpha", "10", "--steps", "50", "--seeds", "2", "--json");
            Assert.Equal(0, code);
            Assert.Equal("cola", JsonDocument.Parse(output).RootElement.GetProperty("rule").GetString());
            Assert.Equal(2, Run("learn", "--game", "mp", "--rule", "cola", "--cola-file", file, "--alpha", "1", "--steps", "5").Code);   // wrong alpha
            Assert.Equal(2, Run("learn", "--game", "chicken", "--rule", "cola", "--cola-file", file, "--steps", "5").Code);             // wrong game
            Assert.Equal(2, Run("learn", "--game", "mp", "--rule", "cola", "--alpha", "10", "--steps", "5").Code);                      // no file
            Assert.Equal(2, Run("learn", "--game", "mp", "--rule", "cola", "--cola-file", file, "--cola-run", "5", "--steps", "5").Code);
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData("--cola-steps", "10")]
    [InlineData("--resume")]
    [InlineData("--cola", "0")]
    public void ColaOptionsAreChecked(params string[] extra)
    {
        var (code, _, err) = Run(new[] { "consistency", "--game", "tandem", "--alphas", "1" }.Concat(extra).ToArray());
        Assert.Equal(2, code);
        Assert.StartsWith("hybrid: error: ", err);
    }

    /// <summary>Kill a COLA training after a checkpoint, resume it, and get the uninterrupted numbers.</summary>
    [Fact]
    public async Task KilledColaTrainingResumesToTheUninterruptedResult()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-resume-");
        try
        {
            var common = new[] { "consistency", "--game", "tandem", "--alphas", "1", "--orders", "1", "--rules", "none", "--json",
                "--cola", "2", "--cola-steps", "20000" };
            var (code, expected, _) = Run(common);
            Assert.Equal(0, code);

            var checkpoint = Path.Combine(dir.FullName, "cola.ckpt");
            var withCheckpoint = common.Concat(new[] { "--checkpoint", checkpoint, "--checkpoint-every", "1500" }).ToArray();
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hybrid.dll"));
            foreach (var a in withCheckpoint) start.ArgumentList.Add(a);
            start.Environment["HYBRID_NO_RERUN"] = "1";
            using (var process = System.Diagnostics.Process.Start(start)!)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (!(File.Exists(checkpoint) && Hybrid.Games.Cola.ColaFile.ReadHeader(checkpoint).Step >= 3000))
                {
                    Assert.False(process.HasExited, "the training finished before it could be killed");
                    Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no checkpoint appeared");
                    await Task.Delay(50);
                }
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            var stopped = Hybrid.Games.Cola.ColaFile.ReadHeader(checkpoint).Step;
            Assert.InRange(stopped, 3000, 19999);
            var (resumedCode, resumed, _) = Run(withCheckpoint.Append("--resume").ToArray());
            Assert.Equal(0, resumedCode);
            Assert.Equal(expected, resumed);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void LearnReportsOutcomesPerSeed()
    {
        var (code, output, _) = Run("learn", "--game", "hamiltonian", "--rule", "lola_taylor", "--alpha", "1.5", "--steps", "100", "--seeds", "3", "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        Assert.All(root.GetProperty("outcome").EnumerateArray(), o => Assert.Equal("diverged", o.GetString()));
        Assert.Equal(3, root.GetProperty("final_losses").GetArrayLength());
        (code, output, _) = Run("learn", "--game", "tandem", "--rule", "cgd", "--alpha", "0.1", "--steps", "300", "--seeds", "2", "--init-std", "0.1");
        Assert.Equal(0, code);
        Assert.Contains("2 converged", output);
    }

    [Fact]
    public void ReproduceTandemWritesReportAndResults()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-repro-");
        try
        {
            var (code, output, _) = Run("reproduce", "tandem", "--out", dir.FullName, "--fast");
            Assert.Equal(0, code);
            Assert.Contains("| 1 | 128 | **128 ± 0** |", output);
            Assert.Contains("- [holds] (table 1a) the LOLA column is reproduced (the printed value lies within our spread over sampling seeds): 5 of 5 cells.", output);
            Assert.Contains("- [holds] (appendix A.1)", output);
            var report = File.ReadAllText(Path.Combine(dir.FullName, "tandem", "report.md"));
            Assert.Contains("Claims", report);
            Assert.Contains("## Consistency table with COLA", report);
            Assert.Contains("## Differences from the printed tables", report);
            Assert.Contains("| 1 | cola |", report);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "tandem", "results.json")));
            Assert.Equal(5, json.RootElement.GetProperty("rows").GetArrayLength());
            AssertStandaloneCharts(Path.Combine(dir.FullName, "tandem"), "learning-curves.html", "cola-training.html", "gradient-fields.html");
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void ReproduceAGameWritesReportResultsAndStandaloneCharts()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-repro-");
        try
        {
            var (code, output, err) = Run("reproduce", "chicken", "--out", dir.FullName, "--fast", "--cola-runs", "1", "--cola-steps", "100");
            Assert.True(code == 0, err);
            var game = Path.Combine(dir.FullName, "chicken");
            var report = File.ReadAllText(Path.Combine(game, "report.md"));
            Assert.Equal(output.Split("\nwrote ")[0].TrimEnd(), report.TrimEnd());
            Assert.Contains("**Fast mode**", report);
            Assert.Contains("| 0.5 | lola_taylor |", report);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(game, "results.json")));
            var root = json.RootElement;
            // Table rows 1, 0.5, 0.1, 0.05, 0.01 plus the outcome rate 0.04 that COLA is also trained at.
            Assert.Equal(6, root.GetProperty("rows").GetArrayLength());
            Assert.Equal(12, root.GetProperty("outcomes").GetArrayLength());
            var claims = root.GetProperty("claims").EnumerateArray().ToList();
            Assert.Equal(Hybrid.Games.Reproduction.Studies.Chicken.Claims.Count, claims.Count);
            Assert.All(claims, c => Assert.False(string.IsNullOrWhiteSpace(c.GetProperty("detail").GetString())));
            Assert.Contains($"{claims.Count(c => c.GetProperty("holds").GetBoolean())} of {claims.Count} claims hold", report);
            AssertStandaloneCharts(game, "learning-curves.html", "cola-training.html", "gradient-fields.html");
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void ReproduceUnknownGameNamesTheAvailableOnes()
    {
        var (code, _, err) = Run("reproduce", "poker", "--fast");
        Assert.Equal(2, code);
        Assert.Contains("unknown reproduction target 'poker'", err);
        Assert.Contains("tandem, hamiltonian, balduzzi, mp, ultimatum, chicken, ipd, all, tables", err);
    }

    static void AssertStandaloneCharts(string directory, params string[] files)
    {
        foreach (var file in files)
        {
            var html = File.ReadAllText(Path.Combine(directory, file));
            // plotly.js is embedded (no <script src=...cdn...>), and the chart's data is in the page.
            Assert.DoesNotContain("<script src=\"https://cdn.plot.ly", html);
            Assert.True(html.Length > 1_000_000, $"{file} does not embed plotly.js ({html.Length} characters)");
            Assert.Contains("\"type\":\"scatter\"", html);
        }
    }
}
