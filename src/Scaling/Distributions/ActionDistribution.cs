using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Distributions;

/// <summary>A policy's output for a batch: its parameters on the device.</summary>
/// <param name="Primary">Logits [C, M, K] (categorical) or means [C, M, D] (Gaussian).</param>
/// <param name="LogStd">State-independent log standard deviations [C, D] of a Gaussian policy, or null.</param>
public sealed record PolicyParameters(Tensor Primary, Tensor? LogStd = null);

/// <summary>
/// A family of action distributions, parameterised by a network's output: how to draw an action (on the CPU, from a
/// copy's own random stream, so a copy's actions depend only on its seed), how to pick the greedy action, and the
/// log-probability and entropy a loss needs (on the device, differentiable). Algorithms ask the distribution instead
/// of branching on discrete and continuous actions.
/// </summary>
public abstract class ActionDistribution
{
    /// <summary>Width of the network output per row (K logits, D means).</summary>
    public abstract int ParameterSize { get; }

    /// <summary>Numbers per action: 1 for an index, D for a continuous vector.</summary>
    public abstract int ActionSize { get; }

    /// <summary>True when actions are indices (int), false when they are float vectors.</summary>
    public abstract bool IsDiscrete { get; }

    /// <summary>Log-probability of <paramref name="actions"/> ([C, M] int64 or [C, M, D]) and entropy, each [C, M].</summary>
    public abstract (Tensor LogProb, Tensor Entropy) Evaluate(PolicyParameters parameters, Tensor actions);

    /// <summary>
    /// Draws one action per row of one copy from its parameters copied to the CPU: <paramref name="primary"/> holds
    /// rows x ParameterSize values, <paramref name="logStd"/> the copy's log-stds (empty for discrete); writes the
    /// actions (indices into <paramref name="indices"/> or vectors into <paramref name="vectors"/>) and log-probabilities.
    /// </summary>
    public abstract void Sample(ReadOnlySpan<float> primary, ReadOnlySpan<float> logStd, ref ulong rng, Span<int> indices, Span<float> vectors, Span<float> logProbs);

    /// <summary>The most probable action of each row (argmax, or the mean).</summary>
    public abstract void Greedy(ReadOnlySpan<float> primary, Span<int> indices, Span<float> vectors);
}
