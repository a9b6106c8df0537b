using System.Globalization;
using Hybrid.Games.Cola;

namespace Hybrid.Cli.Output;

/// <summary>Progress on stderr: a bar with ETA on a terminal, a log line per tenth otherwise.</summary>
sealed class ProgressBar(TextWriter stderr)
{
    readonly bool terminal = !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error);
    int lastLoggedPercent = -1;

    /// <summary>
    /// Shows <paramref name="text"/> at <paramref name="fraction"/> done after <paramref name="elapsed"/>; a resumed job
    /// passes the fraction it started from, so the ETA extrapolates this process's own pace.
    /// </summary>
    public void Report(double fraction, string text, TimeSpan elapsed, double startFraction = 0)
    {
        var done = fraction - startFraction;
        var eta = done > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction) / done) : TimeSpan.Zero;
        var line = $"{text} elapsed {elapsed:hh\\:mm\\:ss} eta {eta:hh\\:mm\\:ss}";
        if (terminal)
        {
            const int width = 30;
            var filled = (int)Math.Round(fraction * width);
            stderr.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {line}   ");
            if (fraction >= 1) stderr.WriteLine();
        }
        else
        {
            var percent = (int)(fraction * 10) * 10;
            if (percent == lastLoggedPercent && fraction < 1) return;
            lastLoggedPercent = percent;
            stderr.WriteLine(line);
        }
    }
}

/// <summary>COLA training progress.</summary>
sealed class ProgressReporter(TextWriter stderr, string label) : IProgress<ColaProgress>
{
    readonly ProgressBar bar = new(stderr);
    double resumedAt; // the fraction a resumed training had done before this process: the ETA counts from there

    public void Report(ColaProgress p)
    {
        var fraction = p.Steps == 0 ? 1 : (double)p.Step / p.Steps;
        if (p.Earlier) { resumedAt = fraction; return; }
        var mean = p.Losses.Length > 0 ? p.Losses.Average() : double.NaN;
        bar.Report(fraction, $"{label} {p.Step}/{p.Steps} mean batch loss {mean.ToString("0.##e+0", CultureInfo.InvariantCulture)}", p.Elapsed, resumedAt);
    }
}
