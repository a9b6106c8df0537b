using System.Globalization;
using Hybrid.Games.Cola;

namespace Hybrid.Cli;

/// <summary>COLA training progress on stderr: a bar with ETA on a terminal, plain log lines otherwise.</summary>
sealed class ProgressReporter(TextWriter stderr, string label) : IProgress<ColaProgress>
{
    readonly bool terminal = !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error);
    int lastLoggedPercent = -1;

    public void Report(ColaProgress p)
    {
        var fraction = p.Steps == 0 ? 1 : (double)p.Step / p.Steps;
        var eta = fraction > 0 ? TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        var mean = p.Losses.Length > 0 ? p.Losses.Average() : double.NaN;
        var text = $"{label} {p.Step}/{p.Steps} mean batch loss {mean.ToString("0.##e+0", CultureInfo.InvariantCulture)} elapsed {p.Elapsed:hh\\:mm\\:ss} eta {eta:hh\\:mm\\:ss}";
        if (terminal)
        {
            const int width = 30;
            var filled = (int)Math.Round(fraction * width);
            stderr.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {text}   ");
            if (p.Step >= p.Steps) stderr.WriteLine();
        }
        else
        {
            var percent = (int)(fraction * 10) * 10;
            if (percent == lastLoggedPercent && p.Step < p.Steps) return;
            lastLoggedPercent = percent;
            stderr.WriteLine(text);
        }
    }
}
