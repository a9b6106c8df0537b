using System.Buffers.Binary;
using System.IO.Compression;

namespace Hybrid.Scaling.Rendering;

/// <summary>Writes a <see cref="Frame"/> as an 8-bit palette PNG (zlib from the base library, CRC-32 here).</summary>
public static class PngWriter
{
    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>Encodes the frame.</summary>
    public static byte[] Encode(Frame frame)
    {
        using var output = new MemoryStream();
        output.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, frame.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), frame.Height);
        header[8] = 8; header[9] = 3; // 8-bit palette indices
        Chunk(output, "IHDR", header);
        Chunk(output, "PLTE", frame.Palette.SelectMany(c => new[] { c.R, c.G, c.B }).ToArray());
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
                for (var y = 0; y < frame.Height; y++)
                {
                    z.WriteByte(0); // filter: none
                    z.Write(frame.Pixels, y * frame.Width, frame.Width);
                }
            Chunk(output, "IDAT", raw.ToArray());
        }
        Chunk(output, "IEND", Array.Empty<byte>());
        return output.ToArray();
    }

    static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        s.Write(buffer);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        var crc = 0xFFFFFFFFu;
        foreach (var b in typeBytes.Concat(data)) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc ^ 0xFFFFFFFFu);
        s.Write(buffer);
    }
}
