using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Replay;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// The learning side of the DQN family for C copies: a <see cref="QNetwork"/> (online and target), one Adam over the
/// copies (each copy's gradient its own), the acting streams and the noise of noisy layers. One gradient step reads
/// like dopamine's <c>train</c>: sample, compute targets with the target network, take the loss, update, and with
/// prioritised replay write the new priorities back.
/// </summary>
public sealed class DqnLearner : IDisposable
{
    readonly DqnConfig config;
    readonly Adam adam;
    readonly ulong[] actionStreams, augmentStreams;
    readonly NoiseSource? learnNoise, actNoise;
    readonly Scalar priorityFloor = 1e-10.ToScalar();
    readonly MinatarDqnStep? host;

    /// <summary>Metric names of <see cref="Update"/>, per copy.</summary>
    public static readonly string[] MetricNames = { "loss", "q", "grad_norm" };

    /// <summary>
    /// A learner for <paramref name="network"/> on observations of <paramref name="observationShape"/>; copy c's streams
    /// start from <paramref name="seeds"/>[c]. Where <see cref="MinatarQKernel"/> computes the network (dopamine's MinAtar
    /// DQN and its plain-head variants on the CPU) the gradient steps and greedy actions run in managed code, else with
    /// TorchSharp's modules (<see cref="TensorPathReason"/> says why).
    /// </summary>
    public DqnLearner(QNetwork network, DqnConfig config, IReadOnlyList<long> seeds, long[] observationShape)
    {
        if (seeds.Count != network.Copies) throw new ArgumentException($"{seeds.Count} seeds for {network.Copies} copies", nameof(seeds));
        Network = network;
        this.config = config;
        adam = new Adam(network.Online, config.MaxGradNorm > 0 ? config.MaxGradNorm : null, epsilon: config.AdamEps);
        actionStreams = seeds.Select(s => SplitMix64.Start((ulong)s ^ 0xD0E5_AC71_0000_0001UL)).ToArray();
        augmentStreams = seeds.Select(s => SplitMix64.Start((ulong)s ^ 0xD0E5_A067_0000_0002UL)).ToArray();
        host = MinatarDqnStep.For(network, config, observationShape, out var reason);
        TensorPathReason = host is null ? reason : null;
        if (network.Options.Noisy)
        {
            learnNoise = new NoiseSource(seeds.Select(s => s ^ 0x4E01_5E00L).ToArray());
            actNoise = new NoiseSource(seeds.Select(s => s ^ 0x4E01_5E01L).ToArray());
        }
    }

    /// <summary>Why the tensor path computes this learner's steps (null: the managed MinAtar kernel does).</summary>
    public string? TensorPathReason { get; }

    /// <summary>The networks.</summary>
    public QNetwork Network { get; }

    /// <summary>Gradient steps taken.</summary>
    public long Updates => adam.Steps;

    /// <summary>
    /// Epsilon-greedy actions [C E] (copy-major) at observations [C, E, ...]: per row, with probability
    /// <paramref name="epsilon"/> a uniform action from the copy's stream, else the online network's greedy action
    /// (with fresh noise for noisy networks).
    /// </summary>
    public int[] Act(Tensor observations, double epsilon) => Act(observations, epsilon, actionStreams, actNoise);

    /// <summary>
    /// Epsilon-greedy actions as <see cref="Act(Tensor, double)"/>, with the uniform draws from <paramref name="streams"/>
    /// (one per copy, advanced here) and the noise of <paramref name="noise"/> (null: noisy layers act with their mean
    /// weights, as dopamine's evaluation does); the learner's own streams are not touched.
    /// </summary>
    public int[] Act(Tensor observations, double epsilon, ulong[] streams, NoiseSource? noise)
    {
        var copies = Network.Copies;
        if (streams.Length != copies) throw new ArgumentException($"{streams.Length} action streams for {copies} copies", nameof(streams));
        var shape = observations.shape;       // one native call per action, not one per use
        var rows = (int)shape[1];
        var actions = new int[copies * rows];
        var exploring = new bool[copies * rows];
        // The uniform draws do not depend on the greedy actions: rows that explore need no network pass.
        for (var c = 0; c < copies; c++)
            for (var r = 0; r < rows; r++)
                if (SplitMix64.UnitDouble(ref streams[c]) < epsilon)
                    (actions[c * rows + r], exploring[c * rows + r]) = (SplitMix64.Below(ref streams[c], Network.Actions), true);
        if (host is not null && noise is null && HostSpan.CanView(observations))
        {
            if (shape.Length != 2 + host.ObservationShape.Length || !shape.Skip(2).SequenceEqual(host.ObservationShape))
                throw new ArgumentException($"observations [{string.Join(", ", shape)}] for a network of [copies, rows, {string.Join(", ", host.ObservationShape)}]", nameof(observations));
            var all = HostSpan.Floats(observations);
            var per = all.Length / copies;
            for (var c = 0; c < copies; c++)
                host.Greedy(c, all.Slice(c * per, per), exploring.AsSpan(c * rows, rows), actions.AsSpan(c * rows, rows));
            return actions;
        }
        if (noise is null && !exploring.Contains(false)) return actions;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var values = Network.Values(Network.Forward(Network.Online, observations, new ForwardContext { Noise = noise }));
        var greedy = values.argmax(-1).to_type(ScalarType.Int32).cpu().data<int>().ToArray();
        for (var i = 0; i < actions.Length; i++) if (!exploring[i]) actions[i] = greedy[i];
        return actions;
    }

