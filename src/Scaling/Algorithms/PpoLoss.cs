using Hybrid.Scaling.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>The three parts of the PPO loss per training copy [S] and the total whose gradient is taken.</summary>
/// <param name="Total">Sum over copies of actor + vf_coef value - ent_coef entropy (a scalar; copies do not share parameters, so one backward serves all).</param>
/// <param name="Actor">Clipped surrogate loss per copy.</param>
/// <param name="Value">Clipped value loss per copy (with PureJaxRL's factor 0.5).</param>
/// <param name="Entropy">Mean policy entropy per copy.</param>
/// <param name="ApproxKl">Mean of old log-prob minus new log-prob per copy (a diagnostic).</param>
/// <param name="ClipFraction">Share of samples whose ratio left [1 - eps, 1 + eps] per copy (a diagnostic).</param>
public sealed record PpoLossTerms(Tensor Total, Tensor Actor, Tensor Value, Tensor Entropy, Tensor ApproxKl, Tensor ClipFraction);

/// <summary>
/// PureJaxRL's PPO loss (ppo.py _loss_fn) for S copies at once; every tensor is [S, M] (M samples per copy). The
/// log-probabilities and entropies come from the policy's <see cref="Distributions.ActionDistribution"/>.
/// </summary>
public static class PpoLoss
{
    /// <summary>
    /// value loss = 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2));
    /// A normalised per copy over the minibatch, (A - mean) / (std + 1e-8) with the population std;
    /// actor loss = -mean(min(rho A, clip(rho, 1 - eps, 1 + eps) A)), rho = exp(log pi - log pi_old);
    /// total = actor + vfCoef value - entCoef entropy. <paramref name="valueClipEps"/> defaults to the policy's eps.
    /// </summary>
    public static PpoLossTerms Compute(Tensor logProb, Tensor entropy, Tensor value, Tensor oldLogProb, Tensor oldValue, Tensor advantages, Tensor targets,
        double clipEps, double vfCoef, double entCoef, bool normaliseAdvantages = true, double? valueClipEps = null)
    {
        // Every Scalar is held in a using-variable for the whole computation (see Keep).
        var vEps = valueClipEps ?? clipEps;
        using Scalar vLow = (-vEps).ToScalar(), vHigh = vEps.ToScalar(), low = (1 - clipEps).ToScalar(), high = (1 + clipEps).ToScalar();
        using Scalar tiny = 1e-8.ToScalar(), vf = vfCoef.ToScalar(), ent = entCoef.ToScalar(), eps = clipEps.ToScalar();
        var clipped = oldValue.Plus((value - oldValue).clamp(vLow, vHigh));
        var valueLoss = maximum((value - targets).Squared(), (clipped - targets).Squared()).mean(new long[] { 1 }).mul(Keep.Half);
        var a = advantages;
        if (normaliseAdvantages)
            a = (a - a.mean(new long[] { 1 }, keepdim: true)) / a.std(1, unbiased: false, keepdim: true).Plus(tiny);
        var ratio = (logProb - oldLogProb).exp();
        var surrogate = minimum(ratio * a, ratio.clamp(low, high) * a);
        var actorLoss = -surrogate.mean(new long[] { 1 });
        var meanEntropy = entropy.mean(new long[] { 1 });
        var total = (actorLoss.Plus(valueLoss.mul(vf)) - meanEntropy.mul(ent)).sum();
        using var _ = no_grad();
        var kl = (oldLogProb - logProb).mean(new long[] { 1 });
        var clipFraction = ratio.sub(Keep.One).abs().gt(eps).to_type(ScalarType.Float32).mean(new long[] { 1 });
        return new PpoLossTerms(total, actorLoss, valueLoss, meanEntropy, kl, clipFraction);
    }
}
