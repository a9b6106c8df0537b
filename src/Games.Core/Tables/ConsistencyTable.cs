using Hybrid.Games.Analysis;
using Hybrid.Games.Cola;
using Hybrid.Games.Rules;
using static TorchSharp.torch;

namespace Hybrid.Games.Tables;

/// <summary>One row of a consistency table: the loss of every rule at one look-ahead rate.</summary>
/// <param name="Alpha">The look-ahead rate.</param>
/// <param name="Samples">Number of parameter points averaged over.</param>
/// <param name="Losses">Rule name (lola_exact, lola_taylor, hola_N, sos, cgd, lookahead) to consistency loss.</param>
/// <param name="Cola">COLA's column when the table trained COLA runs, else null.</param>
public sealed record ConsistencyRow(double Alpha, int Samples, IReadOnlyDictionary<string, double> Losses, ColaColumn? Cola = null);

/// <summary>Where the parameter points of a table come from.</summary>
public abstract record PointSource
{
    /// <summary>Fresh uniform samples from the game's region for every alpha, drawn in alpha order from one generator.</summary>
    public sealed record Sampled(int Count, long Seed) : PointSource;

    /// <summary>The same given points ([P, D], player 1's parameters first) for every alpha.</summary>
    public sealed record Given(Tensor Points) : PointSource;
}

/// <summary>
/// The deterministic columns of the thesis' consistency tables (tables 1a-3a and appendix I), computed for
/// all look-ahead rates in one batch: rates become a per-point [B, 1] column, so every autograd operation
/// runs once on A x S points instead of A times on S. HOLA orders come from a single recursion up to the
/// highest order, and the loss of HOLA-n uses HOLA-(n+1), since by definition the consistency residual of
/// HOLA-n is h^{n+1} - h^n.
/// </summary>
public static class ConsistencyTable
{
    /// <summary>The rules a table reports besides the HOLA orders.</summary>
    public static IReadOnlyList<string> FirstOrderRules { get; } = new[] { "lola_taylor", "sos", "cgd", "lookahead" };

    /// <summary>Computes the table.</summary>
    /// <param name="game">The game.</param>
    /// <param name="alphas">Look-ahead rates, each finite and positive.</param>
    /// <param name="orders">HOLA orders to report (each &gt;= 0); lola_exact (= hola_1) is always reported.</param>
    /// <param name="points">Sampled or given points.</param>
    /// <param name="firstOrderRules">Which of <see cref="FirstOrderRules"/> to include (all by default).</param>
    /// <param name="device">Where to compute.</param>
    /// <param name="cola">Also train COLA runs per rate and report their loss and cosine similarity with LOLA and each HOLA order.</param>
    /// <param name="residual">How the residuals of the first-order rules differentiate their stop-gradients
    /// (<see cref="ResidualMode"/>; lookahead, lola_taylor and sos differ between the modes, cgd and the HOLA columns do not).</param>
    public static IReadOnlyList<ConsistencyRow> Compute(DifferentiableGame game, IReadOnlyList<double> alphas, IReadOnlyList<int> orders,
        PointSource points, IEnumerable<string>? firstOrderRules = null, Device? device = null, ColaTableOptions? cola = null,
        ResidualMode residual = ResidualMode.Exact)
    {
        device ??= CPU;
        if (alphas.Count == 0) throw new ArgumentException("at least one alpha is needed", nameof(alphas));
        foreach (var a in alphas) LearningRuleExtensions.Rate(a).Dispose();
        if (orders.Where(o => o < 0 || o > 64).ToList() is { Count: > 0 } bad)
            throw new ArgumentOutOfRangeException(nameof(orders), $"HOLA orders must lie in 0..64, got {string.Join(", ", bad)}");
        var rules = (firstOrderRules ?? FirstOrderRules).ToList();
        var unknown = rules.Except(FirstOrderRules).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"unknown table rule(s) {string.Join(", ", unknown)} (known: {string.Join(", ", FirstOrderRules)})");

        using var scope = NewDisposeScope();
        var (theta, perAlpha) = Points(game, alphas.Count, points, device);
        var rate = tensor(alphas.ToArray(), dtype: ScalarType.Float64, device: device).repeat_interleave(perAlpha).unsqueeze(1);
        var results = alphas.Select(_ => new Dictionary<string, double>()).ToArray();

        void Report(string name, Tensor pointLoss)
        {
            var means = pointLoss.detach().reshape(alphas.Count, perAlpha).mean(new long[] { 1 }).cpu().data<double>().ToArray();
            for (var a = 0; a < alphas.Count; a++) results[a][name] = means[a];
        }

        var maxOrder = Math.Max(1, orders.DefaultIfEmpty(1).Max());
        ColaColumn[]? colaColumns = null;
        using (NewDisposeScope())
        {
            var leaves = Autodiff.Leaves(theta);
            var levels = HolaRule.Sequence(game, leaves, rate, maxOrder + 1, lastDifferentiable: false);
            Tensor HolaLoss(int n) => Consistency.PointLoss(levels[n + 1].Select((h, i) => h.detach() - levels[n][i].detach()).ToArray(), rate);
            Report("lola_exact", HolaLoss(1));
            var sorted = orders.Distinct().OrderBy(n => n).ToList();
            foreach (var n in sorted) Report($"hola_{n}", HolaLoss(n));
            if (cola != null)
            {
                var references = new List<(string, Tensor[])> { ("lola_exact", levels[1]) };
                references.AddRange(sorted.Select(n => ($"hola_{n}", levels[n])));
                colaColumns = ColaTable.Compute(game, alphas, theta, perAlpha, references, cola);
            }
        }
        foreach (var name in rules)
        {
            using var ruleScope = NewDisposeScope();
            var rule = RuleRegistry.Create(name);
            Report(name, Consistency.PointLoss(Consistency.Residual(game, rule, theta, rate, mode: residual), rate));
        }
        return alphas.Select((a, i) => new ConsistencyRow(a, (int)perAlpha, results[i], colaColumns?[i])).ToList();
    }

    static (Tensor[] Theta, long PerAlpha) Points(DifferentiableGame game, int alphaCount, PointSource source, Device device)
    {
        switch (source)
        {
            case PointSource.Sampled s:
                if (s.Count < 1) throw new ArgumentOutOfRangeException(nameof(source), s.Count, "at least one sample is needed");
                var generator = new Generator((ulong)s.Seed);
                var blocks = Enumerable.Range(0, alphaCount).Select(_ => game.SampleRegion(s.Count, generator)).ToList();
                return (Enumerable.Range(0, game.PlayerCount).Select(i => cat(blocks.Select(b => b[i]).ToArray(), 0).to(device)).ToArray(), s.Count);
            case PointSource.Given g:
                var split = game.Split(g.Points.to(ScalarType.Float64).to(device));
                if (!g.Points.isfinite().all().item<bool>()) throw new ArgumentException("the given points contain NaN or infinity");
                return (split.Select(t => t.repeat(alphaCount, 1)).ToArray(), g.Points.shape[0]);
            default:
                throw new ArgumentException($"unsupported point source {source}");
        }
    }
}