    /// <summary>One gradient step on a batch of <see cref="DqnConfig.BatchSize"/> per copy; returns the per-copy <see cref="MetricNames"/>.</summary>
    public double[][] Update(ReplayBuffer replay, double learningRate)
    {
        if (host is not null) return host.Update(replay, adam, learningRate);
        using var scope = NewDisposeScope();
        using var batch = replay.Sample(config.BatchSize, Network.Online.Values.device);
        var context = new ForwardContext { Noise = learnNoise };
        // DrQ shifts the observations and the next observations independently (two draws per row).
        var observations = config.AugmentPad > 0 ? RandomShift.Apply(batch.Observations, config.AugmentPad, augmentStreams) : batch.Observations;
        var nextObservations = config.AugmentPad > 0 ? RandomShift.Apply(batch.NextObservations, config.AugmentPad, augmentStreams) : batch.NextObservations;
        var output = Network.Forward(Network.Online, observations, context);                 // [C, B, A, K]
        var atoms = Network.Atoms;
        var index = batch.Actions.view(batch.Actions.shape[0], batch.Actions.shape[1], 1, 1).expand(-1, -1, 1, atoms);
        var chosen = output.gather(2, index).squeeze(2);                                     // [C, B, K]
        // Targets come from the target network (and the online network's choice of action for double Q), without gradients.
        Tensor target;
        using (no_grad())
        {
            var nextTarget = Network.Forward(Network.Target, nextObservations, context);
            var nextTargetValues = Network.Values(nextTarget);
            var nextOnlineValues = config.DoubleQ ? Network.Values(Network.Forward(Network.Online, nextObservations, context)) : null;
            var next = QTargets.NextAction(nextTargetValues, nextOnlineValues);
            if (atoms == 1) target = QTargets.Plain(batch.Returns, batch.Discounts, nextTargetValues, next);
            else
            {
                var pick = next.view(next.shape[0], next.shape[1], 1, 1).expand(-1, -1, 1, atoms);
                var nextProbabilities = nextTarget.gather(2, pick).squeeze(2).softmax(-1);
                target = QTargets.Categorical(batch.Returns, batch.Discounts, nextProbabilities, Network.Support!);
            }
        }
        var loss = atoms == 1                                                                    // [C, B]
            ? (config.Loss == QLoss.Mse ? QTargets.Mse(target, chosen.squeeze(-1)) : QTargets.Huber(target, chosen.squeeze(-1)))
            : (target * chosen.log_softmax(-1)).sum(-1).neg();
        var perCopy = (loss * batch.Weights).mean(new long[] { 1 });
        perCopy.sum().backward();
        var norms = adam.Step(learningRate);
        if (config.Prioritised)
            replay.SetPriorities(batch, loss.detach().Plus(priorityFloor).sqrt().cpu().data<float>().ToArray());
        var q = Network.Values(output.detach()).gather(-1, batch.Actions.unsqueeze(-1)).mean(new long[] { 1, 2 });
        var lossValues = perCopy.detach().to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var qValues = q.to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        return new[] { lossValues, qValues, norms.Length > 0 ? norms : new double[Network.Copies].Select(_ => double.NaN).ToArray() };
    }

    /// <summary>Writes parameters (online and target), optimiser, streams and noise states.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("dqn learner");
        writer.WriteTensor(Network.Online.Values);
        writer.WriteTensor(Network.Target.Values);
        adam.Save(writer);
        writer.WriteArray(actionStreams);
        // Only runs that augment have augmentation streams: the layout of every other run's checkpoint stays version 1's.
        if (config.AugmentPad > 0) writer.WriteArray(augmentStreams);
        writer.Write(learnNoise is not null);
        if (learnNoise is null) return;
        foreach (var state in learnNoise.States().Concat(actNoise!.States())) writer.WriteTensor(state);
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("dqn learner");
        using (no_grad())
        {
            reader.ReadInto(Network.Online.Values, "the online network's parameters");
            reader.ReadInto(Network.Target.Values, "the target network's parameters");
        }
        adam.Load(reader);
        reader.ReadArray(actionStreams, "the action streams");
        if (config.AugmentPad > 0) reader.ReadArray(augmentStreams, "the augmentation streams");
        var noisy = reader.Guard(reader.ReadBoolean);
        if (noisy != (learnNoise is not null)) throw new InvalidDataException($"{reader.Name}: its network is {(noisy ? "" : "not ")}noisy, this run's is {(learnNoise is null ? "not " : "")}noisy");
        if (learnNoise is null) return;
        foreach (var source in new[] { learnNoise, actNoise! })
        {
            var states = source.States();
            for (var c = 0; c < states.Length; c++) reader.ReadInto(states[c], "a noise generator's state");
            source.Restore(states);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        adam.Dispose();
        priorityFloor.Dispose();
        Network.Dispose();
    }
}
