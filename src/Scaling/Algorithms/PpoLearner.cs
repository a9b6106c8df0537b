using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Rollouts;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// The learning side of PPO for one group of agents: an actor-critic of C copies (one per training seed), its
/// optimisers (one Adam per parameter set, each copy clipped by its own gradient norm), the acting side
/// (<see cref="NetworkActor"/>) and the minibatch streams. <see cref="Update"/> computes GAE targets from a
/// trajectory and takes update_epochs x num_minibatches gradient steps (PureJaxRL's _update_epoch).
/// </summary>
public sealed class PpoLearner : IDisposable
{
    readonly PpoConfig config;
    readonly Adam[] optimisers;
    readonly ulong[] shuffleRng;
    float[] advantages = Array.Empty<float>(), targets = Array.Empty<float>();

    /// <summary>Metric names of <see cref="Update"/>, per copy: means over the update's gradient steps.</summary>
    public static readonly string[] MetricNames = { "actor_loss", "value_loss", "entropy", "approx_kl", "clip_fraction", "grad_norm" };

    /// <summary>A learner for <paramref name="network"/>; copy c's action and minibatch streams start from <paramref name="seeds"/>[c].</summary>
    public PpoLearner(string name, ActorCritic network, PpoConfig config, IReadOnlyList<long> seeds)
    {
        if (seeds.Count != network.Copies) throw new ArgumentException($"{seeds.Count} seeds for {network.Copies} copies", nameof(seeds));
        Name = name;
        Network = network;
        this.config = config;
        Actor = new NetworkActor(network, ActionStreams(seeds));
        optimisers = network.ParameterSets.Select(p => new Adam(p, config.MaxGradNorm, epsilon: 1e-5)).ToArray();
        shuffleRng = ShuffleStreams(seeds);
    }

    static ulong[] ActionStreams(IReadOnlyList<long> seeds) => seeds.Select(s => SplitMix64.Start((ulong)s ^ 0xA5A5_0F0F_1234_5678UL)).ToArray();

    static ulong[] ShuffleStreams(IReadOnlyList<long> seeds) => seeds.Select(s => SplitMix64.Start((ulong)s ^ 0x0123_4567_89AB_CDEFUL)).ToArray();

    /// <summary>
    /// Starts the learner again from <paramref name="seeds"/> (a new trial of meta-learning: co-players re-initialised):
    /// fresh parameters, zero optimiser state, restarted streams and zero recurrent states, exactly as a new learner with
    /// these seeds, without rebuilding the network.
    /// </summary>
    public void Reset(IReadOnlyList<long> seeds)
    {
        if (seeds.Count != Network.Copies) throw new ArgumentException($"{seeds.Count} seeds for {Network.Copies} copies", nameof(seeds));
        Network.Reinitialise(seeds);
        foreach (var o in optimisers) o.Reset();
        Actor.Restart(ActionStreams(seeds));
        ShuffleStreams(seeds).CopyTo(shuffleRng, 0);
    }

    /// <summary>The learner's name (its agents), used to prefix its metrics when there are several learners.</summary>
    public string Name { get; }

    /// <summary>The network.</summary>
    public ActorCritic Network { get; }

    /// <summary>The acting side (used by the collector).</summary>
    public NetworkActor Actor { get; }

    /// <summary>
    /// GAE on <paramref name="trajectory"/> (done = the step's "__all__" done), then update_epochs passes of
    /// num_minibatches minibatches with learning rate <paramref name="learningRate"/>: transitions shuffled per copy
    /// (feed-forward), or whole sequences of rows replayed from the trajectory's first recurrent states (recurrent).
    /// Returns the per-copy means of <see cref="MetricNames"/>.
    /// </summary>
    public double[][] Update(Trajectory trajectory, double learningRate)
    {
        var size = trajectory.Steps * trajectory.Width;
        if (advantages.Length != size) (advantages, targets) = (new float[size], new float[size]);
        Gae.Compute(trajectory.Rewards, trajectory.Values, trajectory.Dones, trajectory.LastValues, (float)config.Gamma, (float)config.GaeLambda, advantages, targets);
        using var scope = NewDisposeScope();
        return Learn(trajectory, learningRate);
    }

