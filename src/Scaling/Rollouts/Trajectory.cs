using static TorchSharp.torch;

namespace Hybrid.Scaling.Rollouts;

/// <summary>
/// T steps of one controller's group, rows [T, C, n] (time-major, then copies, then the group's rows): observations
/// with their shape, actions, log-probabilities, values, rewards, dones and the start flags each observation carried,
/// the recurrent states at the first step and the values after the last. Buffers are allocated once and refilled by
/// every rollout.
/// </summary>
public sealed class Trajectory : IDisposable
{
    internal Trajectory(Controller controller, int steps, bool continuous, int actionSize)
    {
        var g = controller.Group;
        (Steps, Copies, Rows, ActionSize) = (steps, g.Copies, g.Rows, actionSize);
        var size = steps * g.Width;
        if (controller.RecordObservations)
        {
            Observations = zeros(new long[] { steps, g.Copies, g.Rows }.Concat(g.ObservationShape).ToArray(), device: g.Device).DetachFromDisposeScope();
            if (g.WorldSize > 0) WorldStates = zeros(new long[] { steps, g.Copies, g.Rows, g.WorldSize }, device: g.Device).DetachFromDisposeScope();
        }
        Actions = continuous ? Array.Empty<int>() : new int[size];
        ContinuousActions = continuous ? new float[size * actionSize] : Array.Empty<float>();
        LogProbs = new float[size];
        Values = new float[size];
        Rewards = new float[size];
        Dones = new bool[size];
        Resets = new bool[size];
        LastValues = new float[g.Width];
    }

    /// <summary>Steps T.</summary>
    public int Steps { get; }

    /// <summary>Copies C.</summary>
    public int Copies { get; }

    /// <summary>Rows per copy n.</summary>
    public int Rows { get; }

    /// <summary>Rows of one step, C n.</summary>
    public int Width => Copies * Rows;

    /// <summary>Numbers per action (1 for indices).</summary>
    public int ActionSize { get; }

    /// <summary>Observations [T, C, n, ...], or null when the group's observations are not recorded.</summary>
    public Tensor? Observations { get; }

    /// <summary>World states [T, C, n, W], or null.</summary>
    public Tensor? WorldStates { get; }

    /// <summary>Discrete actions [T, C, n] (empty for continuous actions).</summary>
    public int[] Actions { get; }

    /// <summary>Continuous actions [T, C, n, D] as sampled (the environment received them clipped).</summary>
    public float[] ContinuousActions { get; }

    /// <summary>Log-probabilities [T, C, n].</summary>
    public float[] LogProbs { get; }

    /// <summary>Values [T, C, n].</summary>
    public float[] Values { get; }

    /// <summary>Rewards of each step [T, C, n].</summary>
    public float[] Rewards { get; }

    /// <summary>Whether the step ended the row's episode ("__all__" done) [T, C, n].</summary>
    public bool[] Dones { get; }

    /// <summary>Whether the step's observation started an episode (the previous step's done) [T, C, n].</summary>
    public bool[] Resets { get; }

    /// <summary>Values of the observations after the last step [C, n].</summary>
    public float[] LastValues { get; }

    /// <summary>The controller's recurrent states at the first step (empty if it has none).</summary>
    public Tensor[] InitialStates { get; internal set; } = Array.Empty<Tensor>();

    internal void SetInitialStates(Tensor[] states)
    {
        foreach (var s in InitialStates) s.Dispose();
        InitialStates = states;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Observations?.Dispose();
        WorldStates?.Dispose();
        foreach (var s in InitialStates) s.Dispose();
    }
}

/// <summary>One trajectory per controller of a joint policy, for the same T steps.</summary>
public sealed class Rollout : IDisposable
{
    internal Rollout(Trajectory[] groups) { Groups = groups; }

    /// <summary>Per controller (in the joint policy's order).</summary>
    public IReadOnlyList<Trajectory> Groups { get; }

    /// <summary>Steps T.</summary>
    public int Steps => Groups[0].Steps;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var g in Groups) g.Dispose();
    }
}
