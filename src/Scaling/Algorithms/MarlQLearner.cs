using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Rollouts;
using Hybrid.Scaling.Replay;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// The learning side of IQL, VDN and QMIX for C copies (training seeds), as JaxMARL's iql_rnn.py, vdn_rnn.py and
/// qmix_rnn.py: one recurrent agent network shared by the n agents (Dense(H) - ReLU - flax GRU(H) - Dense(A), orthogonal
/// kernels with gain 1), whose input is the agent's observation zero-padded to the widest agent's with the agent's
/// one-hot id appended; QMIX adds its <see cref="QMixer"/> on the state (every agent's raw observation side by side).
/// Online and target parameters hold agent and mixer together; one optimiser (RAdam or Adam, after per-copy global norm
/// clipping) steps them. Actions the agent lacks (agents with fewer actions than the widest) are never chosen.
/// </summary>
public sealed class MarlQLearner : IDisposable
{
    readonly MarlQConfig config;
    readonly IBatchedModule agent;
    readonly Gru gru;
    readonly QMixer? mixer;
    readonly Adam optimizer;
    readonly ulong[] actionStreams;
    readonly Scalar gamma, tau, oneMinusTau;

    /// <summary>Metric names of <see cref="Update"/>, per copy.</summary>
    public static readonly string[] MetricNames = { "loss", "q", "grad_norm" };

    /// <summary>A learner for agents with observation sizes <paramref name="observationSizes"/> and action counts <paramref name="actionCounts"/>; copy c from <paramref name="seeds"/>[c].</summary>
    public MarlQLearner(MarlQMixing mixing, IReadOnlyList<int> observationSizes, IReadOnlyList<int> actionCounts, MarlQConfig config, IReadOnlyList<long> seeds, Device? device = null)
    {
        if (observationSizes.Count < 1 || observationSizes.Count != actionCounts.Count) throw new ArgumentException("every agent needs an observation size and an action count");
        Mixing = mixing;
        this.config = config;
        Inputs = new AgentInputs(observationSizes, actionCounts, device);
        Agents = Inputs.Agents;
        Actions = Inputs.Actions;
        InputSize = Inputs.InputSize;
        var layout = new ParameterLayout();
        var h = config.HiddenSize;
        gru = new Gru(layout, "agent.gru", h, h, GruStyle.Flax);
        agent = new Sequential("agent",
            new Dense(layout, "agent.dense", InputSize, h, gain: 1.0), new ActivationLayer(Activation.Relu), gru,
            new Dense(layout, "agent.q", h, Actions, gain: 1.0));
        if (mixing == MarlQMixing.Qmix)
            mixer = new QMixer(layout, "mixer", Agents, StateSize, config.MixerEmbeddingDim, config.MixerHypernetHiddenDim, config.MixerInitScale);
        Online = layout.Build(seeds, device);
        Target = layout.Build(seeds, device);
        Target.Values.requires_grad_(false);
        using (no_grad()) Target.Values.copy_(Online.Values);
        optimizer = new Adam(Online, config.MaxGradNorm > 0 ? config.MaxGradNorm : null, rectified: config.Optimizer == MarlQOptimizer.Radam);
        actionStreams = seeds.Select(s => SplitMix64.Start((ulong)s ^ 0x9A11_0E75_0000_0001UL)).ToArray();
        gamma = config.Gamma.ToScalar();
        tau = config.Tau.ToScalar();
        oneMinusTau = (1 - config.Tau).ToScalar();
    }

    /// <summary>How the agents' values are combined.</summary>
    public MarlQMixing Mixing { get; }

    /// <summary>The agents' input layout (padding, ids, action masks).</summary>
    public AgentInputs Inputs { get; }

    /// <summary>Agents n.</summary>
    public int Agents { get; }

    /// <summary>Actions of the widest agent (the network's output width).</summary>
    public int Actions { get; }

    /// <summary>Width of the agent network's input (padded observation and id).</summary>
    public int InputSize { get; }

    /// <summary>Width of the state (all raw observations).</summary>
    public int StateSize => Inputs.StateSize;

    /// <summary>Hidden width of the GRU.</summary>
    public int HiddenSize => gru.StateSize;

    /// <summary>The trained parameters (agent and mixer).</summary>
    public ParameterStore Online { get; }

    /// <summary>The target parameters.</summary>
    public ParameterStore Target { get; }

    /// <summary>Gradient steps taken.</summary>
    public long GradSteps => optimizer.Steps;

    /// <summary>Action values [C, X n, A] of the online network for one step from <paramref name="hidden"/> ([C, X n, H] or null: zeros), with the new hidden state.</summary>
    public (Tensor Values, Tensor Hidden) StepValues(Tensor states, Tensor? hidden, Tensor? resets)
    {
        var context = new ForwardContext(1, resets);
        if (hidden is not null) context.WithState(gru, hidden);
        var values = agent.Forward(Online, Inputs.From(states), context).Value;
        return (values, context.FinalState(gru));
    }

    /// <summary>
    /// Epsilon-greedy actions [C, X, n] at states [C, X, S]: per agent, with probability <paramref name="epsilon"/> a
    /// uniform action of its own, else the greedy one among its actions. <paramref name="hidden"/> carries the GRU state
    /// (null: zeros) and is replaced by the new one; <paramref name="starts"/>[c X + x] marks rows whose episode starts
    /// at this step (their state is zeroed first).
    /// </summary>
    public int[] Act(Tensor states, ref Tensor? hidden, bool[]? starts, double epsilon) => Act(states, ref hidden, starts, epsilon, actionStreams);

