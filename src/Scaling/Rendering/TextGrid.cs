namespace Hybrid.Scaling.Rendering;

/// <summary>Text pictures of grid environments: one character per cell, row 0 first.</summary>
public static class TextGrid
{
    /// <summary>Renders <paramref name="rows"/> x <paramref name="columns"/> cells, <paramref name="cell"/>(row, column) each.</summary>
    public static string Render(int rows, int columns, Func<int, int, char> cell)
    {
        var sb = new System.Text.StringBuilder(rows * (columns + Environment.NewLine.Length));
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < columns; x++) sb.Append(cell(y, x));
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
