using Hybrid.Games.Tables;
using static TorchSharp.torch;

namespace Hybrid.Games.Reproduction;

/// <summary>
/// The chapter-3 studies, one per game: rates, rules, initialisations and claims as the thesis' tables, figures and
/// text give them (sections 5-6, appendix I). <see cref="StudyRunner"/> runs each the same way.
/// </summary>
public static class Studies
{
    static readonly string[] FigureRules = { "lola_exact", "lola_taylor", "hola_8", "cgd", "sos", "cola" };
    static readonly string[] TandemRules = { "naive", "lola_exact", "lola_taylor", "hola_8", "sos", "cgd", "cola" };
    static readonly string[] SigmoidRules = { "lola_exact", "lola_taylor", "hola_4", "cgd", "sos", "cola" };

    /// <summary>P(fair split) = sigma(theta_1) in the Ultimatum game.</summary>
    public static Measure FairSplit { get; } = new("P(fair)", (theta, _) => theta.select(1, 0).sigmoid());

    /// <summary>P(crash) = (1 - P(swerve_1)) (1 - P(swerve_2)) in Chicken.</summary>
    public static Measure Crash { get; } = new("P(crash)", (theta, _) => theta.select(1, 0).sigmoid().SubtractedFrom(Keep.One) * theta.select(1, 1).sigmoid().SubtractedFrom(Keep.One));

