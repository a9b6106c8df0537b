using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_adversary_v3 (JaxMARL simple_adversary.py): good agents know which of the landmarks (radius 0.08) is the
/// goal, drawn uniformly at reset; the adversary does not. Adversary reward -|p_adv - goal|; the good agents share
/// sum over adversaries |p_adv - goal| - min over good agents |p_good - goal|. Nothing collides. Observations:
/// adversary landmarks relative and other agents relative (8); good agents the goal relative, then the same (10).
/// </summary>
public sealed class SimpleAdversary : MpeEnv
{
    readonly int adversaries, landmarks;
    readonly int[] goal;

    /// <summary>Creates N worlds.</summary>
    public SimpleAdversary(int numEnvs, int numGood = 2, int numAdversaries = 1, int numLandmarks = 2, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs,
            Enumerable.Range(0, numAdversaries).Select(i => $"adversary_{i}").Concat(Enumerable.Range(0, numGood).Select(i => $"agent_{i}")).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.15f, true, false), numAdversaries + numGood).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.08f, false, false), numLandmarks).ToArray(),
            Enumerable.Repeat<Space>(Box(2 * numLandmarks + 2 * (numAdversaries + numGood - 1)), numAdversaries)
                .Concat(Enumerable.Repeat<Space>(Box(2 + 2 * numLandmarks + 2 * (numAdversaries + numGood - 1)), numGood)).ToArray(),
            maxSteps, actions)
    {
        if (numGood < 1 || numAdversaries < 1 || numLandmarks < 1) throw new ArgumentOutOfRangeException(nameof(numGood), "simple_adversary needs good agents, adversaries and landmarks");
        (adversaries, landmarks) = (numAdversaries, numLandmarks);
        goal = new int[numEnvs];
    }

    static Box Box(int size) => new(float.NegativeInfinity, float.PositiveInfinity, new[] { size });

    /// <inheritdoc/>
    public override string Name => "MPE_simple_adversary_v3";

    /// <summary>The goal landmark (0-based among landmarks) of environment e.</summary>
    public int Goal(int env) => goal[env];

    /// <summary>Sets environment e's goal (for hand-worked tests).</summary>
    public void SetGoal(int env, int landmark) => goal[env] = (uint)landmark < (uint)landmarks ? landmark : throw new ArgumentOutOfRangeException(nameof(landmark), landmark, $"landmarks are 0..{landmarks - 1}");

    /// <inheritdoc/>
    protected override byte ColourOf(int env, int entity) =>
        entity < adversaries ? Colours.Red : entity < AgentCount ? Colours.Blue : entity - AgentCount == goal[env] ? Colours.Green : Colours.Grey;

    /// <inheritdoc/>
    protected override void ResetScenario(int env) => goal[env] = SplitMix64.Below(ref Random[env], landmarks);

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var target = AgentCount + goal[env];
        var adversaryDistance = 0f;
        for (var a = 0; a < adversaries; a++)
        {
            var d = Distance(env, a, target);
            adversaryDistance += d;
            Reward(a, env) = -d;
        }
        var nearest = float.PositiveInfinity;
        for (var g = adversaries; g < AgentCount; g++) nearest = MathF.Min(nearest, Distance(env, g, target));
        for (var g = adversaries; g < AgentCount; g++) Reward(g, env) = adversaryDistance - nearest;
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        var kg = At(env, AgentCount + goal[env]);
        for (var i = 0; i < AgentCount; i++)
        {
            var o = Observation(i, env);
            var k = At(env, i);
            var w = 0;
            if (i >= adversaries) { o[w++] = Position[kg] - Position[k]; o[w++] = Position[kg + 1] - Position[k + 1]; }
            w = WriteRelativePositions(o, w, env, i, AgentCount, landmarks);
            WriteRelativePositions(o, w, env, i, 0, AgentCount);
        }
    }
}
