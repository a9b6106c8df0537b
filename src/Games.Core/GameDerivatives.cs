using static TorchSharp.torch;

namespace Hybrid.Games;

/// <summary>
/// First and second derivatives of a game at a batch of points, in the notation of Balduzzi et al. (2018)
/// and Letcher et al. (2019b): simultaneous gradient xi, game Jacobian H, its off-diagonal part H_o and the
/// shaping term chi. All results keep their graph (they are differentiable functions of theta).
/// </summary>
public sealed class GameDerivatives
{
    GameDerivatives(DifferentiableGame game, Tensor[] theta, Tensor[][] cross, bool detachHeld)
    {
        Game = game; Theta = theta; CrossGradients = cross; DetachHeld = detachHeld;
    }

    /// <summary>The game.</summary>
    public DifferentiableGame Game { get; }

    /// <summary>The points, one [B, d_i] tensor per player, each requiring gradients.</summary>
    public Tensor[] Theta { get; }

    /// <summary>CrossGradients[i][j] = grad_j L^i, [B, d_j].</summary>
    public Tensor[][] CrossGradients { get; }

    /// <summary>
    /// How the stop-gradients of <see cref="Chi"/>, <see cref="LookAheadGradient"/> and <see cref="ShapedByOpponents"/>
    /// are applied. False (the default): the held vector is fixed only in the derivative it enters, but stays in the
    /// result's graph, so the result's own Jacobian is the true one. True: the held vector is detached, so any later
    /// derivative of the result treats it as a constant, as autograd does for a stop-gradient written as
    /// <c>detach()</c> (the PyTorch reference <c>rules_reference.py</c>). The values are the same either way.
    /// </summary>
    public bool DetachHeld { get; }

    /// <summary>xi_i = grad_i L^i, one [B, d_i] tensor per player.</summary>
    public Tensor[] Xi => Enumerable.Range(0, Game.PlayerCount).Select(i => CrossGradients[i][i]).ToArray();

    /// <summary>
    /// Evaluates every grad_j L^i at <paramref name="theta"/>. Parameters that do not yet require gradients
    /// are replaced by leaves that do; read them back from <see cref="Theta"/>.
    /// </summary>
    /// <param name="game">The game.</param>
    /// <param name="theta">One [B, d_i] tensor per player.</param>
    /// <param name="detachHeld">Detach the held vectors of the stop-gradients (see <see cref="DetachHeld"/>).</param>
    public static GameDerivatives At(DifferentiableGame game, IReadOnlyList<Tensor> theta, bool detachHeld = false)
    {
        game.CheckShapes(theta);
        var t = Autodiff.EnsureDifferentiable(theta);
        var losses = game.Losses(t);
        var cross = losses.Select(l => t.Select(tj => Autodiff.Grad(l, tj)).ToArray()).ToArray();
        return new GameDerivatives(game, t, cross, detachHeld);
    }

    /// <summary>
    /// The shaping term chi_i = sum_{j != i} grad_i [ stop(grad_j L^i) . grad_j L^j ]
    /// (in two-player games chi_1 = grad_12 L^2 grad_2 L^1).
    /// </summary>
    public Tensor[] Chi() =>
        Enumerable.Range(0, Game.PlayerCount)
            .Select(i => SumOverOpponents(i, j => Autodiff.Vjp(CrossGradients[j][j], Theta[i], Held(CrossGradients[i][j]))))
            .ToArray();

    /// <summary>
    /// The LookAhead gradient: grad_i L^i - alpha grad_i sum_{j != i} grad_j L^i . stop(grad_j L^j),
    /// i.e. (I - alpha H_o) xi.
    /// </summary>
    public Tensor[] LookAheadGradient(Tensor alpha) => ShapedByOpponents(alpha, CrossGradients.Select((row, j) => row[j]).ToArray());

    /// <summary>
    /// grad_i L^i - alpha sum_{j != i} (d grad_j L^i / d theta_i)^T v_j: the LookAhead gradient when v = xi, one step
    /// of higher-order LookAhead when v is the opponents' previous updates (held fixed inside the derivative).
    /// </summary>
    public Tensor[] ShapedByOpponents(Tensor alpha, IReadOnlyList<Tensor> v) =>
        Enumerable.Range(0, Game.PlayerCount)
            .Select(i => CrossGradients[i][i] - alpha * SumOverOpponents(i, j => Autodiff.Vjp(CrossGradients[i][j], Theta[i], Held(v[j]))))
            .ToArray();

    Tensor Held(Tensor v) => DetachHeld ? v.detach() : v;

    Tensor SumOverOpponents(int i, Func<int, Tensor> term)
    {
        var sum = zeros_like(Theta[i]);
        for (var j = 0; j < Game.PlayerCount; j++)
            if (j != i) sum = sum.Plus(term(j));
        return sum;
    }

    /// <summary>The game Jacobian H = d xi / d theta, [B, D, D], rows and columns in player order.</summary>
    public Tensor Hessian()
    {
        var blocks = Xi.Select(xi => cat(Theta.Select(tj => Autodiff.Jacobian(xi, tj)).ToArray(), 2)).ToArray();
        return cat(blocks, 1);
    }

    /// <summary>H_o: H with the diagonal blocks d^2 L^i / d theta_i^2 set to zero, [B, D, D].</summary>
    public Tensor OffDiagonalHessian() => OffDiagonal(Game, Hessian());

    /// <summary>Zeroes the diagonal player blocks of a [B, D, D] matrix.</summary>
    public static Tensor OffDiagonal(DifferentiableGame game, Tensor h)
    {
        var mask = ones(h.shape[1], h.shape[2], dtype: ScalarType.Float64, device: h.device);
        var start = 0;
        foreach (var p in game.Players)
        {
            mask[start..(start + p.ParameterSize), start..(start + p.ParameterSize)] = 0.0;
            start += p.ParameterSize;
        }
        return h * mask;
    }
}
