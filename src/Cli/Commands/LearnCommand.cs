using Hybrid.Cli.Parsing;
using Hybrid.Games;
using System.Globalization;
using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Hybrid.Games.Rules;

namespace Hybrid.Cli.Commands;

/// <summary><c>hybrid learn</c>: a batch of learning runs of one rule and its outcome per seed.</summary>
public static class LearnCommand
{
    /// <summary>Accepted options.</summary>
    public static readonly string[] Options = { "game", "rule", "alpha", "steps", "seeds", "seed", "init-std", "json!", "cola-file", "cola-run" };

    /// <summary>Runs the command.</summary>
    public static int Run(Arguments args, TextWriter stdout)
    {
        var game = GameRegistry.Create(args.Required("game"));
        var ruleName = args.Required("rule");
        ILearningRule rule;
        if (ruleName == "cola")
        {
            var file = args.Get("cola-file") ?? throw new UsageException("--rule cola needs --cola-file FILE (written by `hybrid cola`)");
            var header = ColaFile.ReadHeader(file);
            var colaRun = args.Int("cola-run", 0, 0, header.Alphas.Length - 1);
            if (header.Game != game.Name) throw new UsageException($"{file} holds COLA networks for {header.Game}, not {game.Name}");
            if (args.Get("alpha") is { } given && double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) && a != header.Alphas[colaRun])
                throw new UsageException($"run {colaRun} of {file} was trained for alpha {header.Alphas[colaRun].ToString(CultureInfo.InvariantCulture)}, not {given}");
            rule = ColaRule.Load(file, colaRun);
        }
        else
        {
            if (args.Get("cola-file") != null || args.Get("cola-run") != null) throw new UsageException("--cola-file and --cola-run go with --rule cola");
            rule = RuleRegistry.Create(ruleName);
        }
        // A COLA pair was trained for one rate; its rate is the default.
        var alpha = args.Double("alpha", rule is ColaRule cola ? ColaFile.ReadHeader(args.Get("cola-file")!).Alphas[cola.Run] : null, positive: true);
        var options = new LearningOptions(
            Steps: args.Get("steps") == null ? throw new UsageException("--steps is required") : args.Int("steps", 0, 0, 10_000_000),
            Seeds: args.Int("seeds", 10, 1, 100_000),
            BaseSeed: args.Int("seed", 0, 0),
            InitStd: args.Double("init-std", 1.0, nonNegative: true));
        var run = LearningRun.Run(game, rule, alpha, options);
        var finals = run.FinalLosses();
        if (args.Flag("json"))
        {
            stdout.WriteLine(Json.Line(new Dictionary<string, object>
            {
                ["game"] = game.Name, ["rule"] = rule.Name, ["alpha"] = alpha, ["steps"] = options.Steps, ["seeds"] = options.Seeds,
                ["init_std"] = options.InitStd,
                ["final_losses"] = finals,
                ["outcome"] = run.Outcome.Select(Name).ToArray(),
                ["diverged_at"] = run.DivergedAt,
                ["final_parameters"] = Enumerable.Range(0, options.Seeds).Select(k => run.Parameters[-1][k].data<double>().ToArray()).ToArray(),
            }));
            return 0;
        }
        stdout.WriteLine($"{rule.Name} on {game.Name}, alpha {alpha.ToString(CultureInfo.InvariantCulture)}, {options.Steps} steps, {options.Seeds} seeds, init N(0, {options.InitStd.ToString(CultureInfo.InvariantCulture)}^2)");
        stdout.WriteLine("seed".PadLeft(6) + string.Concat(game.Players.Select(p => ("loss " + p.Name).PadLeft(16))) + "outcome".PadLeft(16));
        for (var k = 0; k < options.Seeds; k++)
        {
            var outcome = run.Outcome[k] == RunOutcome.Diverged ? $"diverged@{run.DivergedAt[k]}" : Name(run.Outcome[k]);
            stdout.WriteLine((options.BaseSeed + k).ToString(CultureInfo.InvariantCulture).PadLeft(6)
                + string.Concat(finals[k].Select(v => NumberFormat.Short(v).PadLeft(16))) + outcome.PadLeft(16));
        }
        var counts = run.Outcome.GroupBy(o => o).Select(g => $"{g.Count()} {Name(g.Key)}");
        stdout.WriteLine($"summary: {string.Join(", ", counts)}; mean final losses {string.Join(", ", Enumerable.Range(0, game.PlayerCount).Select(i => NumberFormat.Short(finals.Average(f => f[i]))))}");
        return 0;
    }

    static string Name(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Converged => "converged",
        RunOutcome.Diverged => "diverged",
        _ => "not_converged",
    };
}
