using Hybrid.Scaling.Environments;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// OpenES settings with evosax's names; defaults are the shaper's (anchors.md section 2, pax's configs):
/// sigma 0.04 decaying by 0.999 to 0.01, Adam lr 0.1 decaying by 0.9999 to 0.001 with beta1 0.99, beta2 0.999, eps 1e-8,
/// mean initialised at 0, fitness maximised and mean-subtracted.
/// </summary>
public sealed record OpenEsConfig
{
    /// <summary>Population size (even: antithetic pairs).</summary>
    public int PopSize { get; set; } = 128;
    /// <summary>Initial noise scale.</summary>
    public double SigmaInit { get; set; } = 0.04;
    /// <summary>Multiplier of sigma after each generation.</summary>
    public double SigmaDecay { get; set; } = 0.999;
    /// <summary>Floor of sigma.</summary>
    public double SigmaLimit { get; set; } = 0.01;
    /// <summary>Initial Adam learning rate.</summary>
    public double LrateInit { get; set; } = 0.1;
    /// <summary>Multiplier of the learning rate after each generation.</summary>
    public double LrateDecay { get; set; } = 0.9999;
    /// <summary>Floor of the learning rate.</summary>
    public double LrateLimit { get; set; } = 0.001;
    /// <summary>Adam's first-moment decay.</summary>
    public double Beta1 { get; set; } = 0.99;
    /// <summary>Adam's second-moment decay.</summary>
    public double Beta2 { get; set; } = 0.999;
    /// <summary>Adam's epsilon (outside the square root).</summary>
    public double Eps { get; set; } = 1e-8;
    /// <summary>The mean starts uniform in [init_min, init_max] (0 for pax).</summary>
    public double InitMin { get; set; }
    /// <summary>See <see cref="InitMin"/>.</summary>
    public double InitMax { get; set; }
    /// <summary>Candidates are clipped to [clip_min, clip_max].</summary>
    public double ClipMin { get; set; } = -1e10;
    /// <summary>See <see cref="ClipMin"/>.</summary>
    public double ClipMax { get; set; } = 1e10;
    /// <summary>Higher fitness is better (evosax minimises, so fitness is negated first).</summary>
    public bool Maximise { get; set; } = true;
    /// <summary>Replace fitness by centred ranks rank / (N - 1) - 0.5.</summary>
    public bool CenteredRank { get; set; }
    /// <summary>Replace fitness by its z-score.</summary>
    public bool ZScore { get; set; }
    /// <summary>Penalty w x mean(x^2) per candidate, added after the negation and before ranking.</summary>
    public double WDecay { get; set; }
    /// <summary>Subtract the mean of the shaped fitness (pax's mean_reduce).</summary>
    public bool MeanReduce { get; set; } = true;

    /// <summary>Throws with the key name when a setting is invalid.</summary>
    public void Validate()
    {
        if (PopSize < 2 || PopSize % 2 != 0) throw new ArgumentException($"pop_size={PopSize}: must be even and at least 2 (antithetic pairs)");
        if (!(SigmaInit > 0) || !(SigmaLimit >= 0) || !(SigmaDecay > 0)) throw new ArgumentException("sigma_init must be positive, sigma_limit non-negative, sigma_decay positive");
        if (!(LrateInit > 0) || !(LrateLimit >= 0) || !(LrateDecay > 0)) throw new ArgumentException("lrate_init must be positive, lrate_limit non-negative, lrate_decay positive");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1 || !(Eps > 0)) throw new ArgumentException("beta_1 and beta_2 must lie in [0, 1), eps must be positive");
        if (CenteredRank && ZScore) throw new ArgumentException("centered_rank and z_score exclude each other");
        if (WDecay < 0) throw new ArgumentException($"w_decay={WDecay}: must be non-negative");
        if (InitMin > InitMax || ClipMin > ClipMax) throw new ArgumentException("init_min/clip_min must not exceed init_max/clip_max");
    }
}

/// <summary>
/// OpenES with evosax 0.1.x semantics as pax uses it: antithetic candidates x = mean +- sigma z (row N/2 + i mirrors
/// row i), shaped fitness (negated when maximising, weight decay, centred ranks or z-score, mean-subtracted), gradient
/// g = z^T f / (N sigma), an Adam step with bias correction (t from 1), then lr and sigma decay with floors.
/// Every draw comes from the strategy's own seeded stream.
/// </summary>
public sealed class OpenEs
{
    readonly OpenEsConfig config;
    readonly double[] m, v;
    ulong rng;

    /// <summary>Starts the search over <paramref name="dims"/> parameters.</summary>
    public OpenEs(int dims, OpenEsConfig config, ulong seed)
    {
        if (dims < 1) throw new ArgumentOutOfRangeException(nameof(dims), dims, "at least one parameter is needed");
        config.Validate();
        this.config = config;
        rng = SplitMix64.Start(seed);
        Mean = new double[dims];
        for (var d = 0; d < dims; d++) Mean[d] = config.InitMin + (config.InitMax - config.InitMin) * SplitMix64.UnitDouble(ref rng);
        m = new double[dims];
        v = new double[dims];
        Sigma = config.SigmaInit;
        LearningRate = config.LrateInit;
    }

