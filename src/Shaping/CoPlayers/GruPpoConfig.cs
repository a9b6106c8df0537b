namespace Hybrid.Shaping.CoPlayers;

/// <summary>The torso that turns an observation into the GRU's input.</summary>
public enum GruTorso
{
    /// <summary>One dense layer with ReLU (pax's Coin Game network without CNN: <c>hk.nets.MLP([hidden_size])</c>).</summary>
    Mlp,

    /// <summary>
    /// pax's <c>CNN_ipditm</c>: one SAME convolution with ReLU over the egocentric view, flattened and concatenated with
    /// the inventory (IPD/IMP in the Matrix).
    /// </summary>
    Cnn,
}

/// <summary>
/// The shape of a gridworld observation as the network reads it: the flat vector is the view [side, side, channels]
/// (row-major, channels last, as Haiku's NHWC convolution reads it) followed by <see cref="Inventory"/> floats. Kept
/// separate from the Grid namespace's game record so the co-players depend on nothing but the library's root.
/// </summary>
/// <param name="ObservationSize">Floats per observation.</param>
/// <param name="ViewSide">Side of the square view (the CNN torso convolves it).</param>
/// <param name="ViewChannels">Channels of the view.</param>
/// <param name="Inventory">Floats after the view (concatenated after the convolution).</param>
/// <param name="Actions">Discrete actions.</param>
public readonly record struct GruPpoInput(int ObservationSize, int ViewSide, int ViewChannels, int Inventory, int Actions)
{
    /// <summary>Throws when the parts do not add up to the observation.</summary>
    public void Validate(GruTorso torso)
    {
        if (ObservationSize < 1 || Actions < 2) throw new ArgumentException("a GRU co-player needs a non-empty observation and at least 2 actions");
        if (torso == GruTorso.Cnn && (ViewSide < 1 || ViewChannels < 1 || Inventory < 0 || ViewSide * ViewSide * ViewChannels + Inventory != ObservationSize))
            throw new ArgumentException($"the CNN torso reads a {ViewSide} x {ViewSide} x {ViewChannels} view and {Inventory} inventory floats, which is not an observation of {ObservationSize} floats");
    }
}

/// <summary>
/// Settings of pax's PPO-GRU naive learner ('PPO_memory', <c>pax/agents/ppo/ppo_gru.py</c>), the co-player of the
/// gridworlds. The defaults are the <c>ppo2</c> block of <c>pax/conf/experiment/cg/train_shaper.yaml</c> (also
/// <c>train_gs</c>, <c>train_mfos_es</c>): 8 minibatches, 2 epochs, gamma 0.96, GAE 0.95, clip 0.2, value coefficient
/// 0.5 with value clipping, grad-norm 0.5, constant entropy 0.1, Adam lr 0.005, eps 1e-5; the network is
/// <c>make_GRU_coingame_network</c> without CNN: MLP[16] ReLU (orthogonal sqrt 2) -> GRU 16 (orthogonal sqrt 2, bias 0)
/// -> bias-free logits (orthogonal 0.01) and value (orthogonal 1). <see cref="InTheMatrix"/> is the <c>ppo2</c> block of
/// <c>pax/conf/experiment/ipditm/train_*.yaml</c> with <c>make_GRU_ipditm_network</c>.
/// </summary>
public sealed record GruPpoConfig
{
    /// <summary>Observation torso.</summary>
    public GruTorso Torso { get; init; } = GruTorso.Mlp;
    /// <summary>Width of the MLP torso (pax: <c>hidden_size</c>, 16 for the Coin Game).</summary>
    public int TorsoSize { get; init; } = 16;
    /// <summary>Output channels of the CNN torso (pax: <c>output_channels</c>, 16).</summary>
    public int ConvChannels { get; init; } = 16;
    /// <summary>Odd kernel side of the CNN torso (pax: <c>kernel_shape</c> [3, 3]).</summary>
    public int KernelSize { get; init; } = 3;
    /// <summary>GRU units (pax: <c>hidden_size</c>, 16 Coin, 8 in the Matrix).</summary>
    public int Hidden { get; init; } = 16;
    /// <summary>
    /// Separate actor and critic MLP[<see cref="Hidden"/>] tanh bodies with biased output layers
    /// (<c>CategoricalValueHeadSeparate_ipditm</c>); false is the shared bias-free <c>CategoricalValueHead</c>.
    /// </summary>
    public bool SeparateHeads { get; init; }
    /// <summary>Orthogonal scale of the torso weights (sqrt 2 in both pax networks).</summary>
    public double TorsoInitScale { get; init; } = Math.Sqrt(2);
    /// <summary>Orthogonal scale of the GRU's input and recurrent weights (sqrt 2 Coin, 1 in the Matrix).</summary>
    public double GruInitScale { get; init; } = Math.Sqrt(2);