    /// <summary>Tandem game, section 6 and appendix I.1: table 1 (a, b), figures 1d, 4, 5, propositions 4.6 and A.1.</summary>
    public static StudySpec Tandem { get; } = new("tandem", "Tandem game (L1 = (x+y)^2 - 2x, L2 = (x+y)^2 - 2y)", "tables 1a/1b, figures 1d, 4b, 5",
        PaperTables.Tandem.Alphas, new[] { 1, 2, 3, 6 }, 1000, Array.Empty<string>(),
        new[] { new OutcomeSpec(0.1, TandemRules), new OutcomeSpec(1, TandemRules) }, 100, 0.1, Measure.LossOfPlayer1, new[] { 0.1, 1.0 },
        new[]
        {
            new StudyClaim("table 1a", "the LOLA column is reproduced (the printed value lies within our spread over sampling seeds)", r =>
            {
                var lola = r.Comparison!.Cells.Where(x => x.Column == "LOLA").ToList();
                var agree = lola.Count(x => ComparedCell.Agrees(x.Paper, x.At(1)!));
                return (agree == lola.Count, $"{agree} of {lola.Count} cells");
            }),
            new StudyClaim("appendix A.1", "at alpha = 1, HOLA-n = 2^(n+2) - 2(1+x+y), so the loss is 2 (2^(n+2))^2 (128 for n = 1, 131072 for n = 6)", r =>
            {
                var row = r.Row(1).Losses;
                return (Math.Abs(row["lola_exact"] / 128 - 1) < 1e-9 && Math.Abs(row["hola_6"] / 131072 - 1) < 1e-9,
                    $"LOLA {F(row["lola_exact"])}, HOLA6 {F(row["hola_6"])}");
            }),
            Threshold(0.3, 1), AboveThreshold(1), Similar(0.1),
            new StudyClaim("6/table 1a", "COLA finds consistent updates at every rate, including those where HOLA diverges (mean loss over runs < 1e-6)", r =>
            {
                var rows = TableRows(r).ToList();
                return (rows.All(x => x.Cola!.Mean < 1e-6), string.Join("; ", rows.Select(x => $"alpha {F(x.Alpha)}: mean {F(x.Cola!.Mean)}, median {F(x.Cola!.Median)}")));
            }),
            new StudyClaim("I.1/figure 4b", "at alpha = 1, LOLA, HOLA8 and SOS diverge in every seed while COLA and CGD diverge in none", r =>
            {
                var diverge = new[] { "lola_exact", "hola_8", "sos" }.Select(n => r.Outcome(n, 1)).ToList();
                var stay = new[] { "cola", "cgd" }.Select(n => r.Outcome(n, 1)).ToList();
                return (diverge.All(o => o.Diverged == o.Outcomes.Length) && stay.All(o => o.Diverged == 0), Describe(diverge.Concat(stay), o => $"diverged {o.Diverged}/{o.Outcomes.Length}"));
            }),
            new StudyClaim("figure 1d", "at alpha = 0.1, COLA and HOLA8 reach similar outcomes and CGD does not (final L1 of COLA closer to HOLA8's than CGD's)", r =>
            {
                var (cola, hola, cgd) = (r.Outcome("cola", 0.1).MeanLoss(0), r.Outcome("hola_8", 0.1).MeanLoss(0), r.Outcome("cgd", 0.1).MeanLoss(0));
                return (Math.Abs(cola - hola) < Math.Abs(cgd - hola), $"final L1: COLA {F(cola)}, HOLA8 {F(hola)}, CGD {F(cgd)}");
            }),
            new StudyClaim("proposition 4.6", "COLA does not recover the stable fixed points x + y = 1 (mean final x + y differs from 1 by more than 1e-3 at every rate)", r =>
            {
                var sums = r.Outcomes.Where(o => o.Rule == "cola").Select(o => (o.Alpha, Sum: MeanOverKept(o, p => p[0] + p[1]))).ToList();
                return (sums.All(x => Math.Abs(x.Sum - 1) > 1e-3), string.Join(", ", sums.Select(x => $"{F(x.Sum)} at alpha {F(x.Alpha)}")));
            }),
        })
    {
        Paper = PaperTables.Tandem,
        PaperCola = new Dictionary<double, (string, string)>
        {
            [1] = ("3e-14 ± 2e-15", "0.94 / 0.94 / 0.94"), [0.5] = ("2e-14 ± 5e-15", "0.88 / 0.88 / 0.08"), [0.3] = ("4e-14 ± 3e-15", "0.92 / 0.91 / 0.80"),
            [0.1] = ("6e-14 ± 9e-15", "0.95 / 0.99 / 0.99"), [0.01] = ("1e-14 ± 4e-14", "0.99 / 1.00 / 1.00"),
        },
        Notes = new[]
        {
            "Table 1b's printed cosines are for LOLA / HOLA3 / HOLA6 as labelled; ours are given at orders 1, 2, 3 and 6.",
            "Column labels of table 1a: the printed HOLA3 column at alpha = 1 (512) is 2 (2^4)^2, the loss of HOLA-2 by the thesis' own definition and appendix A.1, and the whole HOLA3 column agrees with our n = 2; the comparison shows n-1, n and n+1 and marks what agrees.",
            "alpha = 0.5: every HOLA order has the same loss in Tandem (the printed 12.35-14.05 differ like independent samples of one quantity).",
            "alpha = 0.01, HOLA6: the printed 4e-14 is at float32 rounding level (residuals of order-one gradients rounded at ~1e-7, squared and summed); we compute in float64.",
            "The stable fixed points are the line x + y = 1; the learning runs start at theta_0 ~ N(0, 0.1^2) and the thesis does not give the learning rate of figure 4b (we use the look-ahead rate).",
        },
        Findings = r =>
        {
            var c = r.Comparison!;
            var labelled = c.Cells.Where(x => x.Column != "LOLA").ToList();
            int Matching(int shift) => labelled.Count(x => x.At(PaperTable.LabelledOrder(x.Column) + shift) is { } o && ComparedCell.Agrees(x.Paper, o));
            var cell03 = c.Cells.Single(x => x.Column == "HOLA6" && x.Alpha == 0.3);
            return new[]
            {
                $"Printed HOLA columns: {Matching(0)} of {labelled.Count} cells agree at the printed order, {Matching(-1)} of {labelled.Count} at one order below.",
                $"alpha = 0.3, HOLA6: printed {F(cell03.Paper)}, ours {F(cell03.At(5)!.Mean)} (n=5) and {F(cell03.At(6)!.Mean)} (n=6): not reproduced by any order.",
            };
        },
    };

    /// <summary>Hamiltonian game, appendix I.2: table 4, figure 7.</summary>
    public static StudySpec Hamiltonian { get; } = new("hamiltonian", "Hamiltonian game (L1 = xy, L2 = -xy)", "table 4, figure 7, proposition 4.7",
        new[] { 0.9, 0.5, 0.4, 0.1, 0.05 }, new[] { 3, 6 }, 1000, Array.Empty<string>(),
        new[] { new OutcomeSpec(0.1, FigureRules), new OutcomeSpec(0.9, new[] { "cola" }) }, 300, 1.0, Measure.Norm, new[] { 0.1, 0.9 },
        new[] { Threshold(0.1, 0.4), AboveThreshold(0.4), Similar(0.1), FasterAtHighRate("I.2/figure 7", 0.1, 0.9) })
    {
        Notes = new[] { "The printed numbers of table 4 are withheld from our copy of the thesis; we report ours only." },
    };

