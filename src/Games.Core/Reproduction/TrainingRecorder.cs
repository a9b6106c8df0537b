using Hybrid.Games.Cola;

namespace Hybrid.Games.Reproduction;

/// <summary>Forwards COLA progress and keeps, per rate, the mean over runs of log10 of each reported batch loss.</summary>
sealed class TrainingRecorder(double[] alphas, int runs, IProgress<ColaProgress>? inner) : IProgress<ColaProgress>
{
    readonly List<(int Step, double[] Losses)> reports = new();

    public void Report(ColaProgress value)
    {
        reports.Add((value.Step, value.Losses));
        inner?.Report(value);
    }

    public List<TrainingCurve> Curves() => alphas.Select((alpha, a) => new TrainingCurve(alpha, reports.Select(p => p.Step).ToArray(),
        reports.Select(p => p.Losses.Skip(a * runs).Take(runs).Average(l => Math.Log10(Math.Max(l, 1e-300)))).ToArray())).ToList();
}
