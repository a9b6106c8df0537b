using Hybrid.Scaling.Networks;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Rollouts;

/// <summary>How a network policy picks its action.</summary>
public enum ActionMode
{
    /// <summary>Drawn from the policy (training, sampled evaluation).</summary>
    Sample,
    /// <summary>The most probable action, the mean for continuous actions (greedy evaluation).</summary>
    Greedy,
}

/// <summary>
/// The acting side of an <see cref="ActorCritic"/> of C copies: one forward pass per step for all copies, actions drawn
/// on the CPU from the copied outputs, copy c from its own random stream (so its actions do not depend on how many
/// copies act together), and the recurrent states carried from step to step and zeroed where an episode starts. Many
/// actors may share one network (a trainer's, an evaluation's), each with its own streams and states.
/// </summary>
public sealed class NetworkActor : IActor, IDisposable
{
    readonly ActorCritic network;
    readonly ulong[] rng;
    Tensor[] states = Array.Empty<Tensor>();
    float[] logStd = Array.Empty<float>();

    /// <summary>An actor for <paramref name="network"/>; <paramref name="streams"/> are the copies' random stream states (one per copy).</summary>
    public NetworkActor(ActorCritic network, IReadOnlyList<ulong> streams, ActionMode mode = ActionMode.Sample)
    {
        if (streams.Count != network.Copies) throw new ArgumentException($"{streams.Count} random streams for {network.Copies} copies", nameof(streams));
        this.network = network;
        rng = streams.ToArray();
        Mode = mode;
    }

    /// <summary>The network.</summary>
    public ActorCritic Network => network;

    /// <summary>How actions are picked.</summary>
    public ActionMode Mode { get; }

    /// <inheritdoc/>
    public int Copies => network.Copies;

    /// <summary>The copies' random stream states (saved in checkpoints).</summary>
    public ulong[] Streams => rng;

    /// <summary>The recurrent states [C, n, H] after the last step (empty for feed-forward networks or before the first step).</summary>
    public IReadOnlyList<Tensor> States => states;

    /// <inheritdoc/>
    public string Describe() => $"network {Mode.ToString().ToLowerInvariant()}";

    (ActorCriticOutput Output, ForwardContext Context) Forward(ActorStep step)
    {
        var g = step.Group;
        EnsureStates(g.Rows);
        var resets = network.Recurrent ? tensor(step.Starts, device: g.Device).view(1, Copies, g.Rows) : null;
        var context = new ForwardContext(1, resets);
        for (var k = 0; k < states.Length; k++) context.WithState(network.RecurrentModules[k], states[k]);
        return (network.Forward(step.Observations.unsqueeze(0), step.WorldState?.unsqueeze(0), context), context);
    }

    /// <inheritdoc/>
    public void Act(ActorStep step)
    {
        using var _ = no_grad();
        var (output, context) = Forward(step);
        for (var k = 0; k < states.Length; k++)
        {
            states[k].Dispose();
            states[k] = context.FinalState(network.RecurrentModules[k]).detach().DetachFromDisposeScope();
        }
        var g = step.Group;
        var parameters = output.Policy.Primary.cpu().data<float>().ToArray();
        output.Value.cpu().data<float>().CopyTo(step.Values, step.Offset);
        var distribution = network.Distribution;
        if (output.Policy.LogStd is { } ls) logStd = ls.detach().cpu().data<float>().ToArray();
        var k0 = distribution.ParameterSize;
        var d = distribution.ActionSize;
        var rows = g.Rows;
        for (var c = 0; c < Copies; c++)
        {
            var start = step.Offset + c * rows;
            var primary = parameters.AsSpan(c * rows * k0, rows * k0);
            var indices = distribution.IsDiscrete ? step.Actions.AsSpan(start, rows) : Span<int>.Empty;
            var vectors = distribution.IsDiscrete ? Span<float>.Empty : step.ContinuousActions.AsSpan(start * d, rows * d);
            if (Mode == ActionMode.Greedy)
            {
                distribution.Greedy(primary, indices, vectors);
                continue;
            }
            var copyLogStd = logStd.Length == 0 ? ReadOnlySpan<float>.Empty : logStd.AsSpan(c * d, d);
            distribution.Sample(primary, copyLogStd, ref rng[c], indices, vectors, step.LogProbs.AsSpan(start, rows));
        }
    }

    /// <inheritdoc/>
    public void Bootstrap(ActorStep step, float[] values)
    {
        using var _ = no_grad();
        Forward(step).Output.Value.cpu().data<float>().CopyTo(values, 0);
    }

    /// <summary>Restarts the copies' random streams (a new trial) and zeroes the states.</summary>
    public void Restart(IReadOnlyList<ulong> streams)
    {
        if (streams.Count != rng.Length) throw new ArgumentException($"{streams.Count} random streams for {rng.Length} copies", nameof(streams));
        for (var k = 0; k < rng.Length; k++) rng[k] = streams[k];
        ResetState();
    }

    /// <inheritdoc/>
    public Tensor[] SnapshotState() => states.Select(s => s.clone().DetachFromDisposeScope()).ToArray();

    /// <inheritdoc/>
    public void ResetState()
    {
        using var _ = no_grad();
        foreach (var s in states) s.zero_();
    }

    /// <summary>Zero states for <paramref name="rows"/> rows per copy, the first time (a fresh actor starts every row from zero).</summary>
    void EnsureStates(int rows)
    {
        if (states.Length == network.RecurrentModules.Count && (states.Length == 0 || states[0].shape[1] == rows)) return;
        foreach (var s in states) s.Dispose();
        var device = network.ParameterSets[0].Values.device;
        states = network.RecurrentModules.Select(m => zeros(new long[] { Copies, rows, m.StateSize }, device: device).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Writes the random streams and the recurrent states.</summary>
    public void Save(StateWriter writer, int rows)
    {
        EnsureStates(rows);
        writer.Section("actor");
        writer.WriteArray(rng);
        writer.Write(states.Length);
        foreach (var s in states) writer.WriteTensor(s);
    }

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader, int rows)
    {
        EnsureStates(rows);
        reader.Section("actor");
        reader.ReadArray(rng, "the actor's random streams");
        var count = reader.ReadInt32();
        if (count != states.Length) throw new InvalidDataException($"{reader.Name}: {count} recurrent states saved, the network has {states.Length}");
        for (var k = 0; k < count; k++) reader.ReadInto(states[k], $"recurrent state {k}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in states) s.Dispose();
    }
}
