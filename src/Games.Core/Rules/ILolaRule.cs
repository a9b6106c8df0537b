using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>Whether the HOLA fixed-point iteration settled at a point.</summary>
public enum ILolaStatus
{
    /// <summary>||h^{n+1} - h^n|| fell below the tolerance.</summary>
    Converged,
    /// <summary>The iterates became non-finite, exceeded the bound, or the order limit was reached first.</summary>
    Diverged,
}

/// <summary>The result of <see cref="ILolaRule.Solve"/> at a batch of points.</summary>
/// <param name="Status">Per point.</param>
/// <param name="Order">Per point: the order n at which the iteration stopped.</param>
/// <param name="Residual">Per point: ||h^{n+1} - h^n|| (over all players) at the stop; infinity when non-finite.</param>
/// <param name="Update">The converged update per player; rows of diverged points are zero.</param>
public sealed record ILolaOutcome(ILolaStatus[] Status, int[] Order, double[] Residual, Tensor[] Update)
{
    /// <summary>True when every point converged.</summary>
    public bool AllConverged => Status.All(s => s == ILolaStatus.Converged);
}

/// <summary>Thrown by <see cref="ILolaRule.Update"/> when the iteration diverges at some point.</summary>
public sealed class RuleDivergedException(string message) : Exception(message);

/// <summary>
/// Infinite-order LOLA (definition 4.1): the HOLA recursion iterated until successive orders agree.
/// Instead of returning NaN or infinity it reports, per point, Converged (with the order reached and the
/// residual) or Diverged.
/// </summary>
public sealed class ILolaRule : ILearningRule
{
    /// <summary>Creates the rule.</summary>
    /// <param name="tolerance">Stop when ||h^{n+1} - h^n|| &lt; tolerance.</param>
    /// <param name="maxOrder">Give up (Diverged) past this order; the cost of an order grows geometrically.</param>
    /// <param name="bound">Declare divergence when ||h^n|| exceeds this.</param>
    /// <param name="taylor">Iterate the Taylor operator instead of the exact one.</param>
    public ILolaRule(double tolerance = 1e-8, int maxOrder = 10, double bound = 1e8, bool taylor = false)
    {
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "the tolerance must be > 0");
        if (maxOrder < 1) throw new ArgumentOutOfRangeException(nameof(maxOrder), maxOrder, "maxOrder must be >= 1");
        if (!(bound > 0)) throw new ArgumentOutOfRangeException(nameof(bound), bound, "the bound must be > 0");
        Tolerance = tolerance; MaxOrder = maxOrder; Bound = bound; Taylor = taylor;
    }

    /// <summary>Convergence tolerance.</summary>
    public double Tolerance { get; }
    /// <summary>Highest order tried.</summary>
    public int MaxOrder { get; }
    /// <summary>Divergence bound on ||h^n||.</summary>
    public double Bound { get; }
    /// <summary>Taylor variant.</summary>
    public bool Taylor { get; }

    /// <inheritdoc/>
    public string Name => Taylor ? "ilola_taylor" : "ilola";

    /// <summary>Runs the iteration at every point of the batch.</summary>
    public ILolaOutcome Solve(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha)
    {
        var levels = HolaRule.Sequence(game, theta, alpha, MaxOrder, Taylor);
        var batch = (int)theta[0].shape[0];
        var status = Enumerable.Repeat(ILolaStatus.Diverged, batch).ToArray();
        var order = Enumerable.Repeat(MaxOrder, batch).ToArray();
        var residual = Enumerable.Repeat(double.PositiveInfinity, batch).ToArray();
        var decided = new bool[batch];
        var chosen = levels[0].Select(t => zeros_like(t)).ToArray();
        for (var n = 0; n < MaxOrder; n++)
        {
            var diff = DifferentiableGame.Concat(levels[n + 1]) - DifferentiableGame.Concat(levels[n]);
            var step = TensorRows.Norm(diff.detach()).data<double>().ToArray();
            var size = TensorRows.Norm(DifferentiableGame.Concat(levels[n]).detach()).data<double>().ToArray();
            var take = new bool[batch];
            for (var s = 0; s < batch; s++)
            {
                if (decided[s]) continue;
                if (!double.IsFinite(step[s]) || !double.IsFinite(size[s]) || size[s] > Bound)
                {
                    decided[s] = true; order[s] = n; residual[s] = double.IsFinite(step[s]) ? step[s] : double.PositiveInfinity;
                }
                else if (step[s] < Tolerance)
                {
                    decided[s] = true; take[s] = true; status[s] = ILolaStatus.Converged; order[s] = n; residual[s] = step[s];
                }
                else residual[s] = step[s];
            }
            if (take.Any(x => x))
            {
                var mask = tensor(take, device: chosen[0].device).unsqueeze(1);
                chosen = chosen.Select((c, i) => where(mask, levels[n][i], c)).ToArray();
            }
            if (decided.All(x => x)) break;
        }
        return new ILolaOutcome(status, order, residual, chosen);
    }

    /// <inheritdoc/>
    /// <exception cref="RuleDivergedException">The iteration did not converge at some point.</exception>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha)
    {
        var outcome = Solve(game, theta, alpha);
        if (!outcome.AllConverged)
        {
            var bad = outcome.Status.Count(s => s == ILolaStatus.Diverged);
            throw new RuleDivergedException(
                $"{Name}: the HOLA iteration diverged at {bad} of {outcome.Status.Length} points (no convergence to {Tolerance:g} within order {MaxOrder})");
        }
        return outcome.Update;
    }
}
