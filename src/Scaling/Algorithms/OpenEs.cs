using TorchSharp;
using static TorchSharp.torch;

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
/// OpenES with evosax 0.1.x semantics as pax uses it, on tensors: a population is a [N, P] tensor whose rows are the
/// copy dimension of a network's <see cref="ParameterStore"/> (<see cref="ParameterStore.Assign"/>), so N networks are
/// evaluated as one batched forward pass per step. Antithetic candidates x = mean +- sigma z (row N/2 + i mirrors row
/// i), shaped fitness (negated when maximising, weight decay, centred ranks or z-score, mean-subtracted), gradient
/// g = sum_i f_i (x_i - mean) / sigma / (N sigma), an Adam step (the kernel's <see cref="Adam"/>, bias correction with t
/// from 1), then learning-rate and sigma decay with floors. The noise comes from the strategy's own seeded generator.
/// </summary>
public sealed class OpenEs : IDisposable
{
    readonly OpenEsConfig config;
    readonly Tensor mean;        // [1, P]
    readonly Adam adam;
    readonly Generator generator;
    readonly Device device;
    readonly Scalar clipMin, clipMax;

    /// <summary>Starts the search over <paramref name="dims"/> parameters (float32 by default, as the networks it feeds).</summary>
    public OpenEs(long dims, OpenEsConfig config, ulong seed, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (dims < 1) throw new ArgumentOutOfRangeException(nameof(dims), dims, "at least one parameter is needed");
        config.Validate();
        this.config = config;
        this.device = device ?? CPU;
        Dims = dims;
        generator = new Generator(seed);
        using (no_grad())
        {
            using Scalar width = (config.InitMax - config.InitMin).ToScalar(), low = config.InitMin.ToScalar();
            using var draw = rand(new[] { 1, dims }, dtype: ScalarType.Float64, generator: generator);
            mean = draw.mul(width).add(low, Keep.One).to(dtype).to(this.device).DetachFromDisposeScope();
        }
        adam = new Adam(mean, maxGradNorm: null, config.Beta1, config.Beta2, config.Eps);
        clipMin = config.ClipMin.ToScalar();
        clipMax = config.ClipMax.ToScalar();
        Sigma = config.SigmaInit;
        LearningRate = config.LrateInit;
    }

    /// <summary>The search distribution's mean [P] (the current solution).</summary>
    public Tensor Mean => mean[0];

    /// <summary>Noise scale of the next generation.</summary>
    public double Sigma { get; private set; }

    /// <summary>Adam learning rate of the next update.</summary>
    public double LearningRate { get; private set; }

    /// <summary>Generations told so far.</summary>
    public int Generation { get; private set; }

    /// <summary>Number of parameters P.</summary>
    public long Dims { get; }

    /// <summary>Population size N.</summary>
    public int PopulationSize => config.PopSize;

    /// <summary>A population [N, P]: rows i and N/2 + i are mean + sigma z_i and mean - sigma z_i, clipped.</summary>
    public Tensor Ask()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var z = randn(new[] { (long)config.PopSize / 2, Dims }, dtype: ScalarType.Float64, generator: generator).to(mean.dtype).to(device);
        using Scalar sigma = Sigma.ToScalar();
        var step = z.mul(sigma);
        return cat(new[] { mean.Plus(step), mean - step }, 0).clamp(clipMin, clipMax).MoveToOuterDisposeScope();
    }

    /// <summary>Updates the mean from the population's raw fitness [N] (higher is better when maximising), then decays lr and sigma.</summary>
    public void Tell(Tensor population, IReadOnlyList<double> fitness)
    {
        if (population.dim() != 2 || population.shape[0] != config.PopSize || population.shape[1] != Dims)
            throw new ArgumentException($"expected a population [{config.PopSize}, {Dims}], got [{string.Join(", ", population.shape)}]", nameof(population));
        if (fitness.Count != config.PopSize) throw new ArgumentException($"expected {config.PopSize} fitness values, got {fitness.Count}", nameof(fitness));
        if (fitness.Any(f => !double.IsFinite(f))) throw new ArgumentException("fitness values must be finite", nameof(fitness));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var shaped = Shape(population, fitness, config);
        var n = config.PopSize;
        var f = tensor(shaped, dtype: ScalarType.Float64).to(mean.dtype).to(device).view(1, n);
        using Scalar scale = (1.0 / (n * Sigma * Sigma)).ToScalar();
        var gradient = f.matmul(population.to(mean.dtype) - mean).mul(scale);
        adam.Step(gradient, LearningRate);
        Generation++;
        LearningRate = Math.Max(LearningRate * config.LrateDecay, config.LrateLimit);
        Sigma = Math.Max(Sigma * config.SigmaDecay, config.SigmaLimit);
    }

    /// <summary>
    /// evosax's FitnessShaper then pax's mean reduction: negate when maximising (evosax minimises), add
    /// w_decay x mean(x^2) per candidate, then centred ranks (ties in index order) or z-score, then subtract the mean.
    /// Lower is better.
    /// </summary>
    public static double[] Shape(Tensor population, IReadOnlyList<double> fitness, OpenEsConfig config)
    {
        var n = fitness.Count;
        var f = fitness.Select(x => config.Maximise ? -x : x).ToArray();
        if (config.WDecay > 0)
        {
            using var _ = no_grad();
            var meanSquare = population.to(ScalarType.Float64).Squared().mean(new long[] { 1 }).cpu().data<double>().ToArray();
            for (var i = 0; i < n; i++) f[i] += config.WDecay * meanSquare[i];
        }
        if (config.CenteredRank)
        {
            var order = Enumerable.Range(0, n).OrderBy(i => f[i]).ThenBy(i => i).ToArray(); // stable, as JAX's argsort
            var ranks = new double[n];
            for (var r = 0; r < n; r++) ranks[order[r]] = (double)r / (n - 1) - 0.5;
            f = ranks;
        }
        else if (config.ZScore)
        {
            var m = f.Average();
            var std = Math.Sqrt(f.Average(x => (x - m) * (x - m)));
            f = f.Select(x => (x - m) / (std + 1e-10)).ToArray();
        }
        if (config.MeanReduce)
        {
            var m = f.Average();
            f = f.Select(x => x - m).ToArray();
        }
        return f;
    }

    /// <summary>Writes the search state (mean, Adam state, sigma, lr, generation, generator).</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("openes");
        writer.Write(Dims);
        writer.WriteTensor(mean);
        adam.Save(writer);
        writer.Write(Sigma);
        writer.Write(LearningRate);
        writer.Write(Generation);
        writer.WriteTensor(generator.get_state());
    }

    /// <summary>Reads what <see cref="Save"/> wrote (a search over as many parameters).</summary>
    public void Load(StateReader reader)
    {
        reader.Section("openes");
        var dims = reader.ReadInt64();
        if (dims != Dims) throw new InvalidDataException($"{reader.Name}: the saved search has {dims} parameters, this one {Dims}");
        reader.ReadInto(mean, "the search mean");
        adam.Load(reader);
        Sigma = reader.ReadDouble();
        LearningRate = reader.ReadDouble();
        Generation = reader.ReadInt32();
        using var state = generator.get_state();
        reader.ReadInto(state, "the noise generator's state");
        generator.set_state(state);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        adam.Dispose();
        mean.Dispose();
        generator.Dispose();
        clipMin.Dispose();
        clipMax.Dispose();
    }
}
