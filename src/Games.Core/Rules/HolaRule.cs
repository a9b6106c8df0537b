using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>
/// Higher-order LOLA (thesis 4.1), exact or Taylor. HOLA-0 is naive learning, HOLA-1 is LOLA:
/// exact h_i^{k+1} = -alpha grad_i L^i(theta_i, theta_-i + h_-i^k), differentiating through h_-i^k;
/// Taylor h_i^{k+1} = -alpha grad_i (L^i + sum_{j != i} (grad_j L^i)^T h_j^k); h^{-1} = 0.
/// </summary>
/// <remarks>
/// HOLA-n needs derivatives of order n + 1: each level differentiates the whole graph of the previous one,
/// so its cost grows geometrically with n (docs/reproduction/cola-tables.md measures the factor).
/// </remarks>
public sealed class HolaRule : ILearningRule
{
    /// <summary>HOLA of order <paramref name="order"/> &gt;= 0; <paramref name="name"/> overrides the registry name.</summary>
    public HolaRule(int order, bool taylor = false, string? name = null)
    {
        this.name = name;
        if (order < 0) throw new ArgumentOutOfRangeException(nameof(order), order, "the HOLA order must be >= 0");
        Order = order;
        Taylor = taylor;
    }

    /// <summary>The order n.</summary>
    public int Order { get; }

    /// <summary>True for the Taylor variant.</summary>
    public bool Taylor { get; }

    /// <inheritdoc/>
    public string Name => name ?? (Taylor ? $"hola_taylor_{Order}" : $"hola_{Order}");

    readonly string? name;

    /// <inheritdoc/>
    public Tensor[] Update(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha) =>
        Sequence(game, theta, alpha, Order, Taylor)[Order];

    /// <summary>
    /// HOLA-0 .. HOLA-<paramref name="maxOrder"/> from one recursion. Each entry is one [B, d_i] tensor per player.
    /// </summary>
    /// <param name="game">The game.</param>
    /// <param name="theta">Points; leaves are made if they do not require gradients.</param>
    /// <param name="alpha">Scalar or [B, 1] look-ahead rates.</param>
    /// <param name="maxOrder">Highest order computed.</param>
    /// <param name="taylor">Taylor instead of exact.</param>
    /// <param name="lastDifferentiable">When false the last level is computed without a graph (values only),
    /// which is all a consistency loss needs of HOLA-(n+1).</param>
    public static List<Tensor[]> Sequence(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha, int maxOrder,
        bool taylor = false, bool lastDifferentiable = true)
    {
        LearningRuleExtensions.CheckRate(alpha);
        game.CheckShapes(theta);
        var t = Autodiff.EnsureDifferentiable(theta);
        if (!taylor && game.PlayerCount == 2) return TwoChains(game, t, alpha, maxOrder, lastDifferentiable);
        var levels = new List<Tensor[]>(maxOrder + 1);
        Tensor[]? previous = null;
        Tensor[][]? crossAtTheta = null;
        if (taylor)
        {
            var losses = game.Losses(t);
            crossAtTheta = losses.Select(l => t.Select(tj => Autodiff.Grad(l, tj)).ToArray()).ToArray();
        }
        for (var k = 0; k <= maxOrder; k++)
        {
            var graph = lastDifferentiable || k < maxOrder;
            var next = taylor ? TaylorStep(game, t, previous, crossAtTheta!, alpha, graph) : ExactStep(game, t, previous, alpha, graph);
            levels.Add(next);
            previous = next;
        }
        return levels;
    }

    /// <summary>
    /// Exact HOLA for two players as two independent chains, one per core: h_1^k needs only h_2^{k-1},
    /// which needs only h_1^{k-2}, and so on, so (h_1^0, h_2^1, h_1^2, ..) never meets (h_2^0, h_1^1, ..).
    /// </summary>
    static List<Tensor[]> TwoChains(DifferentiableGame game, Tensor[] theta, Tensor alpha, int maxOrder, bool lastDifferentiable)
    {
        var levels = Enumerable.Range(0, maxOrder + 1).Select(_ => new Tensor[2]).ToArray();
        var caller = CurrentDisposeScope;
        var gate = new object();
        // Seeding the backward pass with -alpha folds the step size into the gradient: one node fewer per level.
        var seed = (-alpha).reshape(-1).expand(theta[0].shape[0]).contiguous();
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, chain =>
        {
            using var scope = NewDisposeScope();
            Tensor? other = null;
            for (var k = 0; k <= maxOrder; k++)
            {
                var i = (chain + k) % 2;
                var point = other is null ? theta : (i == 0 ? new[] { theta[0], theta[1].Plus(other) } : new[] { theta[0].Plus(other), theta[1] });
                var h = Autodiff.Vjp(game.Loss(i, point), theta[i], seed, lastDifferentiable || k < maxOrder);
                levels[k][i] = h;
                other = h;
            }
            // Results leave this worker's scope for the caller's (or for none, when the caller has no scope).
            lock (gate)
                for (var k = 0; k <= maxOrder; k++)
                {
                    var mine = levels[k][(chain + k) % 2];
                    if (caller is null) mine.DetachFromDisposeScope();
                    else mine.MoveToOtherDisposeScope(caller);
                }
        });
        return levels.ToList();
    }

    /// <summary>One application of the exact LOLA operator Psi (appendix B) to the updates <paramref name="h"/>.</summary>
    public static Tensor[] ExactStep(DifferentiableGame game, Tensor[] theta, Tensor[]? h, Tensor alpha, bool createGraph = true)
    {
        var n = game.PlayerCount;
        var result = new Tensor[n];
        for (var i = 0; i < n; i++)
        {
            Tensor loss;
            if (h == null) loss = game.Loss(i, theta);
            else
            {
                var shifted = new Tensor[n];
                for (var j = 0; j < n; j++) shifted[j] = j == i ? theta[j] : theta[j].Plus(h[j]);
                loss = game.Loss(i, shifted);
            }
            result[i] = -alpha * Autodiff.Grad(loss, theta[i], createGraph);
        }
        return result;
    }

    /// <summary>One application of the Taylor LOLA operator Phi (appendix C, equation 27).</summary>
    static Tensor[] TaylorStep(DifferentiableGame game, Tensor[] theta, Tensor[]? h, Tensor[][] cross, Tensor alpha, bool createGraph)
    {
        var n = game.PlayerCount;
        var result = new Tensor[n];
        for (var i = 0; i < n; i++)
        {
            var grad = cross[i][i];
            if (h != null)
                for (var j = 0; j < n; j++)
                    if (j != i) grad = grad.Plus(Autodiff.Grad((cross[i][j] * h[j]).sum(1), theta[i], createGraph));
            result[i] = -alpha * (createGraph ? grad : grad.detach());
        }
        return result;
    }
}
