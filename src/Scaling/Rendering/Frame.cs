namespace Hybrid.Scaling.Rendering;

/// <summary>An RGB colour.</summary>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
public readonly record struct Rgb(byte R, byte G, byte B);

/// <summary>
/// A palette-indexed picture: environments draw into it with a few primitives and it is written as PNG or as a
/// frame of an animated GIF. Palette pictures need no native imaging library, and GIF needs a palette anyway.
/// </summary>
public sealed class Frame
{
    /// <summary>Creates a frame filled with palette entry 0.</summary>
    public Frame(int width, int height, IReadOnlyList<Rgb> palette)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"a frame needs a positive size, not {width} x {height}");
        if (palette.Count is < 2 or > 256) throw new ArgumentException("a palette has 2 to 256 colours", nameof(palette));
        Width = width; Height = height;
        Palette = palette.ToArray();
        Pixels = new byte[width * height];
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The colours.</summary>
    public IReadOnlyList<Rgb> Palette { get; }

    /// <summary>Palette indices, row by row from the top.</summary>
    public byte[] Pixels { get; }

    /// <summary>Fills the frame with one colour.</summary>
    public void Clear(byte colour) => Array.Fill(Pixels, colour);

    /// <summary>Fills the rectangle [x, x + w) x [y, y + h), clipped to the frame.</summary>
    public void FillRectangle(int x, int y, int w, int h, byte colour)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y), x1 = Math.Min(Width, x + w), y1 = Math.Min(Height, y + h);
        for (var row = y0; row < y1; row++) Pixels.AsSpan(row * Width + x0, Math.Max(0, x1 - x0)).Fill(colour);
    }

    /// <summary>Fills the disc of radius <paramref name="r"/> around (<paramref name="cx"/>, <paramref name="cy"/>), clipped.</summary>
    public void FillCircle(double cx, double cy, double r, byte colour)
    {
        int y0 = Math.Max(0, (int)Math.Floor(cy - r)), y1 = Math.Min(Height - 1, (int)Math.Ceiling(cy + r));
        int x0 = Math.Max(0, (int)Math.Floor(cx - r)), x1 = Math.Min(Width - 1, (int)Math.Ceiling(cx + r));
        for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++)
            {
                double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
                if (dx * dx + dy * dy <= r * r) Pixels[y * Width + x] = colour;
            }
    }

    /// <summary>A frame for a square board of <paramref name="cells"/> x <paramref name="cells"/> cells of <paramref name="cellPixels"/>, with its grid lines drawn.</summary>
    public static Frame Board(int cells, int cellPixels)
    {
        var frame = new Frame(cells * cellPixels + 1, cells * cellPixels + 1, Colours.Palette);
        for (var k = 0; k <= cells; k++)
        {
            frame.FillRectangle(k * cellPixels, 0, 1, frame.Height, Colours.Grid);
            frame.FillRectangle(0, k * cellPixels, frame.Width, 1, Colours.Grid);
        }
        return frame;
    }

    /// <summary>The colour index at (x, y).</summary>
    public byte this[int x, int y] => Pixels[y * Width + x];
}
