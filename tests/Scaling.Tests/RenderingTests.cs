using Hybrid.Scaling.Catalog;
using System.Buffers.Binary;
using System.IO.Compression;
using Hybrid.Cli;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Rendering;
using Xunit;

namespace Hybrid.Scaling.Tests;

public class RenderingTests
{
    static Frame RandomFrame(int w, int h, int colours, int seed)
    {
        var frame = new Frame(w, h, Colours.Palette.Take(colours).ToArray());
        var rng = new Random(seed);
        // Runs of equal pixels and noise, so the LZW table fills, widens and restarts.
        for (var k = 0; k < frame.Pixels.Length; k++) frame.Pixels[k] = (byte)(rng.Next(8) == 0 ? rng.Next(colours) : (k / 37) % colours);
        return frame;
    }

    /// <summary>An independent GIF decoder (the textbook LZW reader) for round trips.</summary>
    static List<byte[]> DecodeGif(byte[] gif, out int width, out int height)
    {
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(gif, 0, 6));
        width = gif[6] | gif[7] << 8; height = gif[8] | gif[9] << 8;
        var p = 13 + 3 * (1 << ((gif[10] & 7) + 1));
        var frames = new List<byte[]>();
        while (gif[p] != 0x3B)
        {
            if (gif[p] == 0x21) { p += 2; while (gif[p] != 0) p += gif[p] + 1; p++; continue; }
            Assert.Equal(0x2C, gif[p]);
            p += 10;
            int minCode = gif[p++];
            var data = new List<byte>();
            while (gif[p] != 0) { data.AddRange(gif.AsSpan(p + 1, gif[p]).ToArray()); p += gif[p] + 1; }
            p++;
            int clear = 1 << minCode, end = clear + 1, width2 = minCode + 1, next = end + 1, bit = 0;
            var dict = new List<byte[]>();
            void Reset() { dict.Clear(); for (var k = 0; k < clear; k++) dict.Add(new[] { (byte)k }); dict.Add(Array.Empty<byte>()); dict.Add(Array.Empty<byte>()); width2 = minCode + 1; next = end + 1; }
            Reset();
            var output = new List<byte>();
            byte[]? previous = null;
            while (true)
            {
                var code = 0;
                for (var k = 0; k < width2; k++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << k;
                if (code == clear) { Reset(); previous = null; continue; }
                if (code == end) break;
                byte[] entry = code < dict.Count ? dict[code] : previous!.Append(previous![0]).ToArray();
                output.AddRange(entry);
                if (previous != null && next < 4096) { dict.Add(previous.Append(entry[0]).ToArray()); next++; if (next == 1 << width2 && width2 < 12) width2++; }
                previous = entry;
            }
            frames.Add(output.ToArray());
        }
        return frames;
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    [InlineData(10, 3)]
    public void GifRoundTripsThroughAnIndependentDecoder(int colours, int seed)
    {
        var frames = Enumerable.Range(0, 3).Select(k => RandomFrame(173, 129, colours, seed * 10 + k)).ToList();
        var decoded = DecodeGif(GifWriter.Encode(frames), out var w, out var h);
        Assert.Equal((173, 129), (w, h));
        Assert.Equal(3, decoded.Count);
        for (var k = 0; k < 3; k++) Assert.Equal(frames[k].Pixels, decoded[k]);
    }

    [Fact]
    public void PngHasValidChunksAndThePixels()
    {
        var frame = RandomFrame(31, 17, 10, 5);
        var png = PngWriter.Encode(frame);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        var p = 8;
        var idat = new MemoryStream();
        while (p < png.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(p));
            var type = System.Text.Encoding.ASCII.GetString(png, p + 4, 4);
            if (type == "IDAT") idat.Write(png, p + 8, length);
            p += 12 + length;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream(); z.CopyTo(raw);
        var rows = raw.ToArray();
        Assert.Equal(17 * 32, rows.Length);
        for (var y = 0; y < 17; y++)
        {
            Assert.Equal(0, rows[y * 32]);
            Assert.Equal(frame.Pixels.AsSpan(y * 31, 31).ToArray(), rows.AsSpan(y * 32 + 1, 31).ToArray());
        }
    }

    [Fact]
    public void CoinGamePictureAndTextShowWhereEverythingIs()
    {
        using var env = new CoinGame(1);
        env.Reset(0);
        env.SetPositions(0, redCell: 0, blueCell: 8, redCoinCell: 4, blueCoinCell: 4);
        var lines = env.RenderText(0).Split(Environment.NewLine);
        Assert.StartsWith("R    .    .", lines[0]);
        Assert.StartsWith(".    rb   .", lines[1]);
        Assert.StartsWith(".    .    B", lines[2]);
        var frame = env.Render(0);
        var c = CoinGame.CellPixels;
        Assert.Equal(Colours.Red, frame[(int)(0.32 * c), c / 2]);
        Assert.Equal(Colours.Blue, frame[(int)(2.68 * c), (int)(2.5 * c)]);
        Assert.Equal(Colours.LightRed, frame[(int)(1.3 * c), (int)(1.8 * c)]);
    }

    [Fact]
    public void RenderCommandWritesAnAnimationAndRejectsBadInput()
    {
        var dir = Directory.CreateTempSubdirectory("hybrid-render-");
        try
        {
            var stdout = new StringWriter(); var stderr = new StringWriter();
            var path = Path.Combine(dir.FullName, "mpe.gif");
            Assert.Equal(0, CommandLine.Run(new[] { "render", "--env", "MPE_simple_spread_v3", "--steps", "5", "--out", path }, stdout, stderr));
            Assert.Equal(6, DecodeGif(File.ReadAllBytes(path), out var w, out _).Count);
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
