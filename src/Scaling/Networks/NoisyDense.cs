using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// Standard normal noise for noisy layers, one generator per copy (so a copy's noise depends on its own seed only),
/// drawn afresh for every forward pass that passes this source in its <see cref="ForwardContext"/>.
/// </summary>
public sealed class NoiseSource
{
    readonly Generator[] generators;

    /// <summary>Copy c draws from a generator seeded with <paramref name="seeds"/>[c].</summary>
    public NoiseSource(IReadOnlyList<long> seeds) => generators = seeds.Select(s => new Generator(unchecked((ulong)s))).ToArray();

    /// <summary>Copies C.</summary>
    public int Copies => generators.Length;

    /// <summary>[C, n] standard normal values (float32), copy c's row from its own generator.</summary>
    public Tensor Normal(long n, Device device)
    {
        using var scope = NewDisposeScope();
        return stack(generators.Select(g => randn(new[] { n }, generator: g)).ToArray()).to(device).MoveToOuterDisposeScope();
    }

    /// <summary>The generators' states (checkpoints).</summary>
    public Tensor[] States() => generators.Select(g => g.get_state()).ToArray();

    /// <summary>Restores states from <see cref="States"/>.</summary>
    public void Restore(IReadOnlyList<Tensor> states)
    {
        if (states.Count != generators.Length) throw new ArgumentException($"{states.Count} noise states for {generators.Length} copies");
        for (var c = 0; c < generators.Length; c++) generators[c].set_state(states[c]);
    }
}

/// <summary>
/// A dense layer with factorised Gaussian noise (Fortunato et al. 2018, dopamine's <c>NoisyNetwork</c>): weights
/// mu_W + sigma_W (f(e_in) f(e_out)^T) and bias mu_b + sigma_b f(e_out), with f(x) = sign(x) sqrt|x| and e_in, e_out
/// standard normal per copy and pass. mu starts uniform in +-1/sqrt(in), sigma at <c>sigmaZero</c> / sqrt(in)
/// (dopamine: 0.1). Without a noise source in the context the layer is its mean, mu.
/// </summary>
/// <remarks>The factorised product is applied without forming the [in, out] noise matrix: x (sigma ⊙ a b^T) = ((x ⊙ a) sigma) ⊙ b.</remarks>
public sealed class NoisyDense : IBatchedModule
{
    readonly int weightMu, weightSigma, biasMu, biasSigma;

    /// <summary>Adds "name.weight_mu", "name.weight_sigma" [in, out], "name.bias_mu", "name.bias_sigma" [out].</summary>
    public NoisyDense(ParameterLayout layout, string name, int inputs, int outputs, double sigmaZero = 0.1)
    {
        if (inputs < 1 || outputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), $"{name}: a noisy layer needs positive sizes, got {inputs} -> {outputs}");
        if (!(sigmaZero >= 0)) throw new ArgumentOutOfRangeException(nameof(sigmaZero), sigmaZero, $"{name}: sigma_0 must be >= 0");
        (Name, Inputs, Outputs) = (name, inputs, outputs);
        var bound = 1 / Math.Sqrt(inputs);
        var sigma = sigmaZero / Math.Sqrt(inputs);
        weightMu = layout.Add(name + ".weight_mu", new long[] { inputs, outputs }, g => Inits.Uniform(bound)(inputs, outputs, g));
        weightSigma = layout.Add(name + ".weight_sigma", new long[] { inputs, outputs }, g => Inits.Constant(sigma)(inputs, outputs, g));
        biasMu = layout.Add(name + ".bias_mu", new long[] { outputs }, g => Inits.Uniform(bound)(1, outputs, g).view(outputs));
        biasSigma = layout.Add(name + ".bias_sigma", new long[] { outputs }, g => Inits.Constant(sigma)(1, outputs, g).view(outputs));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) =>
        inputShape.Length == 1 && inputShape[0] == Inputs ? new long[] { Outputs } : throw new ArgumentException($"{Name} takes [{Inputs}] features, got [{string.Join(", ", inputShape)}]");

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        var mean = bmm(x, parameters.Block(weightMu)).PlusInPlace(parameters.Block(biasMu).unsqueeze(1));
        if (context.Noise is not { } noise) return mean;
        if (noise.Copies != x.shape[0]) throw new ArgumentException($"{Name}: noise for {noise.Copies} copies, rows of {x.shape[0]}");
        var a = Scaled(noise.Normal(Inputs, x.device)).unsqueeze(1);   // [C, 1, in]
        var b = Scaled(noise.Normal(Outputs, x.device)).unsqueeze(1);  // [C, 1, out]
        var noisy = bmm(x * a, parameters.Block(weightSigma)) * b;
        return mean.PlusInPlace(noisy).PlusInPlace(parameters.Block(biasSigma).unsqueeze(1) * b);
    }

    /// <summary>f(x) = sign(x) sqrt(|x|).</summary>
    static Tensor Scaled(Tensor e) => e.sign() * e.abs().sqrt();
}
