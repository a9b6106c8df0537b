using Hybrid.Games.Analysis;
using Hybrid.Games.Cola;
using Hybrid.Games.Tables;
using static TorchSharp.torch;

namespace Hybrid.Games.Reproduction;

/// <summary>Learning runs of several rules at one look-ahead rate (one panel of a learning-outcome figure).</summary>
/// <param name="Alpha">Look-ahead rate, also the learning rate.</param>
/// <param name="Rules">Registry names of the rules (see <see cref="Rules.RuleRegistry"/>); "cola" uses the study's trained runs at this rate.</param>
public sealed record OutcomeSpec(double Alpha, IReadOnlyList<string> Rules);

/// <summary>A final policy view for the report and charts, e.g. player 1's cooperation probabilities in the IPD.</summary>
/// <param name="Labels">One label per value.</param>
/// <param name="Compute">[K, D] concatenated parameters to [K, Labels] values.</param>
public sealed record PolicyView(IReadOnlyList<string> Labels, Func<Tensor, Tensor> Compute);

/// <summary>One of the thesis' qualitative claims about a game, checked against a study's results.</summary>
/// <param name="Source">Where the thesis makes it (section, figure).</param>
/// <param name="Statement">The claim in words.</param>
/// <param name="Check">Whether it holds in these results, and the numbers that decide it.</param>
public sealed record StudyClaim(string Source, string Statement, Func<StudyResults, (bool Holds, string Detail)> Check);

/// <summary>A claim's verdict.</summary>
/// <param name="Source">Where the thesis makes it.</param>
/// <param name="Statement">The claim.</param>
/// <param name="Holds">Whether our results support it.</param>
/// <param name="Detail">The numbers behind the verdict.</param>
public sealed record ClaimResult(string Source, string Statement, bool Holds, string Detail);

/// <summary>
/// Everything chapter 3 of the thesis reports about one game: its consistency table (deterministic columns and COLA),
/// the learning outcomes of its figures, the gradient fields and the qualitative claims. The catalogue is
/// <see cref="Studies"/>; <see cref="StudyRunner"/> runs one.
/// </summary>
/// <param name="Game">Registry name of the game.</param>
/// <param name="Title">Heading of the report.</param>
/// <param name="Sources">The thesis' tables and figures this study reproduces.</param>
/// <param name="TableAlphas">The rows of the thesis' consistency table.</param>
/// <param name="Orders">HOLA orders of the table's columns.</param>
/// <param name="Samples">Points per rate in the table.</param>
/// <param name="FirstOrderRules">Further deterministic columns (lola_taylor, sos, cgd, lookahead).</param>
/// <param name="Outcomes">Learning-outcome panels.</param>
/// <param name="LearningSteps">Steps of every learning run.</param>
/// <param name="InitStd">theta_0 ~ N(0, InitStd^2) as in the figures' captions.</param>
/// <param name="Measure">What the learning curves and outcome table show.</param>
/// <param name="FieldAlphas">Rates of the COLA vs HOLA-4 gradient-field figure (two-parameter games only).</param>
/// <param name="Claims">The thesis' claims about this game.</param>
public sealed record StudySpec(string Game, string Title, string Sources, double[] TableAlphas, int[] Orders, int Samples, string[] FirstOrderRules,
    IReadOnlyList<OutcomeSpec> Outcomes, int LearningSteps, double InitStd, Measure Measure, double[] FieldAlphas, IReadOnlyList<StudyClaim> Claims)
{
    /// <summary>The printed LOLA/HOLA columns, where this copy of the thesis has them.</summary>
    public PaperTable? Paper { get; init; }

    /// <summary>The printed COLA column and cosine similarities per rate, as printed ("1.06±0.09", "0.73 / 0.63 / 0.46").</summary>
    public IReadOnlyDictionary<double, (string Cola, string Cosine)>? PaperCola { get; init; }

    /// <summary>A final-policy view (IPD), if the study reports one.</summary>
    public PolicyView? Policy { get; init; }

    /// <summary>Findings computed from the results that are not claims of the thesis (e.g. where the printed labels differ), printed in the report.</summary>
    public Func<StudyResults, IReadOnlyList<string>>? Findings { get; init; }

    /// <summary>Notes on settings and known differences, printed in the report.</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <summary>Every rate COLA is trained at: the table's rows, then the outcome rates not in the table.</summary>
    public double[] ColaAlphas =>
        TableAlphas.Concat(Outcomes.Where(o => o.Rules.Contains("cola")).Select(o => o.Alpha)).Concat(FieldAlphas).Distinct().ToArray();
}

