using System.Globalization;
using System.Text;
using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Tables;

namespace Hybrid.Games.Reproduction;

/// <summary>Our value of one HOLA order at one rate: mean and spread over the sampling seeds.</summary>
/// <param name="Order">HOLA order n.</param>
/// <param name="Mean">Mean over seeds of the consistency loss.</param>
/// <param name="Std">Standard deviation over seeds (0 with one seed).</param>
/// <param name="Min">Smallest over seeds.</param>
/// <param name="Max">Largest over seeds.</param>
public sealed record OurValue(int Order, double Mean, double Std, double Min, double Max);

/// <summary>One printed cell next to our values at the labelled order and its two neighbours.</summary>
/// <param name="Column">The printed column label.</param>
/// <param name="Alpha">Row rate.</param>
/// <param name="Paper">Printed value.</param>
/// <param name="Ours">Our values at orders n-1, n, n+1 (n the labelled order; n-1 omitted for LOLA).</param>
public sealed record ComparedCell(string Column, double Alpha, double Paper, IReadOnlyList<OurValue> Ours)
{
    /// <summary>
    /// True when the printed value is reproduced by <paramref name="ours"/>: it lies within the spread over
    /// seeds widened by the printed precision (values like 9e-3 carry one significant digit, 12.81 four).
    /// </summary>
    public static bool Agrees(double paper, OurValue ours)
    {
        var digits = Math.Abs(paper) < 0.1 ? 0.5 * Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(paper)))) : 0.05 * Math.Abs(paper);
        return paper >= ours.Min - digits && paper <= ours.Max + digits;
    }

    /// <summary>Our value at order <paramref name="order"/>, if computed.</summary>
    public OurValue? At(int order) => Ours.FirstOrDefault(o => o.Order == order);
}

/// <summary>Our numbers for a paper table: the same game, rates and number of samples, over several sampling seeds.</summary>
/// <param name="Table">The paper table.</param>
/// <param name="Rows">Our full rows for seed 0 (every HOLA order 0..max+1 and the first-order rules).</param>
/// <param name="Cells">Paper vs ours per printed cell.</param>
/// <param name="Seeds">Sampling seeds used (0..Seeds-1).</param>
/// <param name="Seconds">Compute time of all seeds.</param>
public sealed record TableComparison(PaperTable Table, IReadOnlyList<ConsistencyRow> Rows, IReadOnlyList<ComparedCell> Cells, int Seeds, double Seconds)
{
    /// <summary>Computes our side of <paramref name="table"/> with <paramref name="seeds"/> independent sets of samples.</summary>
    public static TableComparison Compute(PaperTable table, int seeds = 1, int? samples = null)
    {
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "at least one seed is needed");
        var game = GameRegistry.Create(table.Game);
        var maxOrder = table.Columns.Keys.Max(PaperTable.LabelledOrder) + 1;
        var orders = Enumerable.Range(0, maxOrder + 1).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runs = Enumerable.Range(0, seeds)
            .Select(s => ConsistencyTable.Compute(game, table.Alphas, orders, new PointSource.Sampled(samples ?? table.Samples, s),
                s == 0 ? null : Array.Empty<string>()))
            .ToList();
        clock.Stop();
        OurValue Value(int row, int order)
        {
            var v = runs.Select(r => r[row].Losses[$"hola_{order}"]).ToArray();
            var mean = v.Average();
            var std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
            return new OurValue(order, mean, std, v.Min(), v.Max());
        }
        var cells = new List<ComparedCell>();
        foreach (var (column, values) in table.Columns)
        {
            var n = PaperTable.LabelledOrder(column);
            for (var r = 0; r < table.Alphas.Length; r++)
                cells.Add(new ComparedCell(column, table.Alphas[r], values[r],
                    Enumerable.Range(Math.Max(1, n - 1), n == 1 ? 2 : 3).Select(o => Value(r, o)).ToList()));
        }
        return new TableComparison(table, runs[0], cells, seeds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The paper-vs-ours table as Markdown: per column the printed value, then ours at orders n-1, n, n+1
    /// (mean over seeds, with the standard deviation when there are several). Bold marks agreement.
    /// </summary>
    public string Markdown()
    {
        var sb = new StringBuilder();
        var columns = Table.Columns.Keys.ToList();
        sb.Append("| alpha |");
        foreach (var c in columns)
        {
            sb.Append($" {c} paper |");
            foreach (var o in Cells.First(x => x.Column == c).Ours) sb.Append($" ours n={o.Order} |");
        }
        sb.AppendLine();
        sb.Append("|---:|");
        foreach (var c in columns) sb.Append(string.Concat(Enumerable.Repeat("---:|", 1 + Cells.First(x => x.Column == c).Ours.Count)));
        sb.AppendLine();
        foreach (var alpha in Table.Alphas)
        {
            sb.Append($"| {F(alpha)} |");
            foreach (var c in columns)
            {
                var cell = Cells.Single(x => x.Column == c && x.Alpha == alpha);
                sb.Append($" {F(cell.Paper)} |");
                foreach (var o in cell.Ours)
                {
                    var text = Seeds > 1 ? $"{F(o.Mean)} ± {F(o.Std)}" : F(o.Mean);
                    sb.Append(ComparedCell.Agrees(cell.Paper, o) ? $" **{text}** |" : $" {text} |");
                }
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>Three significant digits; scientific outside [0.01, 1e6).</summary>
    public static string F(double v) => double.IsNaN(v) ? "n/a" : NumberFormat.Short(v);
}
