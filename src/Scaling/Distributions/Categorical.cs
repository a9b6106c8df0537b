using static TorchSharp.torch;

namespace Hybrid.Scaling.Distributions;

/// <summary>A categorical distribution over K actions given by logits.</summary>
public sealed class Categorical : ActionDistribution
{
    /// <summary>Actions 0 .. <paramref name="actions"/> - 1.</summary>
    public Categorical(int actions)
    {
        if (actions < 1) throw new ArgumentOutOfRangeException(nameof(actions), actions, "a categorical distribution needs at least one action");
        Actions = actions;
    }

    /// <summary>Number of actions K.</summary>
    public int Actions { get; }

    /// <inheritdoc/>
    public override int ParameterSize => Actions;

    /// <inheritdoc/>
    public override int ActionSize => 1;

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override (Tensor LogProb, Tensor Entropy) Evaluate(PolicyParameters parameters, Tensor actions)
    {
        var logp = nn.functional.log_softmax(parameters.Primary, -1);
        var chosen = logp.gather(-1, actions.unsqueeze(-1)).squeeze(-1);
        var entropy = -(logp.exp() * logp).sum(-1);
        return (chosen, entropy);
    }

    /// <summary>Samples each row by inverse CDF of its softmax (one uniform draw per row); the log-probability in float64 arithmetic.</summary>
    public override void Sample(ReadOnlySpan<float> primary, ReadOnlySpan<float> logStd, ref ulong rng, Span<int> indices, Span<float> vectors, Span<float> logProbs)
    {
        var k = Actions;
        var rows = indices.Length;
        if (primary.Length != rows * k) throw new ArgumentException($"{primary.Length} logits for {rows} rows of {k} actions");
        for (var r = 0; r < rows; r++)
        {
            var row = primary.Slice(r * k, k);
            var max = float.NegativeInfinity;
            foreach (var x in row) max = MathF.Max(max, x);
            double sum = 0;
            foreach (var x in row) sum += Math.Exp(x - max);
            var u = SplitMix64.UnitDouble(ref rng) * sum;
            var chosen = k - 1;
            double cumulative = 0;
            for (var j = 0; j < k; j++)
            {
                cumulative += Math.Exp(row[j] - max);
                if (u < cumulative) { chosen = j; break; }
            }
            indices[r] = chosen;
            logProbs[r] = (float)(row[chosen] - max - Math.Log(sum));
        }
    }

    /// <summary>The first action with the largest logit.</summary>
    public override void Greedy(ReadOnlySpan<float> primary, Span<int> indices, Span<float> vectors)
    {
        var k = Actions;
        for (var r = 0; r < indices.Length; r++)
        {
            var best = 0;
            for (var j = 1; j < k; j++) if (primary[r * k + j] > primary[r * k + best]) best = j;
            indices[r] = best;
        }
    }
}
