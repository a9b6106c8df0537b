namespace Hybrid.Scaling.Rendering;

/// <summary>
/// Writes frames of one size and palette as a looping animated GIF89a (global colour table, LZW-compressed
/// frames, a fixed delay per frame).
/// </summary>
public static class GifWriter
{
    /// <summary>Encodes the frames; <paramref name="delayHundredths"/> is each frame's display time in 1/100 s.</summary>
    public static byte[] Encode(IReadOnlyList<Frame> frames, int delayHundredths = 20)
    {
        if (frames.Count == 0) throw new ArgumentException("an animation needs at least one frame", nameof(frames));
        var first = frames[0];
        if (frames.Any(f => f.Width != first.Width || f.Height != first.Height || !f.Palette.SequenceEqual(first.Palette)))
            throw new ArgumentException("all frames need the same size and palette", nameof(frames));
        // Global colour table of 2^bits entries, padded with black.
        var bits = 1;
        while ((1 << bits) < first.Palette.Count) bits++;
        using var s = new MemoryStream();
        void Word(int v) { s.WriteByte((byte)v); s.WriteByte((byte)(v >> 8)); }
        s.Write("GIF89a"u8);
        Word(first.Width); Word(first.Height);
        s.WriteByte((byte)(0x80 | (bits - 1) << 4 | (bits - 1)));
        s.WriteByte(0); s.WriteByte(0);
        for (var k = 0; k < 1 << bits; k++)
        {
            var c = k < first.Palette.Count ? first.Palette[k] : default;
            s.WriteByte(c.R); s.WriteByte(c.G); s.WriteByte(c.B);
        }
        // Netscape loop extension: loop forever.
        s.Write(new byte[] { 0x21, 0xFF, 0x0B }); s.Write("NETSCAPE2.0"u8); s.Write(new byte[] { 0x03, 0x01, 0x00, 0x00, 0x00 });
        foreach (var frame in frames)
        {
            s.Write(new byte[] { 0x21, 0xF9, 0x04, 0x00 }); Word(delayHundredths); s.Write(new byte[] { 0x00, 0x00 });
            s.WriteByte(0x2C); Word(0); Word(0); Word(frame.Width); Word(frame.Height); s.WriteByte(0);
            var minCode = Math.Max(2, bits);
            s.WriteByte((byte)minCode);
            var data = Lzw(frame.Pixels, minCode);
            for (var k = 0; k < data.Length; k += 255)
            {
                var n = Math.Min(255, data.Length - k);
                s.WriteByte((byte)n);
                s.Write(data, k, n);
            }
            s.WriteByte(0);
        }
        s.WriteByte(0x3B);
        return s.ToArray();
    }

    /// <summary>GIF's variable-width LZW with clear and end codes; the table restarts when it reaches 4096 codes.</summary>
    static byte[] Lzw(byte[] pixels, int minCode)
    {
        var clear = 1 << minCode;
        var end = clear + 1;
        var output = new List<byte>();
        int buffer = 0, filled = 0;
        void Emit(int code, int width)
        {
            buffer |= code << filled;
            filled += width;
            while (filled >= 8) { output.Add((byte)buffer); buffer >>= 8; filled -= 8; }
        }
        var table = new Dictionary<int, int>();
        int next = end + 1, width = minCode + 1;
        Emit(clear, width);
        var prefix = (int)pixels[0];
        for (var i = 1; i < pixels.Length; i++)
        {
            var key = prefix << 8 | pixels[i];
            if (table.TryGetValue(key, out var code)) { prefix = code; continue; }
            Emit(prefix, width);
            if (next < 4096)
            {
                table[key] = next++;
                if (next > 1 << width && width < 12) width++;
            }
            else
            {
                Emit(clear, width);
                table.Clear();
                next = end + 1;
                width = minCode + 1;
            }
            prefix = pixels[i];
        }
        Emit(prefix, width);
        // The decoder adds one more entry on reading the last code and may widen before the end code: mirror it.
        if (next >= 1 << width && width < 12) width++;
        Emit(end, width);
        if (filled > 0) output.Add((byte)buffer);
        return output.ToArray();
    }
}
