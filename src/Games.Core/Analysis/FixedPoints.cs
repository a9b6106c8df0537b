using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using static TorchSharp.torch;

namespace Hybrid.Games.Analysis;

/// <summary>Classification of a fixed point of the simultaneous gradient (Letcher et al. 2019b, definition 1).</summary>
public enum FixedPointKind
{
    /// <summary>Not a fixed point: ||xi|| is above the tolerance.</summary>
    NotFixed,
    /// <summary>Stable (SFP): xi = 0 and H is positive semi-definite (its symmetric part has no negative eigenvalue).</summary>
    Stable,
    /// <summary>Unstable: xi = 0 and H is negative definite.</summary>
    Unstable,
    /// <summary>Strict saddle: xi = 0 and H has an eigenvalue with negative real part, but is not negative definite.</summary>
    StrictSaddle,
    /// <summary>None of the above (e.g. purely rotational: eigenvalues on the imaginary axis with an indefinite symmetric part).</summary>
    Other,
}

/// <summary>A classified point.</summary>
/// <param name="Point">The concatenated parameters.</param>
/// <param name="Kind">The classification.</param>
/// <param name="GradientNorm">||xi|| at the point.</param>
/// <param name="Eigenvalues">Eigenvalues of the game Jacobian H.</param>
/// <param name="SymmetricEigenvalues">Eigenvalues of (H + H^T) / 2, ascending.</param>
public sealed record FixedPoint(double[] Point, FixedPointKind Kind, double GradientNorm, Complex[] Eigenvalues, double[] SymmetricEigenvalues);

/// <summary>Fixed points of games and their classification via eigenvalues.</summary>
public static class FixedPoints
{
    /// <summary>Classifies each point of a batch ([B, D] concatenated parameters).</summary>
    public static FixedPoint[] Classify(DifferentiableGame game, Tensor points, double tolerance = 1e-8)
    {
        using var scope = NewDisposeScope();
        var d = GameDerivatives.At(game, game.Split(points));
        var xi = DifferentiableGame.Concat(d.Xi).detach();
        var h = d.Hessian().detach().cpu();
        var norms = TensorRows.Norm(xi).cpu().data<double>().ToArray();
        var flat = points.detach().cpu();
        var result = new FixedPoint[norms.Length];
        var size = (int)h.shape[1];
        for (var b = 0; b < norms.Length; b++)
        {
            var values = h[b].data<double>().ToArray();
            var m = Matrix<double>.Build.Dense(size, size, (r, c) => values[r * size + c]);
            var eig = m.Evd().EigenValues.ToArray();
            var sym = (0.5 * (m + m.Transpose())).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric)
                .EigenValues.Select(z => z.Real).OrderBy(x => x).ToArray();
            var scale = Math.Max(1.0, sym.Select(Math.Abs).DefaultIfEmpty(0).Max());
            var eps = 1e-9 * scale;
            FixedPointKind kind;
            if (norms[b] > tolerance) kind = FixedPointKind.NotFixed;
            else if (sym[0] >= -eps) kind = FixedPointKind.Stable;
            else if (sym[^1] < -eps) kind = FixedPointKind.Unstable;
            else if (eig.Any(z => z.Real < -eps)) kind = FixedPointKind.StrictSaddle;
            else kind = FixedPointKind.Other;
            result[b] = new FixedPoint(flat[b].data<double>().ToArray(), kind, norms[b], eig, sym);
        }
        return result;
    }

    /// <summary>
    /// Searches fixed points from the given starts ([B, D]) by Newton steps on xi with the pseudo-inverse of H
    /// (H may be singular, as in the Tandem game), keeps those with ||xi|| &lt; tolerance, merges duplicates
    /// closer than <paramref name="mergeDistance"/>, and classifies them.
    /// </summary>
    public static FixedPoint[] Find(DifferentiableGame game, Tensor starts, int steps = 50, double tolerance = 1e-8, double mergeDistance = 1e-6)
    {
        var theta = starts.detach().clone();
        for (var k = 0; k < steps; k++)
        {
            using var scope = NewDisposeScope();
            var d = GameDerivatives.At(game, game.Split(theta));
            var xi = DifferentiableGame.Concat(d.Xi).detach().unsqueeze(2);
            var step = linalg.pinv(d.Hessian().detach()).matmul(xi).squeeze(2);
            var next = theta - step;
            // Keep the last finite iterate of points whose Newton step blew up.
            var finite = next.isfinite().all(1, keepdim: true);
            theta = where(finite, next, theta).MoveToOuterDisposeScope();
        }
        var found = new List<FixedPoint>();
        foreach (var p in Classify(game, theta, tolerance).Where(p => p.Kind != FixedPointKind.NotFixed))
        {
            if (found.Any(q => Distance(p.Point, q.Point) < mergeDistance)) continue;
            found.Add(p);
        }
        return found.ToArray();
    }

    static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
}
