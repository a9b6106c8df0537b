namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_reference_v3 (JaxMARL simple_reference.py): agent_0 and agent_1 each have a goal landmark (three landmarks,
/// goals drawn independently) known only to the other agent; each moves and speaks at once (Discrete(50): move a % 5,
/// word a / 5 as a one-hot of 10). Observation (21): velocity, landmarks relative, the other agent's goal colour (0.25 with
/// 0.75 at its goal), the other agent's message. Reward: the mean of both agents' terms and the agent's own term
/// (local ratio 0.5), where agent i's term is minus the other agent's distance to the other's goal (JaxMARL's indexing).
/// Nothing collides; radii keep the defaults (0.15, 0.2).
/// </summary>
public sealed class SimpleReference : MpeEnv
{
    const int Words = 10;
    readonly int[] goal; // [N, 2]
    readonly float localRatio;

    /// <summary>Creates N worlds.</summary>
    public SimpleReference(int numEnvs, float localRatio = 0.5f, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs, new[] { "agent_0", "agent_1" },
            Enumerable.Repeat(new MpeEntity(0.15f, true, false), 2).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.2f, false, false), 3).ToArray(),
            Enumerable.Repeat<Space>(new Box(float.NegativeInfinity, float.PositiveInfinity, new[] { 21 }), 2).ToArray(), maxSteps, actions,
            Enumerable.Repeat(actions == MpeActions.Discrete ? new Discrete(5 * Words) : (Space)new Box(0, 1, new[] { 5 + Words }), 2).ToArray(),
            dimC: Words, silent: new[] { false, false })
    {
        if (localRatio is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(localRatio), localRatio, "local_ratio must lie in [0, 1]");
        this.localRatio = localRatio;
        goal = new int[2 * numEnvs];
    }

    /// <inheritdoc/>
    public override string Name => "MPE_simple_reference_v3";

    /// <summary>Agent a's goal landmark in environment e.</summary>
    public int Goal(int env, int agent) => goal[2 * env + agent];

    /// <summary>Sets environment e's goals (for hand-worked tests).</summary>
    public void SetGoals(int env, int goal0, int goal1)
    {
        if ((uint)goal0 >= 3 || (uint)goal1 >= 3) throw new ArgumentOutOfRangeException(nameof(goal0), "landmarks are 0..2");
        (goal[2 * env], goal[2 * env + 1]) = (goal0, goal1);
    }

    /// <inheritdoc/>
    protected override void ResetScenario(int env)
    {
        goal[2 * env] = SplitMix64.Below(ref Random[env], 3);
        goal[2 * env + 1] = SplitMix64.Below(ref Random[env], 3);
    }

    /// <inheritdoc/>
    protected override void DecodeDiscrete(int agent, int action, ref float ux, ref float uy, Span<float> message)
    {
        Move(action % 5, ref ux, ref uy);
        message[action / 5] = 1;
    }

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        Span<float> own = stackalloc float[2];
        for (var i = 0; i < 2; i++)
        {
            var o = 1 - i;
            own[i] = -Distance(env, o, 2 + goal[2 * env + o]);
        }
        var global = (own[0] + own[1]) / 2;
        for (var i = 0; i < 2; i++) Reward(i, env) = global * (1 - localRatio) + own[i] * localRatio;
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        for (var i = 0; i < 2; i++)
        {
            var o = Observation(i, env);
            var other = 1 - i;
            var k = At(env, i);
            o[0] = Velocity[k]; o[1] = Velocity[k + 1];
            var w = WriteRelativePositions(o, 2, env, i, 2, 3);
            for (var c = 0; c < 3; c++) o[w++] = c == goal[2 * env + other] ? 0.75f : 0.25f;
            Message(env, other).CopyTo(o[w..]);
        }
    }
}
