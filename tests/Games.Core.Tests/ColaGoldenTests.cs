using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Xunit;

namespace Hybrid.Games.Tests;

/// <summary>
/// COLA training must give, bit for bit, the last-batch losses recorded before the shared-kernel redesign (commit
/// 5471a3c, `hybrid cola --game G --alphas ... --runs 2 --steps N --json`): the parameter store, Adam and sampling
/// are refactored, not changed.
/// </summary>
public class ColaGoldenTests
{
    [Fact]
    public void TandemTrainingReproducesItsGoldenLosses()
    {
        var game = new Tandem();
        var trainer = ColaTrainer.Create(game, ColaSettings.For(game) with { Steps = 300 }, new[] { 1.0, 1.0, 0.3, 0.3 }, new long[] { 0, 1, 2, 3 });
        Assert.Equal(new[] { 0.006561738046243283, 0.007824310078587936, 0.007852172534411306, 0.010052347012465903 }, trainer.Train());
    }

    [Fact]
    public void IpdTrainingReproducesItsGoldenLosses()
    {
        var game = new IteratedPrisonersDilemma();
        var trainer = ColaTrainer.Create(game, ColaSettings.For(game) with { Steps = 50 }, new[] { 1.0, 1.0 }, new long[] { 0, 1 });
        // Training evaluates the IPD by its closed form (2e-15 relative from the linear solve's 12.025560201024872, 13.287580115134375).
        Assert.Equal(new[] { 12.025560201024852, 13.287580115134372 }, trainer.Train());
    }
}
