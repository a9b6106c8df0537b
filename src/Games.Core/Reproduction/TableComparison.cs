using System.Globalization;
using System.Text;
using Hybrid.Games.Analysis;
using Hybrid.Games.Games;

namespace Hybrid.Games.Reproduction;

/// <summary>One cell: the paper's value and ours for the labelled order and the order below it.</summary>
/// <param name="Column">The printed column label.</param>
/// <param name="Alpha">Row rate.</param>
/// <param name="Paper">Printed value.</param>
/// <param name="Ours">Our loss of HOLA-n, n the labelled order.</param>
/// <param name="OursOrderBelow">Our loss of HOLA-(n-1) (LOLA has none: NaN).</param>
public sealed record ComparedCell(string Column, double Alpha, double Paper, double Ours, double OursOrderBelow)
{
    /// <summary>True when ours agrees with the printed value to its printed precision (within 5%, or 1e-12 absolute).</summary>
    public static bool Agrees(double paper, double ours) =>
        Math.Abs(paper - ours) <= 0.05 * Math.Abs(paper) + 1e-12 ||
        // Printed values like 9e-3 or 2e-6 carry one significant digit.
        (Math.Abs(paper) < 0.1 && Math.Abs(paper - ours) <= 0.5 * Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(paper)))));
}

/// <summary>Our numbers for a paper table: the same game, rates and number of samples.</summary>
/// <param name="Table">The paper table.</param>
/// <param name="Rows">Our full rows (every HOLA order 0..max+1 and the first-order rules).</param>
/// <param name="Cells">Paper vs ours per printed cell.</param>
/// <param name="Seed">Sampling seed.</param>
/// <param name="Seconds">Compute time.</param>
public sealed record TableComparison(PaperTable Table, IReadOnlyList<ConsistencyRow> Rows, IReadOnlyList<ComparedCell> Cells, long Seed, double Seconds)
{
    /// <summary>Computes our side of <paramref name="table"/>.</summary>
    public static TableComparison Compute(PaperTable table, long seed = 0, int? samples = null)
    {
        var game = GameRegistry.Create(table.Game);
        var maxOrder = table.Columns.Keys.Max(PaperTable.LabelledOrder);
        var orders = Enumerable.Range(0, maxOrder + 1).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rows = ConsistencyTable.Compute(game, table.Alphas, orders, new PointSource.Sampled(samples ?? table.Samples, seed));
        clock.Stop();
        var cells = new List<ComparedCell>();
        foreach (var (column, values) in table.Columns)
        {
            var n = PaperTable.LabelledOrder(column);
            for (var r = 0; r < table.Alphas.Length; r++)
                cells.Add(new ComparedCell(column, table.Alphas[r], values[r], rows[r].Losses[$"hola_{n}"],
                    n >= 2 ? rows[r].Losses[$"hola_{n - 1}"] : double.NaN));
        }
        return new TableComparison(table, rows, cells, seed, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The paper-vs-ours table as Markdown: per column, the paper's value, ours at the labelled order and one below.</summary>
    public string Markdown()
    {
        var sb = new StringBuilder();
        var columns = Table.Columns.Keys.ToList();
        sb.Append("| alpha |");
        foreach (var c in columns)
        {
            var n = PaperTable.LabelledOrder(c);
            sb.Append($" {c} paper | ours n={n} |");
            if (n >= 2) sb.Append($" ours n={n - 1} |");
        }
        sb.AppendLine();
        sb.Append("|---:|");
        foreach (var c in columns) sb.Append(PaperTable.LabelledOrder(c) >= 2 ? "---:|---:|---:|" : "---:|---:|");
        sb.AppendLine();
        foreach (var alpha in Table.Alphas)
        {
            sb.Append($"| {F(alpha)} |");
            foreach (var c in columns)
            {
                var cell = Cells.Single(x => x.Column == c && x.Alpha == alpha);
                sb.Append($" {F(cell.Paper)} | {Mark(cell.Paper, cell.Ours)} |");
                if (PaperTable.LabelledOrder(c) >= 2) sb.Append($" {Mark(cell.Paper, cell.OursOrderBelow)} |");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    static string Mark(double paper, double ours) => ComparedCell.Agrees(paper, ours) ? $"**{F(ours)}**" : F(ours);

    /// <summary>Three significant digits; scientific outside [0.01, 1e6).</summary>
    public static string F(double v) =>
        double.IsNaN(v) ? "n/a" :
        v == 0 || (Math.Abs(v) >= 1e-2 && Math.Abs(v) < 1e6) ? v.ToString("0.###", CultureInfo.InvariantCulture) : v.ToString("0.##e+0", CultureInfo.InvariantCulture);
}