/// <summary>How to run a study.</summary>
/// <param name="Fast">Short COLA training (2,000 steps unless <paramref name="ColaSteps"/>), fewer runs, seeds and learning steps: for tests and CI.</param>
/// <param name="Runs">COLA runs per rate (default 10, fast 3).</param>
/// <param name="ColaSteps">COLA training steps (default: the thesis' 120,000).</param>
/// <param name="TableSeeds">Sampling seeds for the comparison with the printed LOLA/HOLA columns (default 5, fast 2).</param>
/// <param name="Progress">COLA training progress.</param>
/// <param name="Checkpoint">Checkpoint file of the COLA training.</param>
/// <param name="Resume">Resume the COLA training from the checkpoint.</param>
public sealed record StudyOptions(bool Fast = false, int? Runs = null, int? ColaSteps = null, int? TableSeeds = null,
    IProgress<ColaProgress>? Progress = null, ColaCheckpoint? Checkpoint = null, bool Resume = false)
{
    /// <summary>COLA runs per rate.</summary>
    public int ResolvedRuns => Runs ?? (Fast ? 3 : 10);

    /// <summary>Changes to the game's COLA settings (width, restarts, ...), applied after the fast mode and <see cref="ColaSteps"/>.</summary>
    public Func<ColaSettings, ColaSettings>? Adjust { get; init; }

    /// <summary>The COLA settings for <paramref name="game"/>: the thesis' (appendix H), shortened in fast mode, then <see cref="Adjust"/>ed.</summary>
    public ColaSettings ColaSettingsFor(DifferentiableGame game)
    {
        var full = ColaSettings.For(game);
        var settings = Fast ? full.Shortened(ColaSteps ?? 2000) : full with { Steps = ColaSteps ?? full.Steps };
        return Adjust?.Invoke(settings) ?? settings;
    }

    /// <summary>Learning-run settings: fast mode uses 3 seeds and a quarter of the steps.</summary>
    public LearningOptions LearningFor(StudySpec spec) =>
        new(Steps: Fast ? Math.Max(10, spec.LearningSteps / 4) : spec.LearningSteps, Seeds: Fast ? 3 : 10, InitStd: spec.InitStd);
}

/// <summary>A gradient field of one rule at one rate on a grid of the game's region (two-parameter games).</summary>
/// <param name="Rule">Rule name.</param>
/// <param name="Alpha">Rate.</param>
/// <param name="X">Player 1's parameter at each grid point.</param>
/// <param name="Y">Player 2's parameter.</param>
/// <param name="U">Player 1's update.</param>
/// <param name="V">Player 2's update.</param>
public sealed record GradientField(string Rule, double Alpha, double[] X, double[] Y, double[] U, double[] V);

/// <summary>COLA's training curve at one rate: the batch loss at every report, mean over runs of log10.</summary>
/// <param name="Alpha">Rate.</param>
/// <param name="Steps">Training steps of the reports.</param>
/// <param name="MeanLog10Loss">Mean over runs of log10 of the batch consistency loss.</param>
public sealed record TrainingCurve(double Alpha, int[] Steps, double[] MeanLog10Loss);

/// <summary>The results of a study.</summary>
/// <param name="Spec">What was run.</param>
/// <param name="Rows">The consistency table at every COLA rate (seed-0 points), with the COLA column.</param>
/// <param name="Comparison">The printed LOLA/HOLA columns against ours over several sampling seeds, if printed.</param>
/// <param name="Outcomes">Learning outcomes, in the order of the spec.</param>
/// <param name="Fields">Gradient fields (empty for games with more than two parameters).</param>
/// <param name="Training">COLA training curves per rate.</param>
/// <param name="Settings">COLA settings used.</param>
/// <param name="Runs">COLA runs per rate.</param>
/// <param name="Learning">Learning-run settings used.</param>
/// <param name="Fast">Whether this was a fast run.</param>
/// <param name="TableSeconds">Time of the table and COLA training.</param>
/// <param name="OutcomeSeconds">Time of the learning runs.</param>
public sealed record StudyResults(StudySpec Spec, IReadOnlyList<ConsistencyRow> Rows, TableComparison? Comparison, IReadOnlyList<OutcomeRow> Outcomes,
    IReadOnlyList<GradientField> Fields, IReadOnlyList<TrainingCurve> Training, ColaSettings Settings, int Runs, LearningOptions Learning, bool Fast,
    double TableSeconds, double OutcomeSeconds)
{
    /// <summary>The verdicts of the spec's claims (evaluated when the results are complete).</summary>
    public IReadOnlyList<ClaimResult> Claims { get; init; } = Array.Empty<ClaimResult>();

    /// <summary>The outcome of <paramref name="rule"/> at <paramref name="alpha"/>; throws if the study did not run it.</summary>
    public OutcomeRow Outcome(string rule, double alpha) =>
        Outcomes.FirstOrDefault(o => o.Rule == rule && o.Alpha == alpha)
        ?? throw new KeyNotFoundException($"the study of {Spec.Game} ran no {rule} at alpha {alpha}");

    /// <summary>The table row at <paramref name="alpha"/>.</summary>
    public ConsistencyRow Row(double alpha) => Rows.Single(r => r.Alpha == alpha);
}
