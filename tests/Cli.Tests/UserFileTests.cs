using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>A COLA weight file and a checkpoint of one small training (Matching Pennies, alpha 10, 60 steps), made once.</summary>
public sealed class ColaFiles : IDisposable
{
    readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("hybrid-colafiles-");

    public ColaFiles()
    {
        var err = new StringWriter();
        Assert.True(CommandLine.Run(Training.Concat(new[] { "--out", Weights, "--checkpoint", Checkpoint, "--checkpoint-every", "20" }).ToArray(), new StringWriter(), err) == 0, err.ToString());
    }

    /// <summary>The training's options without --out (and without --checkpoint or --resume).</summary>
    public static string[] Training => new[] { "cola", "--game", "mp", "--alphas", "10", "--runs", "1", "--steps", "60" };

    public string Weights => Path.Combine(dir.FullName, "mp.cola");

    public string Checkpoint => Path.Combine(dir.FullName, "mp.ckpt");

    public void Dispose() => dir.Delete(true);
}

/// <summary>
/// Every file a user hands the games side of the tool (COLA weights, COLA checkpoints, points, reproduce's checkpoints)
/// may be damaged or of another kind or training: the tool says so in one line naming the file, exits with 2, and leaves
/// the file as it was.
/// </summary>
public sealed class UserFileTests(ColaFiles files) : IClassFixture<ColaFiles>, IDisposable
{
    readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("hybrid-userfiles-");

    public void Dispose() => scratch.Delete(true);

