using static TorchSharp.torch;

namespace Hybrid.Games.Cola;

/// <summary>How a consistency table trains and reports COLA (thesis tables 1-3: mean and std over 10 runs).</summary>
/// <param name="Runs">COLA runs per look-ahead rate.</param>
/// <param name="Settings">Training settings; null for the thesis' defaults of the game (<see cref="ColaSettings.For"/>).</param>
/// <param name="Seed">Run k of rate a uses seed Seed + a * Runs + k.</param>
/// <param name="Progress">Training progress.</param>
/// <param name="Checkpoint">Where to write checkpoints, if anywhere.</param>
/// <param name="Resume">Continue from the checkpoint file if it exists (it must match game, rates, seeds and settings).</param>
public sealed record ColaTableOptions(int Runs, ColaSettings? Settings = null, long Seed = 0, IProgress<ColaProgress>? Progress = null,
    ColaCheckpoint? Checkpoint = null, bool Resume = false);

/// <summary>COLA's column of one table row.</summary>
/// <param name="Mean">Mean over runs of the consistency loss on the table's points.</param>
/// <param name="Std">Standard deviation over runs (population std, 0 for one run).</param>
/// <param name="PerRun">Each run's loss.</param>
/// <param name="Cosine">Mean over runs of the mean cosine similarity between COLA and lola_exact / hola_n.</param>
/// <param name="CosineStd">Standard deviation over runs of those similarities.</param>
/// <param name="Rules">The trained runs of this rate as learning rules.</param>
public sealed record ColaColumn(double Mean, double Std, double[] PerRun, IReadOnlyDictionary<string, double> Cosine,
    IReadOnlyDictionary<string, double> CosineStd, [property: System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<ColaRule> Rules)
{
    /// <summary>Median over runs of the loss: unlike the mean, not set by one poor run in ten.</summary>
    public double Median
    {
        get
        {
            var v = PerRun.OrderBy(x => x).ToArray();
            return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
        }
    }
}

/// <summary>Trains the COLA runs of a table (all rates and runs in one batch) and evaluates them on the table's points.</summary>
static class ColaTable
{
    public static ColaColumn[] Compute(DifferentiableGame game, IReadOnlyList<double> alphas, Tensor[] theta, long perAlpha,
        IReadOnlyList<(string Name, Tensor[] Update)> references, ColaTableOptions options)
    {
        if (options.Runs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Runs, "at least one COLA run per alpha");
        var settings = options.Settings ?? ColaSettings.For(game);
        var runs = options.Runs;
        var a = alphas.Count;
        // Candidate c of run k at rate i trains as batch entry c A R + i R + k, seeded Seed + that index: with one
        // candidate per run the seeds are those of a table without restarts.
        var candidates = settings.Restarts;
        var runAlphas = Enumerable.Range(0, candidates).SelectMany(_ => alphas.SelectMany(x => Enumerable.Repeat(x, runs))).ToArray();
        var seeds = Enumerable.Range(0, runAlphas.Length).Select(k => options.Seed + k).ToArray();
        var trainer = Resume(options, game, settings, runAlphas, seeds) ?? ColaTrainer.Create(game, settings, runAlphas, seeds, theta[0].device);
        trainer.Train(progress: options.Progress, checkpoint: options.Checkpoint);
        // The trained networks outlive the table's dispose scopes: they are returned as rules.
        trainer.Networks.Parameters.DetachFromDisposeScope();

        using var scope = NewDisposeScope();
        var chosen = Choose(trainer, game, a, runs, candidates, options.Seed, settings.ValidationPoints);
        // Run k of rate i is evaluated on rate i's points: [A S, D] -> [A R, S, D], for every candidate.
        var flat = DifferentiableGame.Concat(theta).detach().view(a, perAlpha, -1).repeat_interleave(runs, 0).repeat(candidates, 1, 1);
        var index = tensor(chosen.Select(c => (long)c).ToArray(), device: flat.device);
        var losses = trainer.ConsistencyLoss(flat).detach().index_select(0, index).cpu().data<double>().ToArray();
        var cola = cat(trainer.Networks.Forward(flat), 2).detach().index_select(0, index);
        var cosines = references.Select(r =>
        {
            var reference = DifferentiableGame.Concat(r.Update).detach().view(a, perAlpha, -1).repeat_interleave(runs, 0);
            var cos = (cola * reference).sum(2) / (cola.Square().sum(2).sqrt() * reference.Square().sum(2).sqrt());
            return (r.Name, Values: cos.mean(new long[] { 1 }).cpu().data<double>().ToArray());
        }).ToList();
        var result = new ColaColumn[a];
        for (var i = 0; i < a; i++)
        {
            var mine = losses.Skip(i * runs).Take(runs).ToArray();
            var (mean, std) = MeanStd(mine);
            var cosine = new Dictionary<string, double>();
            var cosineStd = new Dictionary<string, double>();
            foreach (var (name, values) in cosines)
            {
                (cosine[name], cosineStd[name]) = MeanStd(values.Skip(i * runs).Take(runs).ToArray());
            }
            result[i] = new ColaColumn(mean, std, mine, cosine, cosineStd,
                Enumerable.Range(i * runs, runs).Select(k => new ColaRule(trainer.Networks, chosen[k])).ToList());
        }
        return result;
    }

    /// <summary>
    /// Per run (rate-major, [A R]) the batch index of the candidate with the lowest consistency loss on held-out points
    /// of the region: one stream per rate, seeded apart from every training stream and from the table's points.
    /// </summary>
    internal static int[] Choose(ColaTrainer trainer, DifferentiableGame game, int a, int runs, int candidates, long seed, int points)
    {
        var chosen = Enumerable.Range(0, a * runs).ToArray();
        if (candidates == 1) return chosen;
        var validation = stack(Enumerable.Range(0, a).Select(i => ValidationPoints(game, seed, i, points)).ToArray());
        var theta = validation.to(trainer.Networks.Parameters.device).repeat_interleave(runs, 0).repeat(candidates, 1, 1);
        var loss = trainer.ConsistencyLoss(theta).detach().cpu().data<double>().ToArray();
        for (var k = 0; k < a * runs; k++)
            for (var c = 1; c < candidates; c++)
            {
                var candidate = loss[c * a * runs + k];
                if (candidate < loss[chosen[k]] || (double.IsFinite(candidate) && !double.IsFinite(loss[chosen[k]]))) chosen[k] = c * a * runs + k;
            }
        return chosen;
    }

    /// <summary>The held-out points of rate <paramref name="rate"/> (index into the table's rates), [points, D].</summary>
    internal static Tensor ValidationPoints(DifferentiableGame game, long seed, int rate, int points) =>
        game.Region.Sample(new long[] { points, game.TotalParameters }, new Generator(unchecked((ulong)(seed + rate) ^ 0xC0FFEE5EEDUL)));

    static ColaTrainer? Resume(ColaTableOptions options, DifferentiableGame game, ColaSettings settings, double[] alphas, long[] seeds)
    {
        if (!options.Resume || options.Checkpoint is null || !File.Exists(options.Checkpoint.Path)) return null;
        return ColaFile.ReadTrainer(options.Checkpoint.Path, expected: ColaFile.Header(game, settings, alphas, seeds));
    }

    static (double Mean, double Std) MeanStd(double[] v)
    {
        var mean = v.Average();
        return (mean, Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length));
    }
}
