using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Rules;
using TorchSharp;
using Xunit;
using static Hybrid.Games.Tests.TestPoints;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

public class ConsistencyTests
{
    /// <summary>
    /// The consistency residual differentiates the opponent's update as a function of theta. Rules with a
    /// stop-gradient inside (LookAhead, Taylor LOLA, SOS) must still expose that function's true Jacobian:
    /// compare the autograd residual with one built only from update values and central differences.
    /// </summary>
    [Theory]
    [InlineData("ipd", "lookahead")]
    [InlineData("ipd", "lola_taylor")]
    [InlineData("ipd", "sos")]
    [InlineData("ipd", "cgd")]
    [InlineData("chicken", "lookahead")]
    [InlineData("chicken", "sos")]
    [InlineData("ultimatum", "lola_taylor")]
    [InlineData("ipd", "hola_2")]
    public void ResidualUsesTheTrueJacobianOfTheOpponentsUpdate(string gameName, string ruleName)
    {
        var game = GameRegistry.Create(gameName);
        var rule = RuleRegistry.Create(ruleName);
        const double alpha = 0.5, step = 1e-5;
        var flat = DifferentiableGame.Concat(game.SampleRegion(3, new Generator(17))).mul(Keep.Half);
        var autograd = DifferentiableGame.Concat(Consistency.Residual(game, rule, game.Split(flat), Rate(alpha)));

        Tensor Update(Tensor points) => DifferentiableGame.Concat(rule.Update(game, game.Split(points), Rate(alpha))).detach();
        var h = Update(flat);
        var d1 = game.Players[0].ParameterSize;
        var numeric = zeros_like(flat);
        for (var k = 0; k < flat.shape[1]; k++)
        {
            var player = k < d1 ? 0 : 1;
            // g(theta) = L^i(theta_i, theta_-i + h_-i(theta)), differentiated in theta_i's k-th coordinate.
            double[] G(double delta)
            {
                var moved = flat.clone();
                using var shift = delta.ToScalar();
                moved[.., k] = moved[.., k].Plus(shift);
                var hm = game.Split(Update(moved));
                var t = game.Split(moved);
                var point = player == 0 ? new[] { t[0], t[1].Plus(hm[1]) } : new[] { t[0].Plus(hm[0]), t[1] };
                return Values(game.Loss(player, point));
            }
            var plus = G(step); var minus = G(-step);
            for (var s = 0; s < flat.shape[0]; s++) numeric[s, k] = -alpha * (plus[s] - minus[s]) / (2 * step) - Values(h[s])[k];
        }
        var a = Values(autograd); var n = Values(numeric);
        for (var i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - n[i]) <= 1e-6 * (1 + Math.Abs(n[i])), $"{ruleName} on {gameName}: autograd {a[i]} vs finite differences {n[i]}");
    }

    [Fact]
    public void HolaResidualIsTheNextOrderMinusThisOne()
    {
        var game = new IteratedPrisonersDilemma();
        var theta = game.SampleRegion(4, new Generator(3));
        var levels = HolaRule.Sequence(game, theta, Rate(0.3), 3);
        var residual = Consistency.Residual(game, new HolaRule(2), theta, Rate(0.3));
        for (var i = 0; i < 2; i++) ArrayAssert.Close(Values(levels[3][i] - levels[2][i]), Values(residual[i]), 10);
    }
}