    static string Error(params string[] args)
    {
        var stderr = new StringWriter();
        var code = CommandLine.Run(args, new StringWriter(), stderr);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("hybrid:")).ToList();
        Assert.True(code == 2, $"exit code {code}: {stderr}");
        var line = Assert.Single(lines);
        Assert.StartsWith("hybrid: error: ", line);
        Assert.DoesNotContain("   at ", stderr.ToString());
        return line;
    }

    /// <summary>A copy of <paramref name="source"/> spoilt the named way: truncated, one byte flipped, emptied.</summary>
    string Spoilt(string source, string how)
    {
        var bytes = File.ReadAllBytes(source);
        var path = Path.Combine(scratch.FullName, $"{how}-{Path.GetFileName(source)}");
        switch (how)
        {
            case "truncated": File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]); break;
            case "flipped": bytes[bytes.Length / 2] ^= 0x10; File.WriteAllBytes(path, bytes); break;
            case "empty": File.WriteAllBytes(path, Array.Empty<byte>()); break;
            case "text": File.WriteAllText(path, "0.1,0.2\n-0.3,0.4\n"); break;
            case "directory": Directory.CreateDirectory(path); break;
            case "missing": break;
            default: throw new ArgumentException(how);
        }
        return path;
    }

    [Theory]
    [InlineData("truncated", "is truncated (read ")]
    [InlineData("flipped", "is corrupted (checksum mismatch")]
    [InlineData("empty", "is truncated (read 0 of at least")]
    [InlineData("text", "is not a Hybrid state file")]
    [InlineData("directory", "is a directory, not a state file")]
    [InlineData("missing", "does not exist")]
    public void ABadColaWeightFileIsOneLineNamingIt(string how, string says)
    {
        var file = Spoilt(files.Weights, how);
        Assert.StartsWith($"hybrid: error: {file} {says}", Error("learn", "--game", "mp", "--rule", "cola", "--cola-file", file, "--steps", "3"));
    }

    [Fact]
    public void AColaWeightFileOfAnotherGameNamesBothGames()
    {
        Assert.Equal($"hybrid: error: {files.Weights} holds COLA networks for mp, not chicken",
            Error("learn", "--game", "chicken", "--rule", "cola", "--cola-file", files.Weights, "--steps", "3"));
    }

    [Theory]
    [InlineData("truncated", "is truncated (read ")]
    [InlineData("flipped", "is corrupted (checksum mismatch")]
    [InlineData("text", "is not a Hybrid state file")]
    public void ABadColaCheckpointIsOneLineNamingIt(string how, string says)
    {
        var checkpoint = Spoilt(files.Checkpoint, how);
        var before = File.ReadAllBytes(checkpoint);
        var line = Error(ColaFiles.Training.Concat(new[] { "--out", Path.Combine(scratch.FullName, "out.cola"), "--checkpoint", checkpoint, "--resume" }).ToArray());
        Assert.StartsWith($"hybrid: error: {checkpoint} {says}", line);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
        Assert.False(File.Exists(Path.Combine(scratch.FullName, "out.cola")));
    }

    [Theory]
    [InlineData("--game", "chicken", "was written by COLA on mp with 1 runs (alphas 10), not COLA on chicken with 1 runs (alphas 10)")]
    [InlineData("--alphas", "5", "was written by COLA on mp with 1 runs (alphas 10), not COLA on mp with 1 runs (alphas 5)")]
    [InlineData("--steps", "61", "was written by COLA on mp with 1 runs (alphas 10) with other settings (settings.Steps 60 there, 61 here)")]
    [InlineData("--seed", "3", "was written by COLA on mp with 1 runs (alphas 10) with other settings (seeds [0] there, [3] here)")]
    public void ACheckpointOfAnotherTrainingNamesWhatDiffers(string option, string value, string says)
    {
        var args = ColaFiles.Training.ToList();
        var at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value;
        else args.AddRange(new[] { option, value });
        var line = Error(args.Concat(new[] { "--out", Path.Combine(scratch.FullName, "out.cola"), "--checkpoint", files.Checkpoint, "--resume" }).ToArray());
        Assert.Equal($"hybrid: error: {files.Checkpoint} {says}", line);
    }

    [Fact]
    public void AWeightFileIsNotACheckpoint()
    {
        var line = Error(ColaFiles.Training.Concat(new[] { "--out", Path.Combine(scratch.FullName, "out.cola"), "--checkpoint", files.Weights, "--resume" }).ToArray());
        Assert.Equal($"hybrid: error: {files.Weights} holds trained weights only, not a training checkpoint", line);
        Assert.Equal($"hybrid: error: {files.Weights} holds trained weights only, not a training checkpoint",
            Error("consistency", "--game", "mp", "--alphas", "10", "--rules", "none", "--cola", "1", "--cola-steps", "60", "--checkpoint", files.Weights, "--resume"));
    }

    [Fact]
    public void TheConsistencyTablesCheckpointIsCheckedLikeColasOwn()
    {
        Assert.StartsWith($"hybrid: error: {files.Checkpoint} was written by COLA on mp with 1 runs (alphas 10), not COLA on tandem",
            Error("consistency", "--game", "tandem", "--alphas", "10", "--rules", "none", "--cola", "1", "--cola-steps", "60", "--checkpoint", files.Checkpoint, "--resume"));
        var truncated = Spoilt(files.Checkpoint, "truncated");
        Assert.StartsWith($"hybrid: error: {truncated} is truncated",
            Error("consistency", "--game", "mp", "--alphas", "10", "--rules", "none", "--cola", "1", "--cola-steps", "60", "--checkpoint", truncated, "--resume"));
    }

    [Fact]
    public void ReproducesCheckpointIsCheckedToo()
    {
        Assert.StartsWith($"hybrid: error: {files.Checkpoint} was written by COLA on mp with 1 runs (alphas 10), not COLA on mp with 5 runs",
            Error("reproduce", "mp", "--fast", "--cola-runs", "1", "--out", scratch.FullName, "--checkpoint", files.Checkpoint, "--resume"));
        var flipped = Spoilt(files.Checkpoint, "flipped");
        Assert.StartsWith($"hybrid: error: {flipped} is corrupted",
            Error("reproduce", "mp", "--fast", "--cola-runs", "1", "--out", scratch.FullName, "--checkpoint", flipped, "--resume"));
    }

    [Fact]
    public void APointsFileOfAnotherKindNamesTheFileAndLine()
    {
        var binary = Path.Combine(scratch.FullName, "points.bin");
        File.WriteAllBytes(binary, Enumerable.Range(0, 600).Select(i => (byte)(i * 7)).ToArray());
        Assert.StartsWith($"hybrid: error: {binary}:1: ", Error("consistency", "--game", "mp", "--alphas", "1", "--points", binary));
        Assert.StartsWith($"hybrid: error: {files.Weights}:1: ", Error("consistency", "--game", "mp", "--alphas", "1", "--points", files.Weights));
        var ipdPoints = Path.Combine(scratch.FullName, "ipd.csv");
        File.WriteAllText(ipdPoints, string.Join(",", Enumerable.Repeat("0.5", 10)) + "\n");
        Assert.Equal($"hybrid: error: {ipdPoints}:1: expected 2 values for game mp (1 + 1), got 10", Error("consistency", "--game", "mp", "--alphas", "1", "--points", ipdPoints));
        Assert.Equal($"hybrid: error: {Spoilt(files.Weights, "empty")}: no points", Error("consistency", "--game", "mp", "--alphas", "1", "--points", Spoilt(files.Weights, "empty")));
        Assert.Equal($"hybrid: error: points file '{scratch.FullName}' is a directory, not a file", Error("consistency", "--game", "mp", "--alphas", "1", "--points", scratch.FullName));
    }

    [Fact]
    public void AnOutputThatIsADirectoryIsRefusedBeforeTraining()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, CommandLine.Run(ColaFiles.Training.Concat(new[] { "--out", scratch.FullName }).ToArray(), new StringWriter(), stderr));
        Assert.Equal($"hybrid: error: --out {scratch.FullName} is a directory; give a file name", stderr.ToString().Trim());
        Assert.StartsWith("hybrid: error: --checkpoint ", Error("consistency", "--game", "mp", "--alphas", "10", "--cola", "1", "--checkpoint", scratch.FullName));
    }
}
