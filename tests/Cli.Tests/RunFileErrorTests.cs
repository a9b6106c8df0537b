using Hybrid.Cli;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>
/// Every file of a run directory that a user can damage (checkpoint.bin, config.json, metrics.csv, episodes.csv,
/// summary.json) gives one line <c>hybrid: error: ...</c> naming the file and the reason, and exit code 2, for
/// <c>train --resume</c> and <c>eval</c>: never a stack trace or a wrong reason.
/// </summary>
public sealed class RunFileErrorTests : IDisposable
{
    readonly DirectoryInfo root = Directory.CreateTempSubdirectory("hybrid-damaged-");
    readonly string run;

    static readonly string[] Train = { "train", "--algo", "ppo", "--env", "MPE_simple_v3", "--seeds", "2", "--steps", "256",
        "--set", "num_envs=2", "--set", "num_steps=64", "--no-tensorboard" };

    public RunFileErrorTests()
    {
        run = Path.Combine(root.FullName, "run");
        var (code, _, err) = Cli(Train.Concat(new[] { "--out", run }).ToArray());
        Assert.True(code == 0, err);
    }

    public void Dispose() => root.Delete(true);

    static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A copy of the finished run, damaged by <paramref name="damage"/>.</summary>
    string Damaged(Action<string> damage)
    {
        var copy = Path.Combine(root.FullName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(run)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        damage(copy);
        return copy;
    }

    static void OneLineError(int code, string err, string expected)
    {
        Assert.Equal(2, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("hybrid: error: ", StringComparison.Ordinal), err);
        Assert.Contains(expected, lines[0]);
    }

    (int, string, string) Resume(string dir, params string[] extra) => Cli(Train.Concat(new[] { "--out", dir, "--resume" }).Concat(extra).ToArray());

    (int, string, string) Evaluate(string dir) => Cli("eval", "--run", dir, "--episodes", "4", "--reps", "50");

    [Fact]
    public void ATruncatedCheckpointSaysHowMuchWasRead()
    {
        var length = new FileInfo(Path.Combine(run, "checkpoint.bin")).Length;
        var dir = Damaged(d => { var f = Path.Combine(d, "checkpoint.bin"); File.WriteAllBytes(f, File.ReadAllBytes(f)[..1000]); });
        var (code, _, err) = Resume(dir);
        OneLineError(code, err, $"{Path.Combine(dir, "checkpoint.bin")} is truncated (read 1000 of {length} bytes)");
        (code, _, err) = Evaluate(dir);
        OneLineError(code, err, "checkpoint.bin is truncated (read 1000 of");
    }

    [Fact]
    public void ACorruptedCheckpointFailsItsChecksum()
    {
        var dir = Damaged(d => { var f = Path.Combine(d, "checkpoint.bin"); var b = File.ReadAllBytes(f); b[b.Length / 2] ^= 0x40; File.WriteAllBytes(f, b); });
        var (code, _, err) = Resume(dir);
        OneLineError(code, err, "checkpoint.bin is corrupted (checksum mismatch");
        var text = Damaged(d => File.WriteAllText(Path.Combine(d, "checkpoint.bin"), "not a checkpoint at all"));
        (code, _, err) = Evaluate(text);
        OneLineError(code, err, "checkpoint.bin is not a Hybrid state file");
    }

    [Fact]
    public void ACheckpointOfAnotherRunNamesTheDifference()
    {
        var threeSeeds = Train.Select(a => a == "2" ? "3" : a).Concat(new[] { "--out", Damaged(_ => { }), "--resume" }).ToArray();
        var (code, _, err) = Cli(threeSeeds);
        OneLineError(code, err, "checkpoint.bin was written by PPO on MPE_simple_v3 with 2 seeds, not PPO on MPE_simple_v3 with 3 seeds");
        (code, _, err) = Resume(Damaged(_ => { }), "--set", "lr=0.001");
        OneLineError(code, err, "with other settings (config.lr 0.0005 there, 0.001 here)");
    }

    [Fact]
    public void MalformedRunFilesNameThemselves()
    {
        var (code, _, err) = Evaluate(Damaged(d => File.WriteAllText(Path.Combine(d, "config.json"), "{ \"algo\": ")));
        OneLineError(code, err, "config.json");
        (code, _, err) = Cli("eval", "--run", Damaged(d => File.WriteAllText(Path.Combine(d, "config.json"), "{ \"algo\": \"ppo\" }")), "--reps", "50");
        OneLineError(code, err, "config.json is malformed");
        (code, _, err) = Cli("eval", "--run", Damaged(d => File.AppendAllText(Path.Combine(d, "episodes.csv"), "3,x,y,z,w\n")), "--reps", "50");
        OneLineError(code, err, "episodes.csv is malformed at line");
        (code, _, err) = Cli("eval", "--run", Damaged(d => File.WriteAllText(Path.Combine(d, "summary.json"), "[1, 2]")), "--reps", "50");
        OneLineError(code, err, "summary.json is malformed");
        var html = Path.Combine(root.FullName, "curves.html");
        (code, _, err) = Cli("eval", "--run", Damaged(d => File.AppendAllText(Path.Combine(d, "metrics.csv"), "9,oops\n")), "--reps", "50", "--html", html);
        OneLineError(code, err, "metrics.csv is malformed at line");
        (code, _, err) = Cli("eval", "--run", Damaged(d => File.Delete(Path.Combine(d, "summary.json"))), "--reps", "50");
        OneLineError(code, err, "is not a finished run: summary.json is missing");
    }

    [Fact]
    public void AResumedRunRefusesMetricsOfOtherColumns()
    {
        // A run stopped after its first update (checkpointed every update), whose metrics header was then edited.
        var dir = Path.Combine(root.FullName, "partial");
        var config = Hybrid.Cli.Commands.TrainCommand.Resolve(Hybrid.Scaling.Algorithms.PpoVariant.Ppo, "MPE_simple_v3", null,
            new[] { "num_envs=2", "num_steps=64", "total_timesteps=256", "checkpoint_every=1" });
        using (var partial = new Hybrid.Scaling.Algorithms.PpoRun(dir, Hybrid.Scaling.Algorithms.PpoVariant.Ppo, "MPE_simple_v3", config, 2, resume: false, writeTensorBoard: false))
            partial.Run(stopAfter: 1);
        var f = Path.Combine(dir, "metrics.csv");
        File.WriteAllText(f, File.ReadAllText(f).Replace("actor_loss", "policy_loss"));
        // checkpoint_every does not change the numbers, so a resume may choose another.
        var (code, _, err) = Resume(dir);
        OneLineError(code, err, "metrics.csv has the columns");
    }
}