    /// <summary>Balduzzi game, appendix I.2: table 5, figure 6.</summary>
    public static StudySpec Balduzzi { get; } = new("balduzzi", "Balduzzi game (L1 = x^2/2 + 10xy, L2 = y^2/2 - 10xy)", "table 5, figure 6",
        new[] { 0.9, 0.1, 0.05, 0.03, 0.01 }, new[] { 3, 6 }, 1000, Array.Empty<string>(),
        new[] { new OutcomeSpec(0.01, FigureRules), new OutcomeSpec(0.1, new[] { "cola" }) }, 300, 1.0, Measure.Norm, new[] { 0.01, 0.1 },
        new[] { Threshold(0.01, 0.03), AboveThreshold(0.03), Similar(0.01), FasterAtHighRate("I.2/figure 6", 0.01, 0.1) })
    {
        Notes = new[] { "The printed numbers of table 5 are withheld from our copy of the thesis; we report ours only.",
            "The thesis puts the threshold 'around 0.02'; the claim below asks HOLA to improve with the order at 0.01 and to get worse from 0.03 up." },
    };

    /// <summary>Matching Pennies, section 6 and appendix I.3: table 2, figure 2, figure 8.</summary>
    public static StudySpec MatchingPennies { get; } = new("mp", "Matching Pennies", "tables 2a/2b, figure 2, figure 8",
        new[] { 10.0, 5.0, 1.0, 0.5, 0.01 }, new[] { 2, 4 }, 1000, Array.Empty<string>(),
        new[] { new OutcomeSpec(10, new[] { "lola_exact", "hola_2", "hola_4", "lola_taylor", "sos", "cgd", "cola" }) }, 200, 1.0, Measure.LossOfPlayer1,
        new[] { 0.5, 10.0 },
        new[]
        {
            Threshold(1, 5), AboveThreshold(5), Similar(1),
            new StudyClaim("6/figure 2a", "at alpha = 10, more consistent update functions (LOLA, HOLA2, HOLA4, COLA) give a lower variance of L1 across training", r =>
            {
                var names = new[] { "lola_exact", "hola_2", "hola_4", "cola" };
                var row = r.Row(10);
                var consistency = names.Select(n => n == "cola" ? row.Cola!.Mean : row.Losses[n]).ToArray();
                var variance = names.Select(n => r.Outcome(n, 10).MeasureVariance.Average()).ToArray();
                var rho = Spearman(consistency, variance);
                return (rho > 0, $"Spearman correlation {rho:F2}; " + string.Join(", ", names.Select((n, k) => $"{n}: loss {F(consistency[k])}, variance {F(variance[k])}")));
            }),
            new StudyClaim("6/figure 2b", "at alpha = 10, LOLA and HOLA do not converge while COLA does", r =>
            {
                var cola = r.Outcome("cola", 10); var lola = r.Outcome("lola_exact", 10); var hola = r.Outcome("hola_4", 10);
                var holds = cola.Converged > Math.Max(lola.Converged, hola.Converged) && cola.Diverged == 0;
                return (holds, $"converged: COLA {cola.Converged}/{cola.Outcomes.Length}, LOLA {lola.Converged}, HOLA4 {hola.Converged}; diverged: COLA {cola.Diverged}, LOLA {lola.Diverged}, HOLA4 {hola.Diverged}");
            }),
        })
    {
        Paper = PaperTables.MatchingPennies,
        PaperCola = new Dictionary<double, (string, string)>
        {
            [10] = ("2e-3 ± 3e-4", "0.90 / 0.84 / 0.74"), [5] = ("5e-4 ± 5e-5", "0.98 / 0.97 / 0.92"), [1] = ("3e-6 ± 1e-6", "1.00 / 1.00 / 1.00"),
            [0.5] = ("3e-6 ± 3e-6", "1.00 / 1.00 / 1.00"), [0.01] = ("2e-6 ± 2e-6", "1.00 / 1.00 / 1.00"),
        },
    };

