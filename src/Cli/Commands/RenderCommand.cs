using Hybrid.Cli.Parsing;
using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Rendering;
using Hybrid.Scaling.Training;

namespace Hybrid.Cli.Commands;

/// <summary><c>hybrid render --env E --seed S --steps T --out F.gif|F.png|F.txt [--text]</c>: pictures of a random-action episode.</summary>
public static class RenderCommand
{
    /// <summary>Accepted options.</summary>
    public static readonly string[] Options = { "env", "seed", "steps", "out", "text!", "delay" };

    /// <summary>Runs the command.</summary>
    public static int Run(Arguments args, TextWriter stdout)
    {
        var name = args.Required("env");
        var steps = args.Int("steps", 50, 0, 100_000);
        var outPath = args.Required("out");
        var extension = Path.GetExtension(outPath).ToLowerInvariant();
        if (extension is not (".gif" or ".png" or ".txt"))
            throw new UsageException($"--out must end in .gif (animation), .png (last frame) or .txt (text frames), not '{extension}'");
        EnvRegistry.Describe(name);
        var recording = EpisodeRecorder.Record(name, (ulong)args.Int("seed", 0, 0), steps);
        var bytes = extension switch
        {
            ".gif" => GifWriter.Encode(recording.Frames, args.Int("delay", 20, 1, 10_000)),
            ".png" => PngWriter.Encode(recording.Frames[^1]),
            _ => System.Text.Encoding.UTF8.GetBytes(string.Join(Environment.NewLine, recording.Texts.Select((t, k) => $"step {k}{Environment.NewLine}{t}"))),
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(outPath))!;
        Directory.CreateDirectory(directory);
        AtomicFile.Write(outPath, bytes);
        if (args.Flag("text"))
            foreach (var (text, k) in recording.Texts.Select((t, k) => (t, k))) stdout.Write($"step {k}{Environment.NewLine}{text}");
        stdout.WriteLine($"wrote {outPath} ({recording.Frames.Count} frames of {name}, {bytes.Length} bytes)");
        return 0;
    }
}
