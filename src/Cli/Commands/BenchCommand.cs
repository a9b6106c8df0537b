using System.Diagnostics;
using Hybrid.Games;
using Hybrid.Games.Games;
using Hybrid.Games.Rules;
using static TorchSharp.torch;

namespace Hybrid.Cli.Commands;

/// <summary><c>hybrid bench hola</c>: the time of each HOLA level, to show how the cost grows with the order.</summary>
public static class BenchCommand
{
    /// <summary>Accepted options after the target.</summary>
    public static readonly string[] Options = { "game", "alpha", "samples", "max-order", "seed", "json!" };

    /// <summary>Runs the command.</summary>
    public static int Run(string[] rest, TextWriter stdout)
    {
        if (rest.Length == 0 || rest[0] != "hola") throw new UsageException("bench needs a target (available: hola)");
        var args = Arguments.Parse(rest[1..], Options);
        var game = GameRegistry.Create(args.Get("game") ?? "ipd");
        var alpha = args.Double("alpha", 1.0, positive: true);
        var samples = args.Int("samples", 250, 1, 1_000_000);
        var maxOrder = args.Int("max-order", 7, 0, 12);
        InitializeDeviceType(TorchSharp.DeviceType.CPU);
        using var scope = NewDisposeScope();
        var theta = Autodiff.Leaves(game.SampleRegion(samples, new Generator((ulong)args.Int("seed", 0, 0))));
        var rate = LearningRuleExtensions.Rate(alpha);
        Tensor[]? previous = null;
        var seconds = new double[maxOrder + 1];
        for (var k = 0; k <= maxOrder; k++)
        {
            var clock = Stopwatch.StartNew();
            // Level k = HOLA-k for both players, with a graph (as every level but the last of a table needs).
            previous = HolaRule.ExactStep(game, theta, previous, rate);
            seconds[k] = clock.Elapsed.TotalSeconds;
        }
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object> { ["game"] = game.Name, ["alpha"] = alpha, ["samples"] = samples, ["level_seconds"] = seconds }));
            return 0;
        }
        stdout.WriteLine($"HOLA levels on {game.Name}, {samples} points, alpha {alpha}, both players, one thread, with graph");
        stdout.WriteLine("order".PadLeft(6) + "seconds".PadLeft(12) + "ratio to previous".PadLeft(20));
        for (var k = 0; k <= maxOrder; k++)
            stdout.WriteLine(k.ToString().PadLeft(6) + seconds[k].ToString("F4").PadLeft(12) + (k > 0 ? (seconds[k] / seconds[k - 1]).ToString("F2") : "").PadLeft(20));
        return 0;
    }
}
