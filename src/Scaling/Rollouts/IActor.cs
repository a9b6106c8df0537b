using static TorchSharp.torch;

namespace Hybrid.Scaling.Rollouts;

/// <summary>
/// One step of a group: what its controller sees and where it writes. Rows are the group's (<see cref="AgentGroup"/>),
/// C copies of n rows; outputs go to row <see cref="Offset"/> + r of the arrays (a rollout buffer's step t).
/// </summary>
public sealed class ActorStep
{
    Tensor? observations, world;
    bool read;

    internal ActorStep(AgentGroup group) { Group = group; }

    /// <summary>The group's agents and layout.</summary>
    public AgentGroup Group { get; }

    /// <summary>Per row: its observation starts a new episode (the environment was reset after the last step).</summary>
    public bool[] Starts { get; internal set; } = Array.Empty<bool>();

    /// <summary>Where this step's rows begin in the output arrays.</summary>
    public int Offset { get; internal set; }

    /// <summary>Discrete actions [.., C n] (empty for continuous groups).</summary>
    public int[] Actions { get; internal set; } = Array.Empty<int>();

    /// <summary>Continuous actions [.., C n, D] (empty for discrete groups); the environment receives them clipped to its Box.</summary>
    public float[] ContinuousActions { get; internal set; } = Array.Empty<float>();

    /// <summary>Log-probabilities of the chosen actions (controllers without a distribution leave 0).</summary>
    public float[] LogProbs { get; internal set; } = Array.Empty<float>();

    /// <summary>Value estimates of the observations (controllers without a critic leave 0).</summary>
    public float[] Values { get; internal set; } = Array.Empty<float>();

    /// <summary>The observations [C, n, ...] on the group's device (built on first use in this step).</summary>
    public Tensor Observations { get { Read(); return observations!; } }

    /// <summary>The world states [C, n, W], or null when the group has none.</summary>
    public Tensor? WorldState { get { Read(); return world; } }

    /// <summary>Row <paramref name="row"/>'s observation from the environment's arrays (no tensor; for scripted policies).</summary>
    public ReadOnlySpan<float> Observation(int row) => Group.Observation(row);

    void Read()
    {
        if (read) return;
        (observations, world) = Group.Read();
        read = true;
    }

    /// <summary>Forgets this step's tensors (they belong to the step's dispose scope).</summary>
    internal void Next(int offset)
    {
        Offset = offset;
        read = false;
        observations = world = null;
    }
}

/// <summary>
/// Who picks a group's actions: a learner's network, a fixed strategy, a scripted policy or a callback into the
/// caller's code. The collector calls <see cref="Act"/> once per step with the group's observations and the rows
/// that start an episode; a controller with a state across steps (a GRU) keeps it itself.
/// </summary>
public interface IActor
{
    /// <summary>Copies of the controller C (the group's environments split into C blocks); 1 for policies without copies.</summary>
    int Copies { get; }

    /// <summary>Writes one action per row (and log-probabilities and values, if it has them).</summary>
    void Act(ActorStep step);

    /// <summary>Value estimates of the current observations, without acting or changing state (for bootstrapping a rollout's end); 0 without a critic.</summary>
    void Bootstrap(ActorStep step, float[] values) { }

    /// <summary>Copies of the state carried across steps (recurrent states [C, n, H]), or empty.</summary>
    Tensor[] SnapshotState() => Array.Empty<Tensor>();

    /// <summary>Starts every row afresh (zero recurrent state, cleared memory): a new trial.</summary>
    void ResetState() { }

    /// <summary>
    /// The same behaviour with state of its own, for acting somewhere else (an evaluation must not move the trainer's
    /// streams or memories); stateless actors and callbacks return themselves.
    /// </summary>
    IActor Fork() => this;

    /// <summary>A short description, written into checkpoints so a resumed run has the same controllers.</summary>
    string Describe() => GetType().Name;
}
