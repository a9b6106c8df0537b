namespace Hybrid.Shaping.Training;

/// <summary>
/// The PPO settings of the M-FOS meta-agent trained by RL (<c>--method mfos_rl</c>), kept apart from
/// <see cref="ShapeConfig"/> (which holds the trial shape, the co-players and the seed). Defaults are pax's: pax has no
/// finite-matrix-game M-FOS (RL) configuration at its last commit, and the two M-FOS (RL) configurations that produced
/// the thesis' numbers (<c>pax/conf/experiment/cg/train_mfos_rl.yaml</c> and <c>ipditm/train_mfos_rl.yaml</c>, block
/// <c>ppo1</c>) agree on every value below: Adam lr 0.005 (eps 1e-5), 8 minibatches x 2 epochs, gamma 0.96, GAE lambda
/// 0.95, clip 0.2, value coefficient 0.5 with value clipping, constant entropy 0.1 (anneal_entropy False), global
/// gradient-norm clip 0.5, no learning-rate schedule. The only matrix-game configuration that ever ran M-FOS with
/// <c>runner: rl</c> (ipd/mfos_v_tabular.yaml at pax commit bd8a21f, October 2022, before the Gymnax rewrite) used
/// lr 1, 4 minibatches and entropy 0.02 (the tabular co-player's values, shared by both agents); set those here to
/// reproduce it.
/// </summary>
public sealed record MfosRlConfig
{
    /// <summary>Adam step size (optax chain clip_by_global_norm, scale_by_adam, scale(-lr); ppo_gru.py make_mfos_agent).</summary>
    public double Lr { get; set; } = 0.005;
    /// <summary>Adam epsilon, outside the square root as optax's.</summary>
    public double AdamEps { get; set; } = 1e-5;
    /// <summary>Passes over the trial's samples per update.</summary>
    public int Epochs { get; set; } = 2;
    /// <summary>Minibatches per pass; the trial's outer x inner x coplayers x envs samples must divide by it.</summary>
    public int Minibatches { get; set; } = 8;
    /// <summary>Discount of the meta-agent's GAE over the whole trial.</summary>
    public double Gamma { get; set; } = 0.96;
    /// <summary>GAE lambda.</summary>
    public double GaeLambda { get; set; } = 0.95;
    /// <summary>PPO ratio clip, also the value clip (pax uses the same epsilon for both).</summary>
    public double Clip { get; set; } = 0.2;
    /// <summary>Value-loss coefficient; pax's M-FOS loss has no extra 0.5 (value loss = coef x mean of the clipped squared error).</summary>
    public double ValueCoef { get; set; } = 0.5;
    /// <summary>Entropy bonus coefficient.</summary>
    public double EntropyCoef { get; set; } = 0.1;
    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; set; } = 0.5;

    /// <summary>Throws naming the setting when a value is invalid.</summary>
    public void Validate()
    {
        if (!(Lr >= 0) || !(AdamEps > 0)) throw new ArgumentException("mfos_rl lr must be non-negative and the Adam epsilon positive");
        if (Epochs < 1 || Minibatches < 1) throw new ArgumentException("mfos_rl epochs and minibatches must be at least 1");
        if (Gamma is < 0 or > 1 || GaeLambda is < 0 or > 1) throw new ArgumentException("mfos_rl gamma and gae_lambda lie in [0, 1]");
        if (!(Clip > 0) || !(MaxGradNorm > 0) || !(ValueCoef >= 0) || !(EntropyCoef >= 0)) throw new ArgumentException("mfos_rl clip and max_grad_norm must be positive, the loss coefficients non-negative");
    }
}
