namespace Hybrid.Scaling.Rendering;

/// <summary>An environment that can draw one of its batch's environments, as text for terminals and as a picture.</summary>
public interface IRenderable
{
    /// <summary>Environment e's current state as a few lines of text.</summary>
    string RenderText(int env);

    /// <summary>Environment e's current state as a picture (same size and palette for every call, so frames animate).</summary>
    Frame Render(int env);
}

/// <summary>The colours every renderer draws with (one palette, so any frames can share a GIF).</summary>
public static class Colours
{
    /// <summary>Palette index of each colour.</summary>
    public const byte Background = 0, Grid = 1, Red = 2, Blue = 3, LightRed = 4, LightBlue = 5, Grey = 6, Dark = 7, Green = 8, Yellow = 9;

    /// <summary>The palette.</summary>
    public static IReadOnlyList<Rgb> Palette { get; } = new Rgb[]
    {
        new(250, 250, 250), new(200, 200, 200), new(220, 50, 47), new(38, 139, 210), new(240, 150, 140), new(140, 190, 235),
        new(130, 130, 130), new(40, 40, 40), new(60, 170, 90), new(240, 200, 40),
    };
}
