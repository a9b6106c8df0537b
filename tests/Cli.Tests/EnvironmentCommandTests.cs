using Hybrid.TestSupport;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>render and bench envs.</summary>
public class EnvironmentCommandTests
{
    [Fact]
    public void RenderCommandWritesAnAnimationAndRejectsBadInput()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-render-");
        try
        {
            var stdout = new StringWriter(); var stderr = new StringWriter();
            var path = Path.Combine(dir.FullName, "mpe.gif");
            Assert.Equal(0, CommandLine.Run(new[] { "render", "--env", "MPE_simple_spread_v3", "--steps", "5", "--out", path }, stdout, stderr));
            Assert.Equal(6, GifDecoder.Decode(File.ReadAllBytes(path), out var w, out _).Count);
            Assert.Equal(Hybrid.Scaling.Environments.Mpe.MpeEnv.RenderPixels, w);
            Assert.Equal(2, CommandLine.Run(new[] { "render", "--env", "ipd", "--out", path }, stdout, stderr));
            Assert.Contains("ipd cannot be rendered", stderr.ToString());
            Assert.Equal(2, CommandLine.Run(new[] { "render", "--env", "coin_game", "--out", Path.Combine(dir.FullName, "x.bmp") }, stdout, stderr));
            Assert.Equal(2, CommandLine.Run(new[] { "render", "--env", "nope", "--out", path }, stdout, stderr));
            Assert.Contains("unknown environment 'nope'", stderr.ToString());
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void BenchEnvsPrintsOneJsonObjectPerPoint()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CommandLine.Run(new[] { "bench", "envs", "--env", "coin_game,switch_riddle", "--num-envs", "1,50", "--steps", "30", "--json" }, stdout, new StringWriter()));
        var lines = stdout.ToString().Trim().Split('\n');
        Assert.Equal(4, lines.Length);
        using var doc = System.Text.Json.JsonDocument.Parse(lines[3]);
        Assert.Equal("switch_riddle", doc.RootElement.GetProperty("env").GetString());
        Assert.Equal(50, doc.RootElement.GetProperty("num_envs").GetInt32());
        Assert.True(doc.RootElement.GetProperty("steps_per_second").GetDouble() > 0);
    }
    /// <summary>The real tool measures each of several environments in its own child process and prints their points in order.</summary>
    [Fact]
    public async Task BenchEnvsMeasuresEachEnvironmentInItsOwnProcess()
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hybrid.dll"));
        foreach (var a in new[] { "bench", "envs", "--env", "ipd,MPE_simple_v3", "--num-envs", "1,20", "--steps", "10", "--json" }) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await stderr);
        var points = (await stdout).Trim().Split('\n').Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(new[] { "ipd", "ipd", "MPE_simple_v3", "MPE_simple_v3" }, points.Select(p => p.GetProperty("env").GetString()));
        Assert.Equal(new[] { 1, 20, 1, 20 }, points.Select(p => p.GetProperty("num_envs").GetInt32()));
        foreach (var p in points)
        {
            // The rate is the child's own measurement: environment steps over the seconds it timed.
            var expected = p.GetProperty("num_envs").GetDouble() * p.GetProperty("steps").GetInt32() * p.GetProperty("repetitions").GetInt32() / p.GetProperty("seconds").GetDouble();
            Assert.Equal(expected, p.GetProperty("steps_per_second").GetDouble(), expected * 1e-12);
            Assert.True(p.GetProperty("seconds").GetDouble() >= 0.2);
        }
    }
}
