using Hybrid.Games.Analysis;
using Hybrid.Games.Catalog;
using Hybrid.Games.Cola;
using Xunit;
using static Hybrid.Games.Tests.TestPoints;
using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

public class ColaTests
{
    static readonly ColaSettings Short = ColaSettings.Polynomial with { Steps = 1500 };

    [Fact]
    public void TrainingMakesTandemUpdatesConsistent()
    {
        var game = new Tandem();
        var trainer = ColaTrainer.Create(game, Short, new[] { 1.0, 0.3 }, new long[] { 0, 1 });
        var points = game.Region.Sample(500, 2, new Generator(9));
        var before = Values(trainer.ConsistencyLoss(points));
        trainer.Train();
        var after = Values(trainer.ConsistencyLoss(points));
        for (var r = 0; r < 2; r++) Assert.True(after[r] < 1e-2 * before[r], $"run {r}: {before[r]} -> {after[r]}");
        // The trained pair as a rule: the library's consistency loss agrees with the trainer's.
        var rule = new ColaRule(trainer.Networks, 1);
        Assert.Equal(after[1], Consistency.Loss(game, rule, game.Split(points), 0.3), 10);
    }

    [Fact]
    public void EachRunTrainsAsItWouldAlone()
    {
        var game = new MatchingPennies();
        var settings = ColaSettings.NonPolynomial with { Steps = 30, Batch = 16 };
        var together = ColaTrainer.Create(game, settings, new[] { 1.0, 5.0, 0.5 }, new long[] { 3, 4, 5 });
        var alone = ColaTrainer.Create(game, settings, new[] { 5.0 }, new long[] { 4 });
        together.Train(); alone.Train();
        ArrayAssert.Close(Values(alone.Networks.Parameters[0]), Values(together.Networks.Parameters[1]), 12);
    }

    [Fact]
    public void ResumingACheckpointGivesTheUninterruptedResult()
    {
        var game = new Tandem();
        var settings = Short with { Steps = 2500 };
        var dir = Directory.CreateTempSubdirectory("hybrid-cola-");
        try
        {
            var path = Path.Combine(dir.FullName, "checkpoint.cola");
            var uninterrupted = ColaTrainer.Create(game, settings, new[] { 1.0, 0.1 }, new long[] { 7, 8 });
            var straight = new List<ColaProgress>();
            uninterrupted.Train(progress: new Collect(straight), reportEvery: 500);

            // Stop mid-block (1,000 steps per sampling block) and go on from the file in a new trainer.
            var first = ColaTrainer.Create(game, settings, new[] { 1.0, 0.1 }, new long[] { 7, 8 });
            first.Train(untilStep: 1234, checkpoint: new ColaCheckpoint(path, Every: 617), reportEvery: 500);
            Assert.Equal(1234, ColaFile.ReadHeader(path).Step);
            var resumed = ColaFile.ReadTrainer(path);
            Assert.Equal(1234, resumed.Step);
            var after = new List<ColaProgress>();
            resumed.Train(progress: new Collect(after), reportEvery: 500);
            Assert.Equal(Values(uninterrupted.Networks.Parameters), Values(resumed.Networks.Parameters));

            // The training curve survives the stop: the resumed run replays the reports made before it (flagged as
            // earlier, for a display to skip), then goes on, and the whole equals the uninterrupted curve.
            Assert.Equal(new[] { 500, 1000, 1500, 2000, 2500 }, straight.Select(p => p.Step));
            Assert.Equal(new[] { true, true, false, false, false }, after.Select(p => p.Earlier));
            Assert.Equal(straight.Select(p => p.Step), after.Select(p => p.Step));
            Assert.Equal(straight.SelectMany(p => p.Losses), after.SelectMany(p => p.Losses));
            Assert.Equal(uninterrupted.History.Select(h => h.Step), resumed.History.Select(h => h.Step));
        }
        finally { dir.Delete(true); }
    }

    sealed class Collect(List<ColaProgress> into) : IProgress<ColaProgress>
    {
        public void Report(ColaProgress value) => into.Add(value);
    }

    [Fact]
    public void SavedNetworksLoadAsTheSameRule()
    {
        var game = new Ultimatum();
        var trainer = ColaTrainer.Create(game, ColaSettings.NonPolynomial with { Steps = 20 }, new[] { 1.1, 0.3 }, new long[] { 1, 2 });
        trainer.Train();
        var dir = Directory.CreateTempSubdirectory("hybrid-cola-");
        try
        {
            var path = Path.Combine(dir.FullName, "ultimatum.cola");
            ColaFile.Write(path, trainer, trainingState: false);
            var header = ColaFile.ReadHeader(path);
            Assert.Equal("ultimatum", header.Game);
            Assert.Equal(new[] { 1.1, 0.3 }, header.Alphas);
            Assert.False(header.HasTrainingState);
            var loaded = ColaRule.Load(path, run: 1);
            var theta = game.SampleRegion(7, new Generator(3));
            var expected = new ColaRule(trainer.Networks, 1).Update(game, theta, 0.3);
            var actual = loaded.Update(game, theta, 0.3);
            for (var i = 0; i < 2; i++) Assert.Equal(Values(expected[i]), Values(actual[i]));
            Assert.Throws<InvalidDataException>(() => ColaFile.ReadTrainer(path));
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);
            Assert.Throws<InvalidDataException>(() => ColaFile.ReadNetworks(path));
            Assert.Throws<ArgumentException>(() => loaded.Update(new Chicken(), theta, 0.3));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void SettingsAreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ColaTrainer.Create(new Tandem(), Short with { Width = 0 }, new[] { 1.0 }, new long[] { 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ColaTrainer.Create(new Tandem(), Short, new[] { 0.0 }, new long[] { 0 }));
        Assert.Throws<ArgumentException>(() => ColaTrainer.Create(new Tandem(), Short, new[] { 1.0, 2.0 }, new long[] { 0 }));
        Assert.Same(ColaSettings.Polynomial, ColaSettings.For(new Hamiltonian()));
        Assert.Same(ColaSettings.NonPolynomial, ColaSettings.For(new IteratedPrisonersDilemma()));
        Assert.Equal(1e-2 * Math.Pow(0.9, 24), ColaSettings.Polynomial.RateAt(24_000), 15);
        Assert.Equal(1e-2 * 0.9 * 0.9, (ColaSettings.Polynomial with { DecayEvery = 0 }).RateAt(24_000), 15);
    }
}
