namespace Hybrid.TestSupport;

/// <summary>Reads GIF files back for round-trip tests, written independently of the library's encoder.</summary>
public static class GifDecoder
{
    /// <summary>An independent GIF decoder (the textbook LZW reader) for round trips.</summary>
    public static List<byte[]> Decode(byte[] gif, out int width, out int height)
    {
        if (System.Text.Encoding.ASCII.GetString(gif, 0, 6) != "GIF89a") throw new InvalidDataException("not a GIF89a file");
        width = gif[6] | gif[7] << 8; height = gif[8] | gif[9] << 8;
        var p = 13 + 3 * (1 << ((gif[10] & 7) + 1));
        var frames = new List<byte[]>();
        while (gif[p] != 0x3B)
        {
            if (gif[p] == 0x21) { p += 2; while (gif[p] != 0) p += gif[p] + 1; p++; continue; }
            if (gif[p] != 0x2C) throw new InvalidDataException($"expected an image descriptor at byte {p}, found {gif[p]}");
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
}
