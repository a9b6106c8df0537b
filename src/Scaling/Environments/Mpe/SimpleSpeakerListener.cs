using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_speaker_listener_v4 (JaxMARL simple_speaker_listener.py): an immobile speaker_0 sees the goal landmark's
/// colour (0.15 with 0.65 at the goal) and says one of 3 words (Discrete(3), a one-hot message); the mute listener_0
/// moves (Discrete(5)) and observes its velocity, the three landmarks relative and the speaker's message. Both get minus
/// the listener's squared distance to the goal. Radii 0.075 (agents) and 0.04 (landmarks), nothing collides.
/// </summary>
public sealed class SimpleSpeakerListener : MpeEnv
{
    readonly int[] goal;

    /// <summary>Creates N worlds.</summary>
    public SimpleSpeakerListener(int numEnvs, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs, new[] { "speaker_0", "listener_0" },
            new[] { new MpeEntity(0.075f, false, false), new MpeEntity(0.075f, true, false) },
            Enumerable.Repeat(new MpeEntity(0.04f, false, false), 3).ToArray(),
            new Space[] { Box(3), Box(11) }, maxSteps, actions,
            actions == MpeActions.Discrete ? new Space[] { new Discrete(3), new Discrete(5) } : new Space[] { new Box(0, 1, new[] { 3 }), new Box(0, 1, new[] { 5 }) },
            dimC: 3, silent: new[] { false, true })
    {
        goal = new int[numEnvs];
    }

    static Box Box(int size) => new(float.NegativeInfinity, float.PositiveInfinity, new[] { size });

    /// <inheritdoc/>
    public override string Name => "MPE_simple_speaker_listener_v4";

    /// <summary>The goal landmark of environment e.</summary>
    public int Goal(int env) => goal[env];

    /// <summary>Sets environment e's goal (for hand-worked tests).</summary>
    public void SetGoal(int env, int landmark) => goal[env] = (uint)landmark < 3 ? landmark : throw new ArgumentOutOfRangeException(nameof(landmark), landmark, "landmarks are 0..2");

    /// <inheritdoc/>
    protected override byte ColourOf(int env, int entity) => entity == 0 ? Colours.Red : entity == 1 ? Colours.Blue : entity - 2 == goal[env] ? Colours.Green : Colours.Grey;

    /// <inheritdoc/>
    protected override void ResetScenario(int env) => goal[env] = SplitMix64.Below(ref Random[env], 3);

    /// <inheritdoc/>
    protected override void DecodeDiscrete(int agent, int action, ref float ux, ref float uy, Span<float> message)
    {
        if (agent == 0) message[action] = 1;
        else Move(action, ref ux, ref uy);
    }

    /// <inheritdoc/>
    protected override void DecodeContinuous(int agent, ReadOnlySpan<float> action, ref float ux, ref float uy, Span<float> message)
    {
        if (agent == 0) action.CopyTo(message);
        else base.DecodeContinuous(agent, action, ref ux, ref uy, message);
    }

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var d = SquaredDistance(env, 1, 2 + goal[env]);
        Reward(0, env) = Reward(1, env) = -d;
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        var speaker = Observation(0, env);
        for (var c = 0; c < 3; c++) speaker[c] = c == goal[env] ? 0.65f : 0.15f;
        var listener = Observation(1, env);
        var k = At(env, 1);
        listener[0] = Velocity[k]; listener[1] = Velocity[k + 1];
        var w = WriteRelativePositions(listener, 2, env, 1, 2, 3);
        Message(env, 0).CopyTo(listener[w..]);
    }
}
