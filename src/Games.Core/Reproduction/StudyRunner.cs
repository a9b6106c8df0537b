using System.Diagnostics;
using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Hybrid.Games.Rules;
using Hybrid.Games.Tables;
using static TorchSharp.torch;

namespace Hybrid.Games.Reproduction;

/// <summary>Runs a <see cref="StudySpec"/>: table with COLA, comparison with the printed columns, learning outcomes, fields, claims.</summary>
public static class StudyRunner
{
    /// <summary>Grid points per side of the gradient fields.</summary>
    public const int FieldSide = 11;

    /// <summary>Runs the study.</summary>
    public static StudyResults Run(StudySpec spec, StudyOptions options)
    {
        var game = GameRegistry.Create(spec.Game);
        var settings = options.ColaSettingsFor(game);
        settings.Validate();
        var runs = options.ResolvedRuns;
        if (runs < 1) throw new ArgumentOutOfRangeException(nameof(options), runs, "at least one COLA run per rate is needed");
        var learning = options.LearningFor(spec);
        var alphas = spec.ColaAlphas;

        var clock = Stopwatch.StartNew();
        var recorder = new TrainingRecorder(alphas, runs, options.Progress);
        var rows = ConsistencyTable.Compute(game, alphas, spec.Orders, new PointSource.Sampled(spec.Samples, 0), spec.FirstOrderRules,
            cola: new ColaTableOptions(runs, settings, 0, recorder, options.Checkpoint, options.Resume));
        var comparison = spec.Paper is { } paper ? TableComparison.Compute(paper, options.TableSeeds ?? (options.Fast ? 2 : 5)) : null;
        var tableSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var outcomes = new List<OutcomeRow>();
        foreach (var panel in spec.Outcomes)
            foreach (var name in panel.Rules)
            {
                IReadOnlyList<ILearningRule> rules = name == "cola"
                    ? rows.Single(r => r.Alpha == panel.Alpha).Cola!.Rules
                    : new[] { RuleRegistry.Create(name) };
                outcomes.Add(LearningOutcomes.Run(game, name, rules, panel.Alpha, learning, spec.Measure));
            }
        IReadOnlyList<GradientField> fields = game.TotalParameters == 2 ? Fields(game, spec.FieldAlphas, rows) : Array.Empty<GradientField>();
        var results = new StudyResults(spec, rows, comparison, outcomes, fields, recorder.Curves(), settings, runs, learning, options.Fast,
            tableSeconds, clock.Elapsed.TotalSeconds);
        return results with
        {
            Claims = spec.Claims.Select(c => { var (holds, detail) = c.Check(results); return new ClaimResult(c.Source, c.Statement, holds, detail); }).ToList(),
        };
    }

    /// <summary>COLA (run 0) and HOLA-4 on a grid of the game's region at each rate (thesis figures 5, 8, 9, 11).</summary>
    public static List<GradientField> Fields(DifferentiableGame game, double[] alphas, IReadOnlyList<ConsistencyRow> rows)
    {
        var r = game.Region;
        var axis = Enumerable.Range(0, FieldSide).Select(i => r.Low + (r.High - r.Low) * i / (FieldSide - 1)).ToArray();
        var xs = axis.SelectMany(x => axis.Select(_ => x)).ToArray();
        var ys = axis.SelectMany(_ => axis).ToArray();
        var fields = new List<GradientField>();
        foreach (var alpha in alphas)
        {
            var rules = new (string, ILearningRule)[] { ("COLA", rows.Single(x => x.Alpha == alpha).Cola!.Rules[0]), ("HOLA4", new HolaRule(4)) };
            foreach (var (name, rule) in rules)
            {
                using var scope = NewDisposeScope();
                var theta = new[] { tensor(xs).unsqueeze(1), tensor(ys).unsqueeze(1) };
                var h = rule.Update(game, Autodiff.Leaves(theta), LearningRuleExtensions.Rate(alpha));
                fields.Add(new GradientField(name, alpha, xs, ys, h[0].detach().squeeze(1).data<double>().ToArray(), h[1].detach().squeeze(1).data<double>().ToArray()));
            }
        }
        return fields;
    }
}
