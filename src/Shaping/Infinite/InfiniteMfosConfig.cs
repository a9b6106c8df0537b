namespace Hybrid.Shaping.Infinite;

/// <summary>
/// Settings of the original M-FOS (pax's 'Hyper' agent trained by PPO) against exact-gradient naive learners on the
/// infinite IPD. Defaults are pax's cfg <c>experiment/ipd/inf_mfos_v_nl.yaml</c> and <c>agents/hyper/ppo.py</c>:
/// 4000 environments, 100 meta-steps per meta-episode, 10^4 updates, PPO with 4 epochs of 1 minibatch, gamma 0.96,
/// GAE lambda 0.99, clip 0.2, value coefficient 0.5 with value clipping, entropy 0.01 (no annealing), global
/// gradient-norm clip 0.5, Adam lr 4e-3 (eps 1e-5, no schedule), hidden 256; naive learners with lr 1 on a game
/// discounted by 0.96 (pax passes ppo.gamma to the environment).
/// </summary>
/// <remarks>
/// The cfg is stale (spec pitfall 2): it sets num_outer_steps 100 but neither num_inner_steps nor the environment's
/// num_steps. Read as intended, one meta-episode is 100 environment steps, each a meta-step (the agent picks a policy,
/// the naive learner takes one gradient step, both are paid (1 - gamma) V), with no done inside the episode, so GAE
/// bootstraps from the value of the final observation (<see cref="BootstrapFinalValue"/>).
/// </remarks>
public sealed record InfiniteMfosConfig
{
    /// <summary>Parallel environments (meta-episodes per update; pax num_envs).</summary>
    public int Envs { get; init; } = 4000;
    /// <summary>Meta-steps per meta-episode (pax num_outer_steps x an inner length of 1).</summary>
    public int MetaSteps { get; init; } = 100;
    /// <summary>PPO updates, one per batch of meta-episodes (pax num_iters).</summary>
    public int Updates { get; init; } = 10_000;
    /// <summary>Units of each hidden layer.</summary>
    public int Hidden { get; init; } = 256;
    /// <summary>Adam step size.</summary>
    public double Lr { get; init; } = 4e-3;
    /// <summary>Adam epsilon (outside the square root, optax).</summary>
    public double AdamEps { get; init; } = 1e-5;
    /// <summary>Passes over each batch.</summary>
    public int Epochs { get; init; } = 4;
    /// <summary>Minibatches per pass (Envs x MetaSteps must divide by it).</summary>
    public int Minibatches { get; init; } = 1;
    /// <summary>PPO discount over meta-steps.</summary>
    public double Gamma { get; init; } = 0.96;
    /// <summary>GAE lambda.</summary>
    public double GaeLambda { get; init; } = 0.99;
    /// <summary>Ratio clip (and the value clip when <see cref="ClipValue"/>).</summary>
    public double Clip { get; init; } = 0.2;
    /// <summary>Clip the value around the behaviour value and take the larger squared error (pax clip_value).</summary>
    public bool ClipValue { get; init; } = true;
    /// <summary>Weight of the value loss mean((V - R)^2) (pax value_coeff; no extra factor 1/2, unlike PureJaxRL).</summary>
    public double ValueCoef { get; init; } = 0.5;
    /// <summary>Entropy bonus coefficient (constant).</summary>
    public double EntropyCoef { get; init; } = 0.01;
    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 0.5;
    /// <summary>Bootstrap GAE from the value of the observation after the last meta-step (pax: no done inside the episode); false treats the last step as terminal.</summary>
    public bool BootstrapFinalValue { get; init; } = true;
    /// <summary>The naive learners' gradient step size (pax naive.lr).</summary>
    public double NlLr { get; init; } = 1.0;
    /// <summary>Discount of the infinite game (pax env gamma = ppo.gamma).</summary>
    public double GameGamma { get; init; } = 0.96;
    /// <summary>Rows per forward and backward pass when accumulating a minibatch's gradient (memory and speed only; the gradient is the minibatch's).</summary>
    public int ChunkRows { get; init; } = 16_384;
    /// <summary>How each meta-episode starts (pax's sigmoid(U(0, 1)) logits by default).</summary>
    public InfiniteStartKind Start { get; init; } = InfiniteStartKind.Pax;

    /// <summary>Throws with the setting's name when a value is invalid.</summary>
    public void Validate()
    {
        if (Envs < 1 || MetaSteps < 1 || Updates < 0 || Hidden < 1) throw new ArgumentException($"envs ({Envs}), meta_steps ({MetaSteps}) and hidden ({Hidden}) must be positive, updates ({Updates}) non-negative");
        if (ChunkRows < 1) throw new ArgumentException($"chunk_rows ({ChunkRows}) must be positive");
        if (Epochs < 1 || Minibatches < 1) throw new ArgumentException($"epochs ({Epochs}) and minibatches ({Minibatches}) must be at least 1");
        if ((long)Envs * MetaSteps % Minibatches != 0) throw new ArgumentException($"minibatches ({Minibatches}) must divide envs x meta_steps ({(long)Envs * MetaSteps})");
        if (!(Lr > 0) || !(AdamEps > 0) || !(MaxGradNorm > 0) || !(Clip > 0)) throw new ArgumentException("lr, adam_eps, max_grad_norm and clip must be positive");
        if (Gamma is < 0 or > 1 || GaeLambda is < 0 or > 1) throw new ArgumentException($"gamma ({Gamma}) and gae_lambda ({GaeLambda}) lie in [0, 1]");
        if (!(ValueCoef >= 0) || !(EntropyCoef >= 0)) throw new ArgumentException("value_coef and entropy_coef must be non-negative");
        if (!(NlLr >= 0) || double.IsInfinity(NlLr)) throw new ArgumentException($"nl_lr ({NlLr}) must be finite and non-negative");
        if (!(GameGamma > 0 && GameGamma < 1)) throw new ArgumentException($"game_gamma ({GameGamma}) must lie in (0, 1)");
        if (!Enum.IsDefined(Start)) throw new ArgumentException($"unknown start {Start}");
    }
}
