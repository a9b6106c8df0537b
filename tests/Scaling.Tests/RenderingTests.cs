using Hybrid.Scaling.Catalog;
using System.Buffers.Binary;
using System.IO.Compression;
using Hybrid.TestSupport;
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

    [Theory]
    [InlineData(2, 1)]
    [InlineData(4, 2)]
    [InlineData(10, 3)]
    public void GifRoundTripsThroughAnIndependentDecoder(int colours, int seed)
    {
        var frames = Enumerable.Range(0, 3).Select(k => RandomFrame(173, 129, colours, seed * 10 + k)).ToList();
        var decoded = GifDecoder.Decode(GifWriter.Encode(frames), out var w, out var h);
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
}