    /// <summary>Ultimatum game, section 6 and appendix I.4: table 8, figures 9 and 10.</summary>
    public static StudySpec Ultimatum { get; } = new("ultimatum", "Ultimatum game (binary, single shot)", "table 8, figure 9, figure 10",
        new[] { 1.1, 0.7, 0.3, 0.1, 0.001 }, new[] { 2, 4 }, 1000, Array.Empty<string>(),
        new[] { new OutcomeSpec(5, SigmoidRules), new OutcomeSpec(0.2, SigmoidRules) }, 200, 1.0, FairSplit, new[] { 0.2, 1.1 },
        new[]
        {
            Similar(1.1),
            new StudyClaim("I.4/table 8", "at low rates (alpha <= 0.1) COLA's consistency loss is not as low as HOLA4's", r =>
            {
                var low = TableRows(r).Where(x => x.Alpha <= 0.1).ToList();
                return (low.All(x => x.Cola!.Mean > x.Losses["hola_4"]), string.Join("; ", low.Select(x => $"alpha {F(x.Alpha)}: COLA {F(x.Cola!.Mean)} vs HOLA4 {F(x.Losses["hola_4"])}")));
            }),
            new StudyClaim("6/figure 10d", "at alpha = 5 only COLA finds the fair split consistently (P(fair) > 0.9 in every seed; SOS, LOLA, HOLA4 and CGD not)", r =>
            {
                bool Consistently(OutcomeRow o) => o.FinalMeasure.All(p => p > 0.9);
                var cola = r.Outcome("cola", 5);
                var others = new[] { "sos", "lola_exact", "lola_taylor", "hola_4", "cgd" }.Select(n => r.Outcome(n, 5)).ToList();
                return (Consistently(cola) && !others.Any(Consistently), Describe(others.Prepend(cola), o => $"{o.FinalMeasure.Count(p => p > 0.9)}/{o.FinalMeasure.Length} fair"));
            }),
            new StudyClaim("I.4/figure 10b", "at alpha = 0.2 every rule finds the unfair split (mean P(fair) < 0.5)", r =>
            {
                var all = SigmoidRules.Select(n => r.Outcome(n, 0.2)).ToList();
                return (all.All(o => o.MeanMeasure < 0.5), Describe(all, o => $"P(fair) {o.MeanMeasure:F2}"));
            }),
        })
    {
        Notes = new[] { "The printed numbers of table 8 are withheld from our copy of the thesis; we report ours only.",
            "COLA is also trained at the figures' rates 5 and 0.2, which are not rows of table 8." },
    };

    /// <summary>Chicken, appendix I.5: table 10, figures 11 and 12.</summary>
    public static StudySpec Chicken { get; } = new("chicken", "Chicken", "table 10, figure 11, figure 12",
        new[] { 1.0, 0.5, 0.1, 0.05, 0.01 }, new[] { 2, 4 }, 1000, new[] { "sos", "cgd" },
        new[] { new OutcomeSpec(0.5, SigmoidRules), new OutcomeSpec(0.04, SigmoidRules) }, 200, 1.0, Crash, new[] { 0.01, 1.0 },
        new[]
        {
            Threshold(0.01, 0.05), AboveThreshold(0.05), Similar(0.01),
            new StudyClaim("I.5/table 10", "around alpha = 0.05 and 0.1 it is harder for COLA to find a consistent solution (its loss there exceeds its loss at the other rates)", r =>
            {
                var rows = TableRows(r).ToList();
                var hard = rows.Where(x => x.Alpha is 0.05 or 0.1).Min(x => x.Cola!.Mean);
                var rest = rows.Where(x => x.Alpha is not (0.05 or 0.1)).Max(x => x.Cola!.Mean);
                return (hard > rest, string.Join("; ", rows.Select(x => $"alpha {F(x.Alpha)}: {F(x.Cola!.Mean)}")));
            }),
            new StudyClaim("6/figure 12d", "at alpha = 0.5 Taylor LOLA and SOS crash (mean P(crash) > 0.5)", r =>
            {
                var o = new[] { "lola_taylor", "sos" }.Select(n => r.Outcome(n, 0.5)).ToList();
                return (o.All(x => x.MeanMeasure > 0.5), Describe(o, x => $"P(crash) {x.MeanMeasure:F3}"));
            }),
            new StudyClaim("6/figure 12d", "at alpha = 0.5 exact LOLA, HOLA4, CGD and COLA swerve (mean P(crash) < 0.5)", r =>
            {
                var o = new[] { "lola_exact", "hola_4", "cgd", "cola" }.Select(n => r.Outcome(n, 0.5)).ToList();
                return (o.All(x => x.MeanMeasure < 0.5), Describe(o, x => $"P(crash) {x.MeanMeasure:F3}"));
            }),
        })
    {
        Notes = new[] { "The printed numbers of table 10 are withheld from our copy of the thesis; we report ours only.",
            "Figure 12's caption names the Ultimatum game and rates 0.04 and 0.5; the text (I.5) makes it the Chicken figure, which we follow." },
    };

