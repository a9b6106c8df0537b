using Hybrid.Scaling.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Infinite;

/// <summary>
/// pax's 'Hyper' actor-critic (<c>agents/hyper/networks.py</c> ContinuousValueHead), the original M-FOS meta-agent of
/// the infinite IPD: the input is both players' policies (10 probabilities), the actor is Linear(256) + tanh then
/// Linear(2 x 5) (orthogonal(0.01), zero bias) split into the means and the pre-softplus scales of a diagonal Gaussian
/// over the agent's next 5 policy logits; the critic is its own Linear(256) + tanh then a bias-free Linear(1)
/// (orthogonal(1)). The two hidden layers use haiku's default initialiser, a normal truncated at two standard
/// deviations times 1/sqrt(fan_in) (haiku's TruncatedNormal does not rescale for the truncation), zero biases.
/// One copy ([1, M, ...] rows), float32 as in pax.
/// </summary>
public sealed class HyperNetwork : IDisposable
{
    /// <summary>Observation width: both policies.</summary>
    public const int Inputs = 2 * InfiniteIpd.Size;

    /// <summary>Action width: the agent's next logits.</summary>
    public const int Actions = InfiniteIpd.Size;

    // Standard deviation of a unit normal truncated to [-2, 2]: Scaling's LeCun initialiser divides by it, haiku's Linear does not.
    const double TruncatedStd = 0.87962566103423978;

    readonly Dense actorHidden, actorOut, criticHidden, criticOut;

    /// <summary>Builds the network and initialises it from <paramref name="seed"/>.</summary>
    public HyperNetwork(int hidden, long seed)
    {
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "the hidden layers need at least one unit");
        Hidden = hidden;
        var layout = new ParameterLayout();
        actorHidden = new Dense(layout, "actor.hidden", Inputs, hidden, init: HaikuLinear);
        actorOut = new Dense(layout, "actor.out", hidden, 2 * Actions, gain: 0.01);
        criticHidden = new Dense(layout, "critic.hidden", Inputs, hidden, init: HaikuLinear);
        criticOut = new Dense(layout, "critic.out", hidden, 1, gain: 1.0, useBias: false);
        Parameters = layout.Build(new[] { seed });
    }

    /// <summary>Hidden units of each torso.</summary>
    public int Hidden { get; }

    /// <summary>The parameters [1, P].</summary>
    public ParameterStore Parameters { get; }

    /// <summary>
    /// Means [1, M, 5], scales softplus(.) [1, M, 5] and values [1, M] of observations [1, M, 10].
    /// </summary>
    public (Tensor Mean, Tensor Scale, Tensor Value) Forward(Tensor observations)
    {
        var pi = actorOut.Apply(Parameters, actorHidden.Apply(Parameters, observations).tanh());
        var mean = pi.narrow(-1, 0, Actions);
        var scale = Softplus(pi.narrow(-1, Actions, Actions));
        var value = criticOut.Apply(Parameters, criticHidden.Apply(Parameters, observations).tanh()).squeeze(-1);
        return (mean, scale, value);
    }

    /// <summary>log(1 + e^x) written as max(x, 0) + log1p(e^-|x|), stable for large |x|.</summary>
    public static Tensor Softplus(Tensor x) => x.relu().Plus(x.abs().neg().exp().log1p());

    static Tensor HaikuLinear(long fanIn, long fanOut, Generator generator)
    {
        using var shrink = TruncatedStd.ToScalar(); // held for the call (see Keep)
        return Init.LecunNormal(fanIn, new[] { fanIn, fanOut }, generator).mul(shrink);
    }

    /// <inheritdoc/>
    public void Dispose() => Parameters.Dispose();
}

/// <summary>
/// A diagonal Gaussian with per-row scales (distrax MultivariateNormalDiag, as pax's Hyper agent): log-densities and
/// entropies summed over the action dimensions.
/// </summary>
public static class DiagonalNormal
{
    static readonly Scalar MinusHalf = (-0.5).ToScalar();
    static readonly Scalar LogNorm = (0.5 * Math.Log(2 * Math.PI)).ToScalar();
    static readonly Scalar EntropyConstant = (0.5 * (1 + Math.Log(2 * Math.PI))).ToScalar();

    /// <summary>sum_k -((a - mu) / sigma)^2 / 2 - log sigma - log(2 pi) / 2 over the last dimension.</summary>
    public static Tensor LogProb(Tensor actions, Tensor mean, Tensor scale)
    {
        var z = (actions - mean) / scale;
        return (z.Squared().mul(MinusHalf) - scale.log()).sub(LogNorm).sum(-1);
    }

    /// <summary>sum_k log sigma + (1 + log(2 pi)) / 2 over the last dimension.</summary>
    public static Tensor Entropy(Tensor scale) => scale.log().Plus(EntropyConstant).sum(-1);
}
