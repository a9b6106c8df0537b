using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Rules;
using TorchSharp;
using Xunit;
using static Hybrid.Games.Tests.TestPoints;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

public class RuleTests
{
    static readonly Tensor[] TandemPoints = { Column(0.3, -0.7, 0.9), Column(0.1, 0.2, -0.5) };

    [Fact]
    public void NaiveIsMinusAlphaTimesTheGradient()
    {
        var h = new NaiveRule().Update(new Tandem(), TandemPoints, 0.5);
        var s = new[] { 0.4, -0.5, 0.4 };
        ArrayAssert.Close(s.Select(v => -0.5 * (2 * v - 2)).ToArray(), Values(h[0]), 12);
    }

    [Fact]
    public void CgdMatchesItsTandemClosedForm()
    {
        // Appendix D: CGD = -2 alpha (x + y - 1) / (1 + 2 alpha) for both players.
        foreach (var alpha in new[] { 0.1, 0.3, 1.0, 2.0 })
        {
            var h = new CgdRule().Update(new Tandem(), TandemPoints, alpha);
            var expected = new[] { 0.4, -0.5, 0.4 }.Select(s => -2 * alpha * (s - 1) / (1 + 2 * alpha)).ToArray();
            ArrayAssert.Close(expected, Values(h[0]), 12);
            ArrayAssert.Close(expected, Values(h[1]), 12);
        }
    }

    [Fact]
    public void CgdIsNaNWhereItsSystemIsSingular()
    {
        // In Tandem I + alpha H_o = [[1, 2 alpha], [2 alpha, 1]] is singular at alpha = 0.5.
        var h = new CgdRule().Update(new Tandem(), TandemPoints, 0.5);
        Assert.All(Values(h[0]), v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void TaylorLolaIsTaylorHolaOneAndExactLolaIsHolaOne()
    {
        var game = new IteratedPrisonersDilemma();
        var theta = game.SampleRegion(6, new Generator(1));
        var taylor = PLolaRule.TaylorLola().Update(game, theta, 0.3);
        var hola = new HolaRule(1, taylor: true).Update(game, theta, 0.3);
        for (var i = 0; i < 2; i++) ArrayAssert.Close(Values(taylor[i]), Values(hola[i]), 10);
        var exact = RuleRegistry.Create("lola_exact").Update(game, theta, 0.3);
        var explicitLola = new Tensor[2];
        var t = Autodiff.Leaves(theta);
        using var minusAlpha = (-0.3).ToScalar();
        var naive2 = Autodiff.Grad(game.Loss(1, t), t[1]).mul(minusAlpha);
        explicitLola[0] = Autodiff.Grad(game.Loss(0, new[] { t[0], t[1].Plus(naive2) }), t[0]).mul(minusAlpha);
        ArrayAssert.Close(Values(explicitLola[0]), Values(exact[0]), 10);
    }

    [Fact]
    public void SosDampsShapingThatOpposesLookAhead()
    {
        // Tandem with s = x + y: xi0_i = (2s - 2)(1 - 2 alpha), chi_i = 4s. At s = 3, alpha = 0.3 shaping opposes
        // LookAhead (dot < 0) and p = p1 = a ||xi0||^2 / -dot = 0.5 * 2 * 1.6^2 / (0.3 * 12 * 1.6 * 2) = 2/9.
        const double alpha = 0.3, s = 3;
        var xi0 = (2 * s - 2) * (1 - 2 * alpha);
        var chi = 4 * s;
        var p = 0.5 * 2 * xi0 * xi0 / (alpha * chi * xi0 * 2);
        Assert.Equal(2.0 / 9, p, 12);
        var h = new SosRule().Update(new Tandem(), new[] { Column(1.5), Column(1.5) }, alpha);
        Assert.Equal(-alpha * (xi0 - p * alpha * chi), Values(h[0])[0], 12);
        Assert.Equal(-alpha * (xi0 - p * alpha * chi), Values(h[1])[0], 12);
    }

    [Fact]
    public void SosIsTaylorLolaInTheHamiltonianGameAwayFromTheOriginAndDampedNearIt()
    {
        // Hamiltonian: xi0 = (y + alpha x, -x + alpha y), chi = (-x, -y), so <-alpha chi, xi0> = alpha^2 ||theta||^2 >= 0: p1 = 1.
        var game = new Hamiltonian();
        const double alpha = 0.5;
        var far = new[] { Column(0.6), Column(-0.8) };
        var sos = new SosRule().Update(game, far, alpha);
        var lola = PLolaRule.TaylorLola().Update(game, far, alpha);
        Assert.Equal(Values(lola[0])[0], Values(sos[0])[0], 12);
        Assert.Equal(-alpha * (-0.8 + 2 * alpha * 0.6), Values(sos[0])[0], 12);
        // Near the origin ||xi|| = 0.05 < b = 0.1, so p = p2 = ||xi||^2.
        const double x = 0.03, y = -0.04, p = 0.0025;
        var near = new SosRule().Update(game, new[] { Column(x), Column(y) }, alpha);
        Assert.Equal(-alpha * (y + alpha * x + p * alpha * x), Values(near[0])[0], 14);
        Assert.Equal(-alpha * (-x + alpha * y + p * alpha * y), Values(near[1])[0], 14);
    }

    [Fact]
    public void ILolaConvergesBelowTheThresholdAndReportsDivergenceAbove()
    {
        var game = new Tandem();
        // Tandem contracts by about 4 alpha per order below the threshold (table 1a), so alpha = 0.05 settles quickly.
        var converged = new ILolaRule(tolerance: 1e-7, maxOrder: 14).Solve(game, TandemPoints, Rate(0.05));
        Assert.True(converged.AllConverged);
        Assert.All(converged.Order, n => Assert.InRange(n, 2, 14));
        Assert.All(converged.Residual, r => Assert.True(r < 1e-7));
        // The iLOLA update is (numerically) consistent, as proposition 4.3 says.
        var residual = Consistency.Residual(game, new ILolaRule(tolerance: 1e-7, maxOrder: 14), TandemPoints, Rate(0.05));
        Assert.All(Values(residual[0]).Concat(Values(residual[1])), r => Assert.True(Math.Abs(r) < 1e-6, $"residual {r}"));

        var diverged = new ILolaRule(maxOrder: 8).Solve(game, TandemPoints, Rate(1.0));
        Assert.All(diverged.Status, s => Assert.Equal(ILolaStatus.Diverged, s));
        Assert.All(Values(diverged.Update[0]), v => Assert.True(double.IsFinite(v)));
        Assert.Throws<RuleDivergedException>(() => new ILolaRule(maxOrder: 8).Update(game, TandemPoints, Rate(1.0)));
    }

    [Fact]
    public void RegistryKnowsEveryRuleAndRejectsUnknownOnes()
    {
        foreach (var name in new[] { "naive", "lookahead", "lookahead_3", "lola_taylor", "lola_exact", "hola_4", "hola_taylor_2", "sos", "cgd", "cgd_2", "ilola", "ilola_taylor" })
            Assert.Equal(name, RuleRegistry.Create(name).Name);
        Assert.Throws<ArgumentException>(() => RuleRegistry.Create("hola_x"));
        Assert.Throws<ArgumentException>(() => RuleRegistry.Create("lola"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NaiveRule().Update(new Tandem(), TandemPoints, 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NaiveRule().Update(new Tandem(), TandemPoints, double.NaN));
    }
}
