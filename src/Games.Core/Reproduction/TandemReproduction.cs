using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Hybrid.Games.Rules;
using Hybrid.Games.Tables;

namespace Hybrid.Games.Reproduction;

/// <summary>The COLA part of the Tandem reproduction: table 1a's COLA column, table 1b, and learning outcomes.</summary>
/// <param name="Rows">Seed-0 table rows with the COLA column.</param>
/// <param name="Outcomes">Learning outcomes per rule and rate.</param>
/// <param name="Settings">COLA training settings.</param>
/// <param name="Runs">COLA runs per rate.</param>
/// <param name="Learning">Learning-run settings.</param>
/// <param name="ColaSeconds">Table plus COLA training time.</param>
/// <param name="OutcomeSeconds">Learning-runs time.</param>
/// <param name="Training">COLA training curves per rate.</param>
public sealed record TandemColaResults(IReadOnlyList<ConsistencyRow> Rows, IReadOnlyList<OutcomeRow> Outcomes, ColaSettings Settings, int Runs,
    LearningOptions Learning, double ColaSeconds, double OutcomeSeconds, IReadOnlyList<TrainingCurve> Training);

/// <summary>Runs the COLA part of the Tandem reproduction.</summary>
public static class TandemReproduction
{
    /// <summary>Table 1a's COLA column as printed (mean, std over 10 runs).</summary>
    public static IReadOnlyDictionary<double, (double Mean, double Std)> PaperCola { get; } = new Dictionary<double, (double, double)>
    {
        [1.0] = (3e-14, 2e-15), [0.5] = (2e-14, 5e-15), [0.3] = (4e-14, 3e-15), [0.1] = (6e-14, 9e-15), [0.01] = (1e-14, 4e-14),
    };

    /// <summary>Table 1b as printed: cosine similarity between COLA and LOLA / HOLA3 / HOLA6 (mean, std).</summary>
    public static IReadOnlyDictionary<double, (double Lola, double Hola3, double Hola6)> PaperCosine { get; } = new Dictionary<double, (double, double, double)>
    {
        [1.0] = (0.94, 0.94, 0.94), [0.5] = (0.88, 0.88, 0.08), [0.3] = (0.92, 0.91, 0.80), [0.1] = (0.95, 0.99, 0.99), [0.01] = (0.99, 1.00, 1.00),
    };

    /// <summary>Rates of the learning-outcome runs and gradient fields (figures 1d, 4b, 5: a low rate and alpha = 1).</summary>
    public static readonly double[] OutcomeAlphas = { 0.1, 1.0 };

    /// <summary>Trains the COLA runs of table 1a and runs the rules from the same initialisations.</summary>
    public static TandemColaResults Compute(int runs, ColaSettings settings, LearningOptions learning, IProgress<ColaProgress>? progress = null,
        ColaCheckpoint? checkpoint = null, bool resume = false)
    {
        var game = new Tandem();
        var table = PaperTables.Tandem;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var recorder = new TrainingRecorder(table.Alphas, runs, progress);
        var rows = ConsistencyTable.Compute(game, table.Alphas, new[] { 1, 2, 3, 6 }, new PointSource.Sampled(table.Samples, 0), Array.Empty<string>(),
            cola: new ColaTableOptions(runs, settings, 0, recorder, checkpoint, resume));
        var colaSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var outcomes = new List<OutcomeRow>();
        foreach (var alpha in OutcomeAlphas)
        {
            foreach (var name in new[] { "naive", "lola_exact", "lola_taylor", "hola_8", "sos", "cgd" })
                outcomes.Add(LearningOutcomes.Run(game, name, new[] { RuleRegistry.Create(name) }, alpha, learning));
            var cola = rows.Single(r => r.Alpha == alpha).Cola!.Rules;
            outcomes.Add(LearningOutcomes.Run(game, "cola", cola, alpha, learning));
        }
        return new TandemColaResults(rows, outcomes, settings, runs, learning, colaSeconds, clock.Elapsed.TotalSeconds, recorder.Curves());
    }
}