    /// <summary>Adam step size.</summary>
    public double Lr { get; init; } = 0.005;
    /// <summary>Adam epsilon (outside the square root, optax).</summary>
    public double AdamEps { get; init; } = 1e-5;
    /// <summary>Adam first-moment decay (optax default).</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>Adam second-moment decay (optax default).</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Passes over an episode's samples.</summary>
    public int Epochs { get; init; } = 2;
    /// <summary>Minibatches per pass (envs x steps must divide by it).</summary>
    public int Minibatches { get; init; } = 8;
    /// <summary>Discount.</summary>
    public double Gamma { get; init; } = 0.96;
    /// <summary>GAE lambda.</summary>
    public double GaeLambda { get; init; } = 0.95;
    /// <summary>PPO ratio clip, also the value clip.</summary>
    public double Clip { get; init; } = 0.2;
    /// <summary>Value-loss coefficient; pax's value loss is the mean of max(clipped, unclipped) squared errors, with no 1/2.</summary>
    public double ValueCoef { get; init; } = 0.5;
    /// <summary>Clip the value change to <see cref="Clip"/> around the behaviour value (pax <c>clip_value</c>).</summary>
    public bool ClipValue { get; init; } = true;
    /// <summary>Entropy bonus coefficient (pax cfgs 0.1; the thesis tables say 0.02).</summary>
    public double EntropyCoef { get; init; } = 0.1;
    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 0.5;

    /// <summary>The Coin Game co-player (cfg cg/train_*): MLP16 -> GRU16, shared bias-free heads.</summary>
    public static GruPpoConfig CoinGame { get; } = new();

    /// <summary>
    /// The IPD/IMP in the Matrix co-player (cfg ipditm/train_*, <c>separate: True</c>, <c>hidden_size: 8</c>): Conv 3x3
    /// SAME 16 channels (orthogonal sqrt 2, bias 0) -> ReLU -> flatten ++ inventory -> GRU 8 (orthogonal 1) -> actor and
    /// critic MLP[8] tanh bodies (orthogonal sqrt 2) -> logits (orthogonal 0.01) and value (orthogonal 1), biases 0.
    /// </summary>
    public static GruPpoConfig InTheMatrix { get; } = new() { Torso = GruTorso.Cnn, Hidden = 8, SeparateHeads = true, GruInitScale = 1 };

    /// <summary>Throws with the setting's name when a value is invalid.</summary>
    public void Validate()
    {
        if (TorsoSize < 1 || Hidden < 1 || ConvChannels < 1) throw new ArgumentException("the GRU co-player's torso, channels and hidden sizes must be at least 1");
        if (KernelSize < 1 || KernelSize % 2 == 0) throw new ArgumentException("the CNN torso's kernel side must be odd (SAME padding)");
        if (!(Lr >= 0) || !(AdamEps > 0)) throw new ArgumentException("the GRU co-player's lr must be non-negative and its Adam epsilon positive");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1) throw new ArgumentException("the GRU co-player's Adam betas lie in [0, 1)");
        if (Epochs < 1 || Minibatches < 1) throw new ArgumentException("the GRU co-player's epochs and minibatches must be at least 1");
        if (Gamma is < 0 or > 1 || GaeLambda is < 0 or > 1) throw new ArgumentException("the GRU co-player's gamma and GAE lambda lie in [0, 1]");
        if (!(Clip > 0) || !(MaxGradNorm > 0) || ValueCoef < 0 || EntropyCoef < 0) throw new ArgumentException("the GRU co-player's clip and max grad norm must be positive, the loss coefficients non-negative");
        if (!(TorsoInitScale > 0) || !(GruInitScale > 0)) throw new ArgumentException("the GRU co-player's initialisation scales must be positive");
    }
}
