using System.Globalization;
using static TorchSharp.torch;

namespace Hybrid.Games.Analysis;

/// <summary>
/// Reads parameter points from CSV: one row per point, player 1's parameters then player 2's (and so on),
/// comma-separated. Blank lines and lines starting with '#' are skipped. Every malformed row is an error
/// naming the file and line, never a silently dropped point.
/// </summary>
public static class PointsFile
{
    /// <summary>The points as a [P, D] float64 tensor for <paramref name="game"/>.</summary>
    public static Tensor Read(string path, DifferentiableGame game)
    {
        if (Directory.Exists(path)) throw new IOException($"points file '{path}' is a directory, not a file");
        if (!File.Exists(path)) throw new FileNotFoundException($"points file '{path}' does not exist", path);
        return Parse(File.ReadLines(path), game, path);
    }

    /// <summary>Parses CSV lines; <paramref name="source"/> names them in error messages.</summary>
    public static Tensor Parse(IEnumerable<string> lines, DifferentiableGame game, string source = "points")
    {
        var width = game.TotalParameters;
        var rows = new List<double>();
        var count = 0;
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            var cells = text.Split(',', StringSplitOptions.TrimEntries);
            if (cells.Length != width)
                throw new FormatException($"{source}:{number}: expected {width} values for game {game.Name} ({string.Join(" + ", game.Players.Select(p => p.ParameterSize))}), got {cells.Length}");
            foreach (var cell in cells)
            {
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                    throw new FormatException($"{source}:{number}: '{cell}' is not a number");
                if (!double.IsFinite(v)) throw new FormatException($"{source}:{number}: '{cell}' is not finite");
                rows.Add(v);
            }
            count++;
        }
        if (count == 0) throw new FormatException($"{source}: no points");
        return tensor(rows.ToArray(), dtype: ScalarType.Float64).reshape(count, width);
    }
}