    /// <summary><see cref="Act(Tensor, ref Tensor?, bool[], double)"/> with the uniform draws from <paramref name="streams"/> (one per copy, advanced here); the learner's own streams are not touched.</summary>
    public int[] Act(Tensor states, ref Tensor? hidden, bool[]? starts, double epsilon, ulong[] streams)
    {
        if (streams.Length != Online.Copies) throw new ArgumentException($"{streams.Length} action streams for {Online.Copies} copies", nameof(streams));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long copies = states.shape[0], x = states.shape[1];
        Tensor? resets = null;
        if (starts is not null && starts.Any(s => s))
        {
            var perRow = new bool[copies * x * Agents];
            for (var r = 0; r < copies * x; r++)
                for (var a = 0; a < Agents; a++) perRow[r * Agents + a] = starts[r];
            resets = tensor(perRow, new long[] { 1, copies, x * Agents }, device: states.device);
        }
        var (values, next) = StepValues(states, hidden, resets);
        var greedy = Inputs.EpsilonGreedy(values, epsilon, streams);
        hidden?.Dispose();
        hidden = next.detach().MoveToOuterDisposeScope();
        return greedy;
    }

    /// <summary>
    /// One gradient step on <paramref name="batch"/> at rate <paramref name="learningRate"/>; returns the per-copy
    /// <see cref="MetricNames"/>. Both networks are unrolled over the whole chunks from zero states (reset where an episode
    /// starts); the double-Q target y_t = r_t + gamma (1 - done_t) Q_target(t + 1, argmax_a Q_online(t + 1, a)) (summed or
    /// mixed for VDN and QMIX) is fitted for t = 0 .. T - 2 by the mean squared error.
    /// </summary>
    public double[][] Update(ChunkBatch batch, double learningRate)
    {
        using var scope = NewDisposeScope();
        long copies = batch.Observations.shape[0], steps = batch.Observations.shape[1], b = batch.Observations.shape[2];
        var states = batch.Observations;
        var inputs = Inputs.From(states.view(copies, steps * b, StateSize));
        // done_{t-1}: where a sequence starts again (the GRU's reset flags).
        var starts = QTargets.EpisodeStarts(batch.Dones);
        var resets = starts.permute(1, 0, 2).unsqueeze(-1).expand(steps, copies, b, Agents).reshape(steps, copies, b * Agents).gt(Keep.Half);
        var q = agent.Forward(Online, inputs, new ForwardContext((int)steps, resets)).Value.view(copies, steps, b, Agents, Actions);
        Tensor qNext;
        using (no_grad())
        {
            var qTarget = agent.Forward(Target, inputs, new ForwardContext((int)steps, resets)).Value.view(copies, steps, b, Agents, Actions);
            qNext = QTargets.MaskedDoubleQ(q.detach(), qTarget, Inputs.InvalidPenalty);                          // [C, T, B, n]
        }
        var chosen = q.gather(-1, batch.Actions.unsqueeze(-1)).squeeze(-1);                        // [C, T, B, n]
        var continues = QTargets.Continuation(batch.Dones, config.JaxmarlDoneOffByOne).mul(gamma);   // gamma (1 - d) [C, T-1, B]
        Tensor prediction, target;
        var rewards = batch.Rewards.narrow(1, 0, steps - 1);
        switch (Mixing)
        {
            case MarlQMixing.Independent:
                prediction = chosen.narrow(1, 0, steps - 1);
                target = rewards.Plus(continues.unsqueeze(-1) * qNext.narrow(1, 1, steps - 1));
                break;
            case MarlQMixing.Sum:
                prediction = chosen.narrow(1, 0, steps - 1).sum(-1);
                target = rewards.sum(-1).Plus(continues * qNext.narrow(1, 1, steps - 1).sum(-1));
                break;
            default:
                var flatState = states.view(copies, steps * b, StateSize);
                prediction = mixer!.Forward(Online, chosen.reshape(copies, steps * b, Agents), flatState).view(copies, steps, b).narrow(1, 0, steps - 1);
                Tensor mixedNext;
                using (no_grad()) mixedNext = mixer.Forward(Target, qNext.reshape(copies, steps * b, Agents), flatState).view(copies, steps, b).narrow(1, 1, steps - 1);
                target = rewards.sum(-1).Plus(continues * mixedNext);
                break;
        }
        var perCopy = (prediction - target.detach()).Squared().flatten(1).mean(new long[] { 1 });
        perCopy.sum().backward();
        var norms = optimizer.Step(learningRate);
        var qMean = chosen.detach().flatten(1).mean(new long[] { 1 }).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        var loss = perCopy.detach().to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        return new[] { loss, qMean, norms.Length > 0 ? norms : Enumerable.Repeat(double.NaN, (int)copies).ToArray() };
    }

    /// <summary>Moves the target parameters towards the online ones: a copy for tau = 1, else target &lt;- tau online + (1 - tau) target.</summary>
    public void UpdateTarget()
    {
        using var _ = no_grad();
        if (config.Tau >= 1) Target.Values.copy_(Online.Values);
        else Target.Values.mul_(oneMinusTau).add_(Online.Values, alpha: tau);
    }

    /// <summary>Writes parameters (online and target), optimiser and action streams.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("marl q learner");
        writer.WriteTensor(Online.Values);
        writer.WriteTensor(Target.Values);
        optimizer.Save(writer);
        writer.WriteArray(actionStreams);
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("marl q learner");
        using (no_grad())
        {
            reader.ReadInto(Online.Values, "the online network's parameters");
            reader.ReadInto(Target.Values, "the target network's parameters");
        }
        optimizer.Load(reader);
        reader.ReadArray(actionStreams, "the action streams");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        optimizer.Dispose();
        Online.Dispose();
        Target.Dispose();
        Inputs.Dispose();
        gamma.Dispose();
        tau.Dispose();
        oneMinusTau.Dispose();
    }
}
