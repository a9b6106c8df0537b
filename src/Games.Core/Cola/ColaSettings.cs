using System.Text.Json.Serialization;

namespace Hybrid.Games.Cola;

/// <summary>Hidden-layer non-linearity of the COLA update networks.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ColaActivation>))]
public enum ColaActivation
{
    /// <summary>max(0, x): appendix H.1, polynomial games.</summary>
    Relu,
    /// <summary>tanh: appendix H.2, non-polynomial games.</summary>
    Tanh,
}

/// <summary>What the COLA networks' output is (the thesis leaves it open).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ColaOutput>))]
public enum ColaOutput
{
    /// <summary>The network outputs the update h_i itself (the thesis' wording: "a neural network for h_i").</summary>
    Update,
    /// <summary>The network outputs g_i in gradient units and h_i = alpha g_i: the residual h_i/alpha + grad_i L^i
    /// then has the same scale at every rate, so the networks fit the same kind of function for every alpha.</summary>
    GradientUnits,
}

/// <summary>
/// Settings of COLA training (thesis 4.3 and appendix H). Every field is an option; the defaults follow the
/// thesis where it speaks and say so where it does not.
/// </summary>
/// <param name="HiddenLayers">Hidden layers per network (H.1: 1 for polynomial games; H.2: 3 otherwise).</param>
/// <param name="Width">Units per hidden layer (H.1: 8; H.2: 16).</param>
/// <param name="Activation">Non-linearity (H.1: ReLU; H.2: tanh).</param>
/// <param name="Batch">Parameter points per training step (H.1: 8; H.2: 64).</param>
/// <param name="Steps">Training steps (H.1: 120,000; H.2 does not say, we use the same).</param>
/// <param name="LearningRate">Adam's initial rate. Not in the thesis; 1e-2 (polynomial) and 1e-3 (others), as the
/// PyTorch peer cola_train.py.</param>
/// <param name="LearningRateDecay">Multiplicative decay gamma of the exponential schedule (H.1: 0.9).</param>
/// <param name="DecayEvery">Steps between decays. The thesis gives only gamma. We step the schedule every 1,000
/// steps (120 decays in 120,000 steps; the rate ends at 3e-6 of its start), so that Adam's step noise vanishes and
/// training converges. The PyTorch peer decays ten times per run (every Steps/10; the rate ends at 35% of its
/// start), which leaves Tandem losses between 1e-10 and 4e-5 (docs/benchmarks.md). 0 means Steps/10.</param>
/// <param name="Output">What the networks output (<see cref="ColaOutput"/>); not in the thesis, default the update itself.</param>
/// <param name="InputScale">The networks read theta times this factor (e.g. 1/7 maps [-7, 7] to [-1, 1]); not in the thesis, default 1.</param>
/// <param name="Restarts">Candidates trained per run; the run keeps the one with the lowest consistency loss on
/// <paramref name="ValidationPoints"/> held-out points of the region (its own stream, never the table's points),
/// so that one poor optimisation does not decide a table's mean. Not in the thesis, default 1 (no selection).</param>
/// <param name="ValidationPoints">Held-out points of the selection among restarts.</param>
/// <param name="TrainingRegion">Where training points are drawn; null for the game's region (H.1: "in general, the
/// size of the region is a hyperparameter"). A learning run whose steps leave the region meets an update function
/// that was never fit there; a wider training region keeps it inside.</param>
public sealed record ColaSettings(
    int HiddenLayers, int Width, ColaActivation Activation, int Batch, int Steps,
    double LearningRate, double LearningRateDecay = 0.9, int DecayEvery = 1000,
    ColaOutput Output = ColaOutput.Update, double InputScale = 1, int Restarts = 1, int ValidationPoints = 1000, Region? TrainingRegion = null)
{
    /// <summary>Appendix H.1: one hidden layer of 8 ReLU units, batch 8, 120,000 steps.</summary>
    public static ColaSettings Polynomial { get; } = new(1, 8, ColaActivation.Relu, 8, 120_000, 1e-2);

    /// <summary>Appendix H.2: three hidden layers of 16 tanh units, batch 64.</summary>
    public static ColaSettings NonPolynomial { get; } = new(3, 16, ColaActivation.Tanh, 64, 120_000, 1e-3);

    /// <summary>The thesis' defaults for a game: polynomial settings for games sampled on [-1, 1].</summary>
    public static ColaSettings For(DifferentiableGame game) => game.Region == Region.Unit ? Polynomial : NonPolynomial;

    /// <summary>
    /// The same settings for a short training of <paramref name="steps"/> steps (fast modes, tests): the learning
    /// rate decays 20 times instead of every 1,000 steps, so a short run still ends at a small rate.
    /// </summary>
    public ColaSettings Shortened(int steps) => this with { Steps = steps, DecayEvery = Math.Max(1, steps / 20) };

    /// <summary>Adam's beta1, beta2 and epsilon (PyTorch defaults; the thesis names Adam only).</summary>
    public const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    /// <summary>Steps between learning-rate decays after resolving 0.</summary>
    public int ResolvedDecayEvery => DecayEvery > 0 ? DecayEvery : Math.Max(1, Steps / 10);

    /// <summary>The learning rate in force at a step.</summary>
    public double RateAt(int step) => LearningRate * Math.Pow(LearningRateDecay, step / ResolvedDecayEvery);

    /// <summary>The settings in words, for reports: the thesis' fields, then the open choices that differ from their defaults.</summary>
    public string Describe()
    {
        var text = $"{HiddenLayers} hidden layer(s) of {Width} {Activation} units, batch {Batch}, {Steps} steps, Adam lr {LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}, decay {LearningRateDecay.ToString(System.Globalization.CultureInfo.InvariantCulture)} every {ResolvedDecayEvery} steps";
        if (Output == ColaOutput.GradientUnits) text += ", output in gradient units (h = alpha g)";
        if (InputScale != 1) text += $", inputs scaled by {InputScale.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)}";
        if (Restarts > 1) text += $", best of {Restarts} candidates per run on {ValidationPoints} held-out points";
        if (TrainingRegion is { } region) text += $", trained on {region}^d";
        return text;
    }

    /// <summary>Throws a clear error for nonsensical settings.</summary>
    public void Validate()
    {
        if (HiddenLayers < 1) throw new ArgumentOutOfRangeException(nameof(HiddenLayers), HiddenLayers, "at least one hidden layer");
        if (Width < 1) throw new ArgumentOutOfRangeException(nameof(Width), Width, "the width must be >= 1");
        if (Batch < 1) throw new ArgumentOutOfRangeException(nameof(Batch), Batch, "the batch must be >= 1");
        if (Steps < 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "steps must be >= 0");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "the learning rate must be finite and > 0");
        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1)) throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), LearningRateDecay, "the decay must lie in (0, 1]");
        if (DecayEvery < 0) throw new ArgumentOutOfRangeException(nameof(DecayEvery), DecayEvery, "DecayEvery must be >= 0");
        if (!(InputScale > 0) || !double.IsFinite(InputScale)) throw new ArgumentOutOfRangeException(nameof(InputScale), InputScale, "the input scale must be finite and > 0");
        if (Restarts < 1) throw new ArgumentOutOfRangeException(nameof(Restarts), Restarts, "at least one candidate per run");
        if (TrainingRegion is { } r && !(r.Low < r.High && double.IsFinite(r.Low) && double.IsFinite(r.High)))
            throw new ArgumentOutOfRangeException(nameof(TrainingRegion), TrainingRegion, "the training region needs finite Low < High");
        if (ValidationPoints < 1) throw new ArgumentOutOfRangeException(nameof(ValidationPoints), ValidationPoints, "at least one validation point");
    }
}
