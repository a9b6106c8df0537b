using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_push_v3 (JaxMARL simple_push.py): adversary_0 and agent_0 (radius 0.05, colliding) and two landmarks
/// (radius 0.2); the good agent knows the goal landmark (drawn uniformly at reset) and is rewarded -|p_good - goal|;
/// the adversary pushes it away: min over good agents |p_good - goal| - |p_adv - goal|. Observations: adversary
/// velocity, landmarks relative, other agents relative (8); good agent velocity, goal relative, a colour vector (0.25
/// with 0.75 at goal + 1), landmarks relative, the landmarks' fixed colours (0.1, 0.9, 0.1, 0.1, 0.1, 0.9), other agents
/// relative (19).
/// </summary>
public sealed class SimplePush : MpeEnv
{
    static readonly float[] LandmarkColours = { 0.1f, 0.9f, 0.1f, 0.1f, 0.1f, 0.9f };
    readonly int adversaries;
    readonly int[] goal;

    /// <summary>Creates N worlds (two landmarks, as JaxMARL requires).</summary>
    public SimplePush(int numEnvs, int numGood = 1, int numAdversaries = 1, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs,
            Enumerable.Range(0, numAdversaries).Select(i => $"adversary_{i}").Concat(Enumerable.Range(0, numGood).Select(i => $"agent_{i}")).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.05f, true, true), numAdversaries + numGood).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.2f, false, false), 2).ToArray(),
            Enumerable.Repeat<Space>(Box(2 + 4 + 2 * (numAdversaries + numGood - 1)), numAdversaries)
                .Concat(Enumerable.Repeat<Space>(Box(2 + 2 + 3 + 4 + 6 + 2 * (numAdversaries + numGood - 1)), numGood)).ToArray(),
            maxSteps, actions)
    {
        if (numGood < 1 || numAdversaries < 1) throw new ArgumentOutOfRangeException(nameof(numGood), "simple_push needs good agents and adversaries");
        adversaries = numAdversaries;
        goal = new int[numEnvs];
    }

    static Box Box(int size) => new(float.NegativeInfinity, float.PositiveInfinity, new[] { size });

    /// <inheritdoc/>
    public override string Name => "MPE_simple_push_v3";

    /// <summary>The goal landmark (0 or 1) of environment e.</summary>
    public int Goal(int env) => goal[env];

    /// <summary>Sets environment e's goal (for hand-worked tests).</summary>
    public void SetGoal(int env, int landmark) => goal[env] = landmark is 0 or 1 ? landmark : throw new ArgumentOutOfRangeException(nameof(landmark), landmark, "landmarks are 0 and 1");

    /// <inheritdoc/>
    protected override byte ColourOf(int env, int entity) =>
        entity < adversaries ? Colours.Red : entity < AgentCount ? Colours.Blue : entity - AgentCount == goal[env] ? Colours.Green : Colours.Grey;

    /// <inheritdoc/>
    protected override void ResetScenario(int env) => goal[env] = SplitMix64.Below(ref Random[env], 2);

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var target = AgentCount + goal[env];
        var nearest = float.PositiveInfinity;
        for (var g = adversaries; g < AgentCount; g++)
        {
            var d = Distance(env, g, target);
            nearest = MathF.Min(nearest, d);
            Reward(g, env) = -d;
        }
        for (var a = 0; a < adversaries; a++) Reward(a, env) = nearest - Distance(env, a, target);
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        var kg = At(env, AgentCount + goal[env]);
        for (var i = 0; i < AgentCount; i++)
        {
            var o = Observation(i, env);
            var k = At(env, i);
            o[0] = Velocity[k]; o[1] = Velocity[k + 1];
            var w = 2;
            if (i >= adversaries)
            {
                o[w++] = Position[kg] - Position[k]; o[w++] = Position[kg + 1] - Position[k + 1];
                for (var c = 0; c < 3; c++) o[w++] = c == goal[env] + 1 ? 0.75f : 0.25f;
            }
            w = WriteRelativePositions(o, w, env, i, AgentCount, 2);
            if (i >= adversaries) foreach (var c in LandmarkColours) o[w++] = c;
            WriteRelativePositions(o, w, env, i, 0, AgentCount);
        }
    }
}