    /// <summary>The search distribution's mean (the current solution).</summary>
    public double[] Mean { get; }

    /// <summary>Noise scale of the next generation.</summary>
    public double Sigma { get; private set; }

    /// <summary>Adam learning rate of the next update.</summary>
    public double LearningRate { get; private set; }

    /// <summary>Generations told so far.</summary>
    public int Generation { get; private set; }

    /// <summary>Number of parameters.</summary>
    public int Dims => Mean.Length;

    /// <summary>A population [N][D]: rows i and N/2 + i are mean + sigma z_i and mean - sigma z_i, clipped.</summary>
    public double[][] Ask()
    {
        var n = config.PopSize;
        var x = new double[n][];
        for (var i = 0; i < n / 2; i++)
        {
            x[i] = new double[Dims];
            x[i + n / 2] = new double[Dims];
            for (var d = 0; d < Dims; d++)
            {
                var z = SplitMix64.StandardNormal(ref rng);
                x[i][d] = Math.Clamp(Mean[d] + Sigma * z, config.ClipMin, config.ClipMax);
                x[i + n / 2][d] = Math.Clamp(Mean[d] - Sigma * z, config.ClipMin, config.ClipMax);
            }
        }
        return x;
    }

    /// <summary>Updates the mean from the population's raw fitness (higher is better when maximising), then decays lr and sigma.</summary>
    public void Tell(double[][] population, double[] fitness)
    {
        if (population.Length != config.PopSize || fitness.Length != config.PopSize)
            throw new ArgumentException($"expected {config.PopSize} candidates and fitness values, got {population.Length} and {fitness.Length}");
        if (population.Any(x => x.Length != Dims)) throw new ArgumentException($"every candidate needs {Dims} parameters");
        if (fitness.Any(f => !double.IsFinite(f))) throw new ArgumentException("fitness values must be finite");
        var f = Shape(population, fitness, config);
        var n = population.Length;
        var gradient = new double[Dims];
        for (var i = 0; i < n; i++)
            for (var d = 0; d < Dims; d++)
                gradient[d] += f[i] * (population[i][d] - Mean[d]) / Sigma;
        var t = Generation + 1;
        for (var d = 0; d < Dims; d++)
        {
            var g = gradient[d] / (n * Sigma);
            m[d] = (1 - config.Beta1) * g + config.Beta1 * m[d];
            v[d] = (1 - config.Beta2) * g * g + config.Beta2 * v[d];
            var mHat = m[d] / (1 - Math.Pow(config.Beta1, t));
            var vHat = v[d] / (1 - Math.Pow(config.Beta2, t));
            Mean[d] -= LearningRate * mHat / (Math.Sqrt(vHat) + config.Eps);
        }
        Generation++;
        LearningRate = Math.Max(LearningRate * config.LrateDecay, config.LrateLimit);
        Sigma = Math.Max(Sigma * config.SigmaDecay, config.SigmaLimit);
    }

    /// <summary>
    /// evosax's FitnessShaper then pax's mean reduction: negate when maximising (evosax minimises), add
    /// w_decay x mean(x^2), then centred ranks (ties in index order) or z-score, then subtract the mean. Lower is better.
    /// </summary>
    public static double[] Shape(double[][] population, double[] fitness, OpenEsConfig config)
    {
        var n = fitness.Length;
        var f = fitness.Select(x => config.Maximise ? -x : x).ToArray();
        if (config.WDecay > 0)
            for (var i = 0; i < n; i++) f[i] += config.WDecay * population[i].Average(x => x * x);
        if (config.CenteredRank)
        {
            var order = Enumerable.Range(0, n).OrderBy(i => f[i]).ThenBy(i => i).ToArray(); // stable, as JAX's argsort
            var ranks = new double[n];
            for (var r = 0; r < n; r++) ranks[order[r]] = (double)r / (n - 1) - 0.5;
            f = ranks;
        }
        else if (config.ZScore)
        {
            var mean = f.Average();
            var std = Math.Sqrt(f.Average(x => (x - mean) * (x - mean)));
            f = f.Select(x => (x - mean) / (std + 1e-10)).ToArray();
        }
        if (config.MeanReduce)
        {
            var mean = f.Average();
            f = f.Select(x => x - mean).ToArray();
        }
        return f;
    }

    /// <summary>Writes the search state (mean, Adam moments, sigma, lr, generation, random stream).</summary>
    public void Save(BinaryWriter w)
    {
        w.Write(Dims);
        foreach (var arr in new[] { Mean, m, v }) foreach (var x in arr) w.Write(x);
        w.Write(Sigma);
        w.Write(LearningRate);
        w.Write(Generation);
        w.Write(rng);
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(BinaryReader r)
    {
        var dims = r.ReadInt32();
        if (dims != Dims) throw new InvalidDataException($"the saved search has {dims} parameters, this one {Dims}");
        foreach (var arr in new[] { Mean, m, v }) for (var d = 0; d < dims; d++) arr[d] = r.ReadDouble();
        Sigma = r.ReadDouble();
        LearningRate = r.ReadDouble();
        Generation = r.ReadInt32();
        rng = r.ReadUInt64();
    }
}
