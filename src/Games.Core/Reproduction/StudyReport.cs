using System.Text;
using Hybrid.Games.Analysis;

namespace Hybrid.Games.Reproduction;

/// <summary>The Markdown report of a study: settings, table with COLA (paper vs ours), learning outcomes, claims and notes.</summary>
public static class StudyReport
{
    /// <summary>Renders the report.</summary>
    public static string Markdown(StudyResults r)
    {
        string F(double v) => TableComparison.F(v);
        var spec = r.Spec;
        var s = r.Settings;
        var sb = new StringBuilder();
        sb.AppendLine($"# {spec.Title}: {spec.Sources}, paper vs ours");
        sb.AppendLine();
        if (r.Fast) sb.AppendLine("**Fast mode**: COLA is trained for a fraction of the thesis' steps and the learning runs are short; the verdicts below are not the reproduction's.\n");
        sb.AppendLine("## Consistency table with COLA");
        sb.AppendLine();
        sb.AppendLine($"{spec.Samples} points per alpha drawn uniformly from {GamesRegion(spec)} (seed 0); consistency loss = mean over points of sum_i ||h_i/alpha + grad_i L^i(theta_i, theta_-i + h_-i)||^2.");
        sb.AppendLine($"COLA: {r.Runs} runs per alpha trained together ({s.Describe()}); mean ± std and median over runs. Cosine: mean over points of the cosine between COLA's and the rule's updates, mean over runs. {r.TableSeconds:F0} s.");
        sb.AppendLine();
        var orders = spec.Orders.Distinct().OrderBy(n => n).ToArray();
        var ruleColumns = new List<string> { "lola_exact" };
        ruleColumns.AddRange(orders.Where(n => n != 1).Select(n => $"hola_{n}"));
        ruleColumns.AddRange(spec.FirstOrderRules);
        var header = new List<string> { "alpha" };
        header.AddRange(ruleColumns);
        header.Add("COLA ours");
        header.Add("COLA median");
        if (spec.PaperCola != null) header.Add("COLA paper");
        header.AddRange(ruleColumns.Take(1 + orders.Count(n => n != 1)).Select(c => $"cos {c}"));
        if (spec.PaperCola != null) header.Add("cos paper");
        sb.AppendLine("| " + string.Join(" | ", header) + " |");
        sb.AppendLine("|" + string.Concat(header.Select(_ => "---:|")));
        foreach (var row in r.Rows)
        {
            var c = row.Cola!;
            var cells = new List<string> { F(row.Alpha) + (spec.TableAlphas.Contains(row.Alpha) ? "" : "*") };
            cells.AddRange(ruleColumns.Select(k => F(row.Losses[k])));
            cells.Add($"{F(c.Mean)} ± {F(c.Std)}");
            cells.Add(F(c.Median));
            var printed = spec.PaperCola != null && spec.PaperCola.TryGetValue(row.Alpha, out var p) ? p : ("", "");
            if (spec.PaperCola != null) cells.Add(printed.Item1);
            cells.AddRange(ruleColumns.Take(1 + orders.Count(n => n != 1)).Select(k => $"{c.Cosine[k]:F2} ± {c.CosineStd[k]:F2}"));
            if (spec.PaperCola != null) cells.Add(printed.Item2);
            sb.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
        if (r.Rows.Any(x => !spec.TableAlphas.Contains(x.Alpha)))
            sb.AppendLine("\n\\* not a row of the thesis' table: COLA is trained there for the learning outcomes or gradient fields.");
        if (r.Comparison is { } comparison)
        {
            sb.AppendLine();
            sb.AppendLine($"### Printed LOLA/HOLA columns (table {comparison.Table.Id}) against ours over {comparison.Seeds} sampling seeds");
            sb.AppendLine();
            sb.AppendLine("Ours at the labelled order n and its neighbours; bold: the printed value lies within our range over seeds, widened by its printed precision.");
            sb.AppendLine();
            sb.Append(comparison.Markdown());
        }

        sb.AppendLine();
        sb.AppendLine("## Learning outcomes");
        sb.AppendLine();
        var l = r.Learning;
        sb.AppendLine($"{l.Seeds} seeds, theta_0 ~ N(0, {F(l.InitStd)}^2), {l.Steps} steps, learning rate = look-ahead rate; seed k uses COLA run k mod {r.Runs}. "
            + $"Converged: last update norm < {l.ConvergenceTolerance:0e0}; diverged: non-finite or ||theta|| > {l.DivergenceBound:0e0}. {r.OutcomeSeconds:F0} s.");
        sb.AppendLine();
        // The measure gets its own column unless it is player 1's loss, which the table shows anyway.
        var extra = spec.Measure != Measure.LossOfPlayer1;
        var measure = spec.Measure.Name.Replace("|", "\\|"); // "||theta||" must not split a Markdown table cell
        sb.AppendLine($"| alpha | rule | converged | diverged | mean final L1 | mean final L2 |{(extra ? $" mean final {measure} |" : "")} variance of {measure} over steps |");
        sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|" + (extra ? "---:|" : ""));
        foreach (var o in r.Outcomes)
            sb.AppendLine($"| {F(o.Alpha)} | {o.Rule} | {o.Converged}/{o.Outcomes.Length} | {o.Diverged}/{o.Outcomes.Length} | {F(o.MeanLoss(0))} | {F(o.MeanLoss(1))} |"
                + (extra ? $" {F(o.MeanMeasure)} |" : "") + $" {F(o.MeasureVariance.Average())} |");
        if (spec.Policy is { } policy)
        {
            sb.AppendLine();
            sb.AppendLine("Final policies (mean over seeds):");
            sb.AppendLine();
            sb.AppendLine($"| alpha | rule | {string.Join(" | ", policy.Labels)} |");
            sb.AppendLine("|---:|---|" + string.Concat(policy.Labels.Select(_ => "---:|")));
            foreach (var o in r.Outcomes)
                sb.AppendLine($"| {F(o.Alpha)} | {o.Rule} | {string.Join(" | ", Studies.FinalPolicy(r, o).Select(v => v.ToString("F2")))} |");
        }

        sb.AppendLine();
        sb.AppendLine("## Claims of the thesis");
        sb.AppendLine();
        foreach (var c in r.Claims)
            sb.AppendLine($"- [{(c.Holds ? "holds" : "does not hold")}] ({c.Source}) {c.Statement}: {c.Detail}.");
        sb.AppendLine();
        sb.AppendLine($"{r.Claims.Count(c => c.Holds)} of {r.Claims.Count} claims hold in this run.");
        if (spec.Findings?.Invoke(r) is { Count: > 0 } findings)
        {
            sb.AppendLine();
            sb.AppendLine("## Differences from the printed tables");
            sb.AppendLine();
            foreach (var f in findings) sb.AppendLine($"- {f}");
        }
        if (spec.Notes.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("## Notes");
            sb.AppendLine();
            foreach (var n in spec.Notes) sb.AppendLine($"- {n}");
        }
        return sb.ToString();
    }

    static string GamesRegion(StudySpec spec) => $"{Catalog.GameRegistry.Create(spec.Game).Region}^d";
}
