namespace Hybrid.Scaling.Rollouts;

/// <summary>
/// A policy written as code: it decides each row's discrete action from that row's observation (read from the
/// environment's arrays, no tensors) and, if it needs one, its own random stream. Row r's stream starts from
/// seed + r, so its draws do not depend on the other rows. State kept per row (e.g. grim trigger's memory) is
/// cleared where an episode starts.
/// </summary>
public abstract class ScriptedPolicy : IActor
{
    readonly ulong seed;
    ulong[] rng = Array.Empty<ulong>();

    /// <summary>A policy drawing from streams seeded from <paramref name="seed"/>.</summary>
    protected ScriptedPolicy(ulong seed = 0) { this.seed = seed; }

    /// <inheritdoc/>
    public int Copies => 1;

    /// <summary>Row <paramref name="row"/>'s action given its observation; <paramref name="start"/> marks the first step of an episode.</summary>
    protected abstract int Choose(ReadOnlySpan<float> observation, int row, bool start, ref ulong rng);

    /// <inheritdoc/>
    public void Act(ActorStep step)
    {
        var width = step.Group.Width;
        if (rng.Length != width)
        {
            rng = new ulong[width];
            for (var r = 0; r < width; r++) rng[r] = SplitMix64.Start(seed + (ulong)r);
            Allocate(width);
        }
        for (var r = 0; r < width; r++) step.Actions[step.Offset + r] = Choose(step.Observation(r), r, step.Starts[r], ref rng[r]);
    }

    /// <summary>A copy with the same behaviour and fresh streams and memory (an evaluation must not move the trainer's streams).</summary>
    public IActor Fork()
    {
        var copy = (ScriptedPolicy)MemberwiseClone();
        copy.rng = Array.Empty<ulong>();
        return copy;
    }

    /// <summary>Called once the number of rows is known (for per-row memory).</summary>
    protected virtual void Allocate(int rows) { }

    /// <inheritdoc/>
    public virtual void ResetState() { }

    /// <inheritdoc/>
    public virtual string Describe() => GetType().Name;
}

/// <summary>Always the same action.</summary>
/// <param name="action">The action index.</param>
public sealed class ConstantPolicy(int action) : ScriptedPolicy
{
    /// <inheritdoc/>
    protected override int Choose(ReadOnlySpan<float> observation, int row, bool start, ref ulong rng) => action;

    /// <inheritdoc/>
    public override string Describe() => $"constant {action}";
}

/// <summary>Uniformly random actions among <paramref name="actions"/>.</summary>
/// <param name="actions">Number of actions.</param>
/// <param name="seed">Seed of the rows' streams.</param>
public sealed class UniformPolicy(int actions, ulong seed = 0) : ScriptedPolicy(seed)
{
    readonly ulong seed = seed;

    /// <inheritdoc/>
    protected override int Choose(ReadOnlySpan<float> observation, int row, bool start, ref ulong rng) => SplitMix64.Below(ref rng, actions);

    /// <inheritdoc/>
    public override string Describe() => $"uniform over {actions} (seed {seed})";
}

/// <summary>
/// Fixed strategies of the iterated matrix games (ipd, imp: action 0 cooperates, 1 defects; the observation is the
/// one-hot previous joint action CC, CD, DC, DD from the player's own view, or START).
/// </summary>
public static class MatrixGameStrategies
{
    /// <summary>Cooperates first, then plays the co-player's last action.</summary>
    public static ScriptedPolicy TitForTat() => new Strategy("tit_for_tat", (state, _) => state is 1 or 3 ? 1 : 0);

    /// <summary>Always defects.</summary>
    public static ScriptedPolicy AlwaysDefect() => new ConstantPolicy(1);

    /// <summary>Always cooperates.</summary>
    public static ScriptedPolicy AlwaysCooperate() => new ConstantPolicy(0);

    /// <summary>Cooperates until the co-player defects once in the episode, then defects to its end.</summary>
    public static ScriptedPolicy Grim() => new GrimTrigger();

    /// <summary>Cooperates with probability <paramref name="cooperate"/> at every step.</summary>
    public static ScriptedPolicy Random(double cooperate = 0.5, ulong seed = 0) => new Strategy($"random({cooperate})", (_, u) => u < cooperate ? 0 : 1, seed);

    /// <summary>The previous joint action 0..3 (own action first) or 4 for START, from a one-hot observation.</summary>
    public static int State(ReadOnlySpan<float> observation)
    {
        if (observation.Length != 5) throw new ArgumentException($"a matrix-game observation has 5 values, got {observation.Length}");
        for (var k = 0; k < 5; k++) if (observation[k] > 0.5f) return k;
        throw new ArgumentException("the matrix-game observation is not one-hot");
    }

    sealed class Strategy(string name, Func<int, double, int> choose, ulong seed = 0) : ScriptedPolicy(seed)
    {
        protected override int Choose(ReadOnlySpan<float> observation, int row, bool start, ref ulong rng) =>
            choose(State(observation), SplitMix64.UnitDouble(ref rng));

        public override string Describe() => name;
    }

    sealed class GrimTrigger : ScriptedPolicy
    {
        bool[] triggered = Array.Empty<bool>();

        protected override void Allocate(int rows) => triggered = new bool[rows];

        protected override int Choose(ReadOnlySpan<float> observation, int row, bool start, ref ulong rng)
        {
            if (start) triggered[row] = false;
            var state = State(observation);
            if (state is 1 or 3) triggered[row] = true;
            return triggered[row] ? 1 : 0;
        }

        public override void ResetState() => Array.Clear(triggered);

        public override string Describe() => "grim";
    }
}

/// <summary>An external policy: <paramref name="act"/> writes the step's actions (from <see cref="ActorStep.Observation"/> or the tensors).</summary>
/// <param name="act">Writes step.Actions (or ContinuousActions) at step.Offset + row for every row.</param>
/// <param name="name">Its description in checkpoints.</param>
public sealed class CallbackPolicy(Action<ActorStep> act, string name = "callback") : IActor
{
    /// <inheritdoc/>
    public int Copies => 1;

    /// <inheritdoc/>
    public void Act(ActorStep step) => act(step);

    /// <inheritdoc/>
    public string Describe() => name;
}
