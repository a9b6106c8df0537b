using Hybrid.Games.Rules;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Analysis;

/// <summary>How one seed of a learning run ended.</summary>
public enum RunOutcome
{
    /// <summary>The last update was smaller than the convergence tolerance.</summary>
    Converged,
    /// <summary>The parameters became non-finite or left the divergence bound (or the rule diverged).</summary>
    Diverged,
    /// <summary>Still moving after the last step (e.g. cycling).</summary>
    NotConverged,
}

/// <summary>Settings of a learning run.</summary>
/// <param name="Steps">Number of updates T.</param>
/// <param name="Seeds">Number of runs K, trained together as one batch.</param>
/// <param name="BaseSeed">Run k draws its initialisation from a generator seeded with BaseSeed + k, so a run's
/// numbers do not depend on how many other runs share the batch.</param>
/// <param name="InitStd">Initialisation theta_0 ~ N(0, InitStd^2) per parameter.</param>
/// <param name="DivergenceBound">A run diverges when ||theta|| exceeds this.</param>
/// <param name="ConvergenceTolerance">A run converged when its last update has norm below this.</param>
public sealed record LearningOptions(int Steps, int Seeds = 10, int BaseSeed = 0, double InitStd = 1.0,
    double DivergenceBound = 1e6, double ConvergenceTolerance = 1e-6)
{
    /// <summary>Throws a clear error for nonsensical settings.</summary>
    public void Validate()
    {
        if (Steps < 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "steps must be >= 0");
        if (Seeds < 1) throw new ArgumentOutOfRangeException(nameof(Seeds), Seeds, "at least one seed is needed");
        if (!double.IsFinite(InitStd) || InitStd < 0) throw new ArgumentOutOfRangeException(nameof(InitStd), InitStd, "the initialisation std must be finite and >= 0");
        if (!(DivergenceBound > 0)) throw new ArgumentOutOfRangeException(nameof(DivergenceBound), DivergenceBound, "the divergence bound must be > 0");
    }
}

/// <summary>The trajectory of a batch of learning runs.</summary>
/// <param name="Losses">[T+1, K, n] losses of every player along the way (CPU).</param>
/// <param name="Parameters">[T+1, K, D] concatenated parameters (CPU). Diverged runs stay at their last finite point.</param>
/// <param name="Outcome">Per run.</param>
/// <param name="DivergedAt">Per run: the step at which it diverged, or -1.</param>
/// <param name="FinalUpdateNorm">Per run: the norm of the last update applied.</param>
public sealed record LearningTrajectory(Tensor Losses, Tensor Parameters, RunOutcome[] Outcome, int[] DivergedAt, double[] FinalUpdateNorm)
{
    /// <summary>Final losses, [K, n] as nested arrays.</summary>
    public double[][] FinalLosses()
    {
        var last = Losses[-1];
        return Enumerable.Range(0, (int)last.shape[0]).Select(k => last[k].data<double>().ToArray()).ToArray();
    }
}

/// <summary>Applies a rule for T steps from random initialisations, all seeds batched in one tensor.</summary>
public static class LearningRun
{
    /// <summary>Runs <paramref name="rule"/> on <paramref name="game"/> with look-ahead (and learning) rate <paramref name="alpha"/>.</summary>
    public static LearningTrajectory Run(DifferentiableGame game, ILearningRule rule, double alpha, LearningOptions options, Device? device = null)
    {
        options.Validate();
        device ??= CPU;
        var rate = LearningRuleExtensions.Rate(alpha, device).MoveToOuterDisposeScope();
        var k = options.Seeds;
        using var bound = options.DivergenceBound.ToScalar();
        var theta = InitialParameters(game, options, device);
        var active = ones(k, 1, dtype: ScalarType.Bool, device: device);
        var divergedAt = Enumerable.Repeat(-1, k).ToArray();
        var ruleDiverged = new bool[k];
        var lastNorm = new double[k];
        var losses = new List<Tensor>(options.Steps + 1);
        var parameters = new List<Tensor>(options.Steps + 1);
        Record(game, theta, losses, parameters);
        for (var step = 1; step <= options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var leaves = Autodiff.Leaves(game.Split(theta));
            Tensor update;
            bool[]? failed = null;
            if (rule is ILolaRule ilola)
            {
                var outcome = ilola.Solve(game, leaves, rate);
                update = DifferentiableGame.Concat(outcome.Update).detach();
                failed = outcome.Status.Select(s => s == ILolaStatus.Diverged).ToArray();
            }
            else update = DifferentiableGame.Concat(rule.Update(game, leaves, rate)).detach();

            var next = theta.Plus(update);
            var norms = TensorRows.Norm(next, keepdim: true);
            var ok = next.isfinite().all(1, keepdim: true).logical_and(norms <= bound);
            if (failed != null) ok = ok.logical_and(tensor(failed, device: device).logical_not().unsqueeze(1));
            var stillActive = active.logical_and(ok);
            var updateNorms = TensorRows.Norm(update).cpu().data<double>().ToArray();
            var activeBefore = active.squeeze(1).cpu().data<bool>().ToArray();
            var activeAfter = stillActive.squeeze(1).cpu().data<bool>().ToArray();
            for (var s = 0; s < k; s++)
            {
                if (activeBefore[s] && !activeAfter[s])
                {
                    divergedAt[s] = step;
                    ruleDiverged[s] = failed?[s] ?? false;
                }
                if (activeAfter[s]) lastNorm[s] = updateNorms[s];
            }
            theta = where(stillActive, next, theta).MoveToOuterDisposeScope();
            active = stillActive.MoveToOuterDisposeScope();
            Record(game, theta, losses, parameters);
        }
        var outcomes = new RunOutcome[k];
        for (var s = 0; s < k; s++)
            outcomes[s] = divergedAt[s] >= 0 ? RunOutcome.Diverged
                : options.Steps > 0 && lastNorm[s] < options.ConvergenceTolerance ? RunOutcome.Converged
                : RunOutcome.NotConverged;
        return new LearningTrajectory(stack(losses.ToArray()), stack(parameters.ToArray()), outcomes, divergedAt, lastNorm);
    }

    /// <summary>theta_0 ~ N(0, InitStd^2): run k uses its own generator seeded with BaseSeed + k.</summary>
    public static Tensor InitialParameters(DifferentiableGame game, LearningOptions options, Device device)
    {
        var rows = new Tensor[options.Seeds];
        using var std = options.InitStd.ToScalar();
        for (var s = 0; s < options.Seeds; s++)
        {
            var generator = new Generator((ulong)(options.BaseSeed + s));
            rows[s] = randn(new long[] { game.TotalParameters }, dtype: ScalarType.Float64, generator: generator).mul(std);
        }
        return stack(rows).to(device);
    }

    static void Record(DifferentiableGame game, Tensor theta, List<Tensor> losses, List<Tensor> parameters)
    {
        using var noGrad = no_grad();
        losses.Add(stack(game.Losses(game.Split(theta)), 1).cpu().MoveToOuterDisposeScope());
        parameters.Add(theta.cpu().MoveToOuterDisposeScope());
    }
}
