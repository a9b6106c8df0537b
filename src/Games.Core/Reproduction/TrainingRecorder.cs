using Hybrid.Games.Cola;

namespace Hybrid.Games.Reproduction;

/// <summary>Forwards COLA progress and keeps, per rate, the mean, minimum and maximum over runs of log10 of each reported batch loss.</summary>
sealed class TrainingRecorder(double[] alphas, int runs, IProgress<ColaProgress>? inner) : IProgress<ColaProgress>
{
    readonly List<(int Step, double[] Losses)> reports = new();

    public void Report(ColaProgress value)
    {
        reports.Add((value.Step, value.Losses));
        inner?.Report(value);
    }

    public List<TrainingCurve> Curves() => alphas.Select((alpha, a) =>
    {
        var log10 = reports.Select(p => p.Losses.Skip(a * runs).Take(runs).Select(l => Math.Log10(Math.Max(l, 1e-300))).ToArray()).ToArray();
        return new TrainingCurve(alpha, reports.Select(p => p.Step).ToArray(), log10.Select(l => l.Average()).ToArray(),
            log10.Select(l => l.Min()).ToArray(), log10.Select(l => l.Max()).ToArray());
    }).ToList();
}
