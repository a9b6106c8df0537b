using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Algorithms;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Tests;

/// <summary>Evaluation of learned policies on fresh episodes.</summary>
public class PolicyEvaluationTests
{
    static PpoConfig SwitchConfig() => new()
    {
        NumEnvs = 4, NumSteps = 12, TotalTimesteps = 4 * 12 * 4, UpdateEpochs = 1, NumMinibatches = 1, Hidden = 16, GruHidden = 8, Recurrent = true,
    };

    /// <summary>
    /// A GRU IPPO trainer on the 3-prisoner Switch Riddle whose policy head is scaled up from its 0.01-gain
    /// initialisation, so that the action probabilities depend on the history and differ between the two seeds.
    /// </summary>
    static PpoTrainer SwitchTrainer()
    {
        var trainer = new PpoTrainer(PpoVariant.Ippo, "switch_riddle", SwitchConfig(), seeds: 2);
        using var _ = no_grad();
        var p = trainer.Network.ParameterSets[0];
        using var scale = tensor(100f);
        p.Block(p.IndexOf("actor.head.weight")).mul_(scale);
        return trainer;
    }

    /// <summary>
    /// The exact expected return of the sampled policy, from the tree of every room sequence and every action of the
    /// prisoner in the room (6 branches a day, 6^6 paths), against the
    /// Monte Carlo evaluation with its own environments, actor layout, hidden states and random streams: they must
    /// agree within the sampling error.
    /// </summary>
    [Fact]
    public void SampledEvaluationAgreesWithTheExactExpectation()
    {
        const EvaluationPolicy policy = EvaluationPolicy.Sample;
        using var trainer = SwitchTrainer();
        var exact = ExactReturns(trainer, policy);
        var evaluation = PolicyEvaluation.Run(trainer, 20_000, policy, seed: 3);
        for (var s = 0; s < 2; s++)
        {
            var returns = evaluation.Returns[s];
            Assert.Equal(20_000, returns.Length);
            Assert.All(evaluation.Lengths[s], l => Assert.InRange(l, 1, 6));
            var mean = returns.Average();
            var sd = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (returns.Length - 1));
            Assert.True(Math.Abs(mean - exact[s]) < 4 * sd / Math.Sqrt(returns.Length) + 1e-12, $"seed {s}: evaluation {mean} vs exact {exact[s]} (sd {sd})");
        }
        // The seeds' policies differ by more than the sampling error, so mixing up the seed layout would show.
        Assert.True(Math.Abs(exact[0] - exact[1]) > 0.05, $"exact returns {exact[0]} and {exact[1]}");
    }

    /// <summary>
    /// Greedy play takes the most probable action: with the tell logit raised above the others on the first day every
    /// episode ends there with a wrong tell; without, this network never tells (its exact greedy expectation, from the
    /// same tree, is 0) and every episode runs its six days; sampling the same policies tells sometimes.
    /// </summary>
    [Fact]
    public void GreedyEvaluationPlaysTheMostProbableAction()
    {
        using var trainer = SwitchTrainer();
        Assert.Equal(new[] { 0.0, 0.0 }, ExactReturns(trainer, EvaluationPolicy.Greedy));
        var quiet = PolicyEvaluation.Run(trainer, 1000, EvaluationPolicy.Greedy, seed: 4);
        Assert.All(quiet.Returns.SelectMany(r => r), r => Assert.Equal(0, r));
        Assert.All(quiet.Lengths.SelectMany(l => l), l => Assert.Equal(6, l));
        Assert.Contains(PolicyEvaluation.Run(trainer, 1000, EvaluationPolicy.Sample, seed: 4).Returns[0], r => r != 0);
        using (no_grad())
        {
            var p = trainer.Network.ParameterSets[0];
            using var raise = tensor(0.5f);
            p.Block(p.IndexOf("actor.head.bias")).select(1, 2).PlusInPlace(raise);
        }
        var eager = PolicyEvaluation.Run(trainer, 1000, EvaluationPolicy.Greedy, seed: 4);
        Assert.All(eager.Returns.SelectMany(r => r), r => Assert.Equal(-1, r));
        Assert.All(eager.Lengths.SelectMany(l => l), l => Assert.Equal(1, l));
    }

    [Fact]
    public void EvaluationIsReproducibleAndLeavesTheTrainerUntouched()
    {
        using var evaluated = SwitchTrainer();
        using var plain = SwitchTrainer();
        var first = PolicyEvaluation.Run(evaluated, 500, EvaluationPolicy.Sample, seed: 5);
        var again = PolicyEvaluation.Run(evaluated, 500, EvaluationPolicy.Sample, seed: 5);
        var other = PolicyEvaluation.Run(evaluated, 500, EvaluationPolicy.Sample, seed: 6);
        Assert.Equal(first.Returns, again.Returns);
        Assert.NotEqual(first.Returns, other.Returns);
        var a = evaluated.Step();
        var b = plain.Step();
        Assert.Equal(b["return"], a["return"]);
        Assert.Equal(b["actor_loss"], a["actor_loss"]);
        Assert.Equal(plain.Network.ParameterSets[0].Values.data<float>().ToArray(), evaluated.Network.ParameterSets[0].Values.data<float>().ToArray());
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        using var trainer = new PpoTrainer(PpoVariant.Ippo, "switch_riddle", SwitchConfig() with { Recurrent = false });
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicyEvaluation.Run(trainer, 0, EvaluationPolicy.Greedy, 0));
        var e = Assert.Throws<FileNotFoundException>(() => PpoRun.Open(Path.Combine(Path.GetTempPath(), "hybrid-none-" + Guid.NewGuid())));
        Assert.Contains("config.json is missing", e.Message);
    }

    /// <summary>Each seed's exact expected return over all room sequences and actions of six days.</summary>
    static double[] ExactReturns(PpoTrainer trainer, EvaluationPolicy policy)
    {
        const int agents = 3, days = 6;
        var seeds = trainer.Seeds;
        var h = trainer.Config.GruHidden;
        // Paths share their structure across seeds (room sequence, actions other than tell); probabilities are per seed.
        var bulb = new List<bool> { false };
        var been = new List<bool[]> { new bool[agents] };
        var probability = new List<double[]> { Enumerable.Repeat(1.0, seeds).ToArray() };
        var expected = new double[seeds];
        using var _ = no_grad();
        var hidden = zeros(seeds, agents, h); // [S, paths x agents, H]
        for (var d = 0; d < days; d++)
        {
            // The scope keeps every tensor of the day reachable until it ends: a tensor reachable only from a local that is
            // dead after its last use can be finalised while libtorch still reads it (a crash seen once in CI, in softmax).
            using var scope = NewDisposeScope();
            var paths = bulb.Count;
            // Branch every path on today's prisoner i: new path k = p * 3 + i, actors k * 3 + agent.
            var obs = new float[seeds * paths * agents * agents * 2];
            for (var s = 0; s < seeds; s++)
                for (var p = 0; p < paths; p++)
                    for (var i = 0; i < agents; i++)
                    {
                        var row = (s * paths * agents + p * agents + i) * agents + i;
                        obs[row * 2] = 1;
                        obs[row * 2 + 1] = bulb[p] ? 1 : 0;
                    }
            var parent = tensor(Enumerable.Range(0, paths * agents * agents).Select(r => (long)(r / (agents * agents) * agents + r % agents)).ToArray());
            var context = new ForwardContext(1, zeros(1, seeds, paths * agents * agents, dtype: ScalarType.Bool))
                .WithState(trainer.Network.RecurrentModules[0], hidden.index_select(1, parent));
            var output = trainer.Network.Forward(tensor(obs).view(1, seeds, paths * agents * agents, 2), null, context);
            var probs = nn.functional.softmax(output.Policy.Primary, -1).to(ScalarType.Float64).contiguous().data<double>().ToArray();
            var next = new List<long>();
            var (nextBulb, nextBeen, nextProbability) = (new List<bool>(), new List<bool[]>(), new List<double[]>());
            for (var p = 0; p < paths; p++)
                for (var i = 0; i < agents; i++)
                {
                    var visited = (bool[])been[p].Clone();
                    visited[i] = true;
                    double[] Pi(int s)
                    {
                        var pi = probs.AsSpan(((s * paths * agents + p * agents + i) * agents + i) * 3, 3).ToArray();
                        if (policy == EvaluationPolicy.Sample) return pi;
                        var best = pi[2] > pi[1] && pi[2] > pi[0] ? 2 : pi[1] > pi[0] ? 1 : 0;
                        return Enumerable.Range(0, 3).Select(a => a == best ? 1.0 : 0.0).ToArray();
                    }
                    for (var s = 0; s < seeds; s++) expected[s] += probability[p][s] / agents * Pi(s)[2] * (visited.All(v => v) ? 1 : -1);
                    for (var action = 0; action < 2; action++)
                    {
                        next.Add(p * agents + i);
                        nextBulb.Add(action == 1 ? !bulb[p] : bulb[p]);
                        nextBeen.Add(visited);
                        nextProbability.Add(Enumerable.Range(0, seeds).Select(s => probability[p][s] / agents * Pi(s)[action]).ToArray());
                    }
                }
            // Hidden states of branch k (agents' rows) for each kept path.
            var rows = next.SelectMany(k => Enumerable.Range(0, agents).Select(a => k * agents + a)).ToArray();
            var nextHidden = context.FinalState(trainer.Network.RecurrentModules[0]).index_select(1, tensor(rows)).MoveToOuterDisposeScope();
            hidden.Dispose();
            hidden = nextHidden;
            (bulb, been, probability) = (nextBulb, nextBeen, nextProbability);
        }
        hidden.Dispose();
        return expected;
    }
}