    double[][] Learn(Trajectory trajectory, double lr)
    {
        int seeds = trajectory.Copies, actors = trajectory.Rows, steps = trajectory.Steps;
        var width = seeds * actors;
        var device = Network.ParameterSets[0].Values.device;
        var recurrent = Network.Recurrent;
        var sums = MetricNames.Select(_ => new double[seeds]).ToArray();
        var shape = new long[] { steps, seeds, actors };
        var distribution = Network.Distribution;
        var actionTensor = distribution.IsDiscrete
            ? tensor(trajectory.Actions.Select(x => (long)x).ToArray(), device: device).view(shape)
            : tensor(trajectory.ContinuousActions, device: device).view(steps, seeds, actors, distribution.ActionSize);
        var oldLogProb = tensor(trajectory.LogProbs, device: device).view(shape);
        var oldValue = tensor(trajectory.Values, device: device).view(shape);
        var adv = tensor(advantages, device: device).view(shape);
        var target = tensor(targets, device: device).view(shape);
        var resetMask = tensor(trajectory.Resets, device: device).view(shape);
        var observations = trajectory.Observations ?? throw new InvalidOperationException($"{Name}: the trajectory holds no observations");
        for (var epoch = 0; epoch < config.UpdateEpochs; epoch++)
        {
            var order = Shuffle(recurrent ? actors : steps * actors);
            var perMinibatch = order.GetLength(1) / config.NumMinibatches;
            for (var m = 0; m < config.NumMinibatches; m++)
            {
                using var scope = NewDisposeScope();
                var chosen = new long[seeds * perMinibatch];
                for (var s = 0; s < seeds; s++)
                    for (var k = 0; k < perMinibatch; k++)
                    {
                        var p = order[s, m * perMinibatch + k];
                        // Feed-forward: p = t N + n over the copy's T x N transitions; recurrent: p = n, a whole sequence.
                        chosen[s * perMinibatch + k] = recurrent ? s * actors + p : p / actors * width + s * actors + p % actors;
                    }
                var index = tensor(chosen, device: device);
                Tensor Pick(Tensor x)
                {
                    // x is [T, C, N, ...]: the minibatch as [T', C, B, ...] (T' = T, B = sequences; or T' = 1, B = transitions).
                    var rest = x.shape.Skip(3).ToArray();
                    if (recurrent)
                        return x.reshape(new long[] { steps, width }.Concat(rest).ToArray()).index_select(1, index)
                            .view(new long[] { steps, seeds, perMinibatch }.Concat(rest).ToArray());
                    return x.reshape(new long[] { (long)steps * width }.Concat(rest).ToArray()).index_select(0, index)
                        .view(new long[] { 1, seeds, perMinibatch }.Concat(rest).ToArray());
                }
                // [T', C, B, ...] -> [C, M, ...] with M = T' x B, the network's row layout.
                Tensor Rows(Tensor x) => x.transpose(0, 1).reshape(new long[] { seeds, -1 }.Concat(x.shape.Skip(3)).ToArray());
                var context = new ForwardContext(recurrent ? steps : 1, recurrent ? Pick(resetMask) : null);
                for (var k = 0; k < trajectory.InitialStates.Length; k++)
                    context.WithState(Network.RecurrentModules[k], trajectory.InitialStates[k].reshape(width, -1).index_select(0, index).view(seeds, perMinibatch, -1));
                var output = Network.Forward(Pick(observations), trajectory.WorldStates is null ? null : Pick(trajectory.WorldStates), context);
                var (logProb, entropy) = distribution.Evaluate(output.Policy, Rows(Pick(actionTensor)));
                var loss = PpoLoss.Compute(logProb, entropy, output.Value, Rows(Pick(oldLogProb)), Rows(Pick(oldValue)), Rows(Pick(adv)), Rows(Pick(target)),
                    config.ClipEps, config.VfCoef, config.EntCoef);
                var total = output.Auxiliary?.TotalLoss() is { } auxiliary ? loss.Total.Plus(auxiliary.sum()) : loss.Total;
                total.backward();
                var norms = optimisers.Select(o => o.Step(lr)).ToArray();
                var terms = new[] { loss.Actor, loss.Value, loss.Entropy, loss.ApproxKl, loss.ClipFraction }.Select(x => x.detach().cpu().data<float>().ToArray()).ToArray();
                for (var s = 0; s < seeds; s++)
                {
                    for (var k = 0; k < terms.Length; k++) sums[k][s] += terms[k][s];
                    sums[5][s] += norms[0][s];
                }
            }
        }
        var updates = config.UpdateEpochs * config.NumMinibatches;
        return sums.Select(v => v.Select(x => x / updates).ToArray()).ToArray();
    }

    /// <summary>A fresh permutation of 0..n-1 for each copy, from the copy's own stream (Fisher-Yates).</summary>
    long[,] Shuffle(int n)
    {
        var seeds = shuffleRng.Length;
        var order = new long[seeds, n];
        for (var s = 0; s < seeds; s++)
        {
            for (var k = 0; k < n; k++) order[s, k] = k;
            for (var k = n - 1; k > 0; k--)
            {
                var j = SplitMix64.Below(ref shuffleRng[s], k + 1);
                (order[s, k], order[s, j]) = (order[s, j], order[s, k]);
            }
        }
        return order;
    }

    /// <summary>Writes parameters, optimiser states, random streams and recurrent states.</summary>
    public void Save(StateWriter writer, int rows)
    {
        writer.Section("learner " + Name);
        foreach (var (p, o) in Network.ParameterSets.Zip(optimisers))
        {
            writer.WriteTensor(p.Values);
            o.Save(writer);
        }
        writer.WriteArray(shuffleRng);
        Actor.Save(writer, rows);
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader, int rows)
    {
        reader.Section("learner " + Name);
        using (no_grad())
            foreach (var (p, o) in Network.ParameterSets.Zip(optimisers))
            {
                reader.ReadInto(p.Values, $"the parameters of {Name}");
                o.Load(reader);
            }
        reader.ReadArray(shuffleRng, $"the minibatch streams of {Name}");
        Actor.Load(reader, rows);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var o in optimisers) o.Dispose();
        Actor.Dispose();
        Network.Dispose();
    }
}