    /// <summary>Infinitely iterated Prisoner's Dilemma, section 6 and appendix I.6: table 3, figures 3 and 13.</summary>
    public static StudySpec Ipd { get; } = new("ipd", "Infinitely iterated Prisoner's Dilemma (gamma = 0.96)", "tables 3a/3b, figure 3, figure 13",
        new[] { 1.0, 0.03 }, new[] { 2, 4 }, 250, Array.Empty<string>(),
        new[] { new OutcomeSpec(1, new[] { "naive", "cgd", "lola_taylor", "lola_exact", "sos", "cola" }) }, 300, 1.0, Measure.MeanLoss, Array.Empty<double>(),
        new[]
        {
            AboveThreshold(1.0),
            new StudyClaim("6/figure 13", "at alpha = 1 naive learning and CGD defect (mean loss > 45; 50 is mutual defection)", r =>
            {
                var o = new[] { "naive", "cgd" }.Select(n => r.Outcome(n, 1)).ToList();
                return (o.All(x => x.MeanMeasure > 45), Describe(o, x => $"loss {x.MeanMeasure:F1}"));
            }),
            new StudyClaim("I.6/figure 13", "at alpha = 1 Taylor LOLA, exact LOLA and SOS find tit-for-tat-like policies (P(C|CC) > 0.8, P(C|CD) < 0.5, loss < 32)", r =>
            {
                var o = new[] { "lola_taylor", "lola_exact", "sos" }.Select(n => r.Outcome(n, 1)).ToList();
                return (o.All(x => TitForTatLike(r, x)), Describe(o, x => $"loss {x.MeanMeasure:F1}, P(C|CC) {FinalPolicy(r, x)[1]:F2}, P(C|CD) {FinalPolicy(r, x)[2]:F2}"));
            }),
            new StudyClaim("6/figure 3f", "at alpha = 1 COLA finds a policy qualitatively like tit-for-tat, close to the optimal loss (< 32; 25 is mutual cooperation)", r =>
            {
                var o = r.Outcome("cola", 1);
                return (TitForTatLike(r, o), $"loss {o.MeanMeasure:F1}, policy {string.Join(" ", FinalPolicy(r, o).Select(p => p.ToString("F2")))}");
            }),
        })
    {
        Paper = PaperTables.Ipd,
        PaperCola = new Dictionary<double, (string, string)> { [1] = ("1.06 ± 0.09", "0.73 / 0.63 / 0.46"), [0.03] = ("0.16 ± 0.02", "0.97 / 0.97 / 0.97") },
        Policy = new PolicyView(new[] { "start", "CC", "CD", "DC", "DD" }, theta => theta.narrow(1, 0, 5).sigmoid()),
        Notes = new[] { "Figure 3's low rate (0.03) needs far longer learning runs than the figures' step counts we know; only alpha = 1 (figure 13) is run.",
            "Policies are player 1's P(cooperate) at the start and after CC, CD, DC, DD (own action first)." },
    };

    /// <summary>All studies by game name.</summary>
    public static IReadOnlyDictionary<string, StudySpec> All { get; } = new[] { Tandem, Hamiltonian, Balduzzi, MatchingPennies, Ultimatum, Chicken, Ipd }
        .ToDictionary(s => s.Game);

    /// <summary>Section 6 on the tables: HOLA improves with the order below a game-specific rate threshold and worsens above it.</summary>
    static StudyClaim Threshold(double improvesAtOrBelow, double worsensAtOrAbove) => new("6/appendix I",
        $"HOLA gets more consistent with the order below a threshold and less above it, the threshold lying between {F(improvesAtOrBelow)} and {F(worsensAtOrAbove)}", r =>
        {
            var top = Top(r);
            var table = TableRows(r).ToList();
            bool Improves(ConsistencyRow x) => x.Losses[top] < x.Losses["lola_exact"];
            var holds = table.All(x => x.Alpha <= improvesAtOrBelow ? Improves(x) : x.Alpha < worsensAtOrAbove || !Improves(x));
            return (holds, string.Join("; ", table.Select(x => $"alpha {F(x.Alpha)}: {top}/LOLA = {F(x.Losses[top] / x.Losses["lola_exact"])}")));
        });

    /// <summary>Section 6 on the cosine tables: below the threshold COLA and HOLA find very similar updates.</summary>
    static StudyClaim Similar(double atOrBelow) => new("6", $"at alpha <= {F(atOrBelow)} COLA and HOLA find very similar updates (mean cosine similarity > 0.9)", r =>
    {
        var top = Top(r);
        var low = TableRows(r).Where(x => x.Alpha <= atOrBelow).ToList();
        return (low.All(x => x.Cola!.Cosine[top] > 0.9), string.Join("; ", low.Select(x => $"alpha {F(x.Alpha)}: {x.Cola!.Cosine[top]:F2}")));
    });

    static IEnumerable<ConsistencyRow> TableRows(StudyResults r) => r.Rows.Where(x => r.Spec.TableAlphas.Contains(x.Alpha));

    static string Top(StudyResults r) => $"hola_{r.Spec.Orders.Max()}";

    /// <summary>Section 6: above the threshold COLA finds consistent updates even where HOLA does not.</summary>
    static StudyClaim AboveThreshold(double from) => new("6", $"above the threshold (alpha >= {F(from)}) COLA is more consistent than HOLA at the table's highest order", r =>
    {
        var top = Top(r);
        var high = TableRows(r).Where(x => x.Alpha >= from).ToList();
        return (high.All(x => x.Cola!.Mean < x.Losses[top]), string.Join("; ", high.Select(x => $"alpha {F(x.Alpha)}: COLA {F(x.Cola!.Mean)} vs {top} {F(x.Losses[top])}")));
    });

    static StudyClaim FasterAtHighRate(string source, double low, double high) => new(source,
        $"COLA at alpha = {F(high)} converges to the origin faster than every rule at alpha = {F(low)}, COLA included", r =>
        {
            var fast = r.Outcome("cola", high);
            var slow = r.Outcomes.Where(o => o.Alpha == low).ToList();
            return (slow.All(o => fast.MeanMeasure < o.MeanMeasure || double.IsNaN(o.MeanMeasure)),
                $"final mean ||theta||: COLA@{F(high)} {F(fast.MeanMeasure)}; " + Describe(slow, o => F(o.MeanMeasure)));
        });

    /// <summary>Final mean policy of a rule's seeds under the study's policy view.</summary>
    public static double[] FinalPolicy(StudyResults r, OutcomeRow o)
    {
        using var scope = NewDisposeScope();
        var p = r.Spec.Policy!.Compute(tensor(o.FinalParameters.SelectMany(x => x).ToArray()).reshape(o.FinalParameters.Length, -1));
        return p.mean(new long[] { 0 }).data<double>().ToArray();
    }

    static bool TitForTatLike(StudyResults r, OutcomeRow o) { var p = FinalPolicy(r, o); return p[1] > 0.8 && p[2] < 0.5 && o.MeanMeasure < 32; }

    static string Describe(IEnumerable<OutcomeRow> rows, Func<OutcomeRow, string> what) => string.Join(", ", rows.Select(o => $"{o.Rule} {what(o)}"));

    static string F(double v) => TableComparison.F(v);

    static double MeanOverKept(OutcomeRow o, Func<double[], double> f)
    {
        var kept = o.FinalParameters.Where((_, k) => o.Outcomes[k] != Analysis.RunOutcome.Diverged).Select(f).ToArray();
        return kept.Length == 0 ? double.NaN : kept.Average();
    }

    /// <summary>Spearman's rank correlation (ties get their mean rank).</summary>
    public static double Spearman(double[] a, double[] b)
    {
        static double[] Ranks(double[] v)
        {
            var order = v.Select((x, i) => (x, i)).OrderBy(p => p.x).ToArray();
            var ranks = new double[v.Length];
            for (var k = 0; k < order.Length;)
            {
                var j = k;
                while (j + 1 < order.Length && order[j + 1].x == order[k].x) j++;
                for (var m = k; m <= j; m++) ranks[order[m].i] = (k + j) / 2.0;
                k = j + 1;
            }
            return ranks;
        }
        var (ra, rb) = (Ranks(a), Ranks(b));
        var (ma, mb) = (ra.Average(), rb.Average());
        var cov = ra.Zip(rb, (x, y) => (x - ma) * (y - mb)).Sum();
        var den = Math.Sqrt(ra.Sum(x => (x - ma) * (x - ma)) * rb.Sum(y => (y - mb) * (y - mb)));
        return den == 0 ? 0 : cov / den;
    }
}
