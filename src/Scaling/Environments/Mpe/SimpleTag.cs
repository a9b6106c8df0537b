using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_tag_v3 (JaxMARL simple_tag.py): slower adversaries (radius 0.075, accel 3, max speed 1) chase faster good
/// agents (radius 0.05, accel 4, max speed 1.3) among obstacles (radius 0.2); everything collides. Adversaries share
/// +10 per adversary-good contact; a good agent gets -10 per contact and a penalty for leaving the map (per coordinate
/// |x|: 0 below 0.9, 10 (|x| - 0.9) below 1, min(e^(2|x| - 2), 10) beyond). Observations: velocity, position,
/// obstacles relative, other agents relative (ascending index), and for adversaries the last other agent's velocity.
/// </summary>
public sealed class SimpleTag : MpeEnv
{
    readonly int adversaries, good, obstacles;

    /// <summary>Creates N worlds.</summary>
    public SimpleTag(int numEnvs, int numGood = 1, int numAdversaries = 3, int numObstacles = 2, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs,
            Enumerable.Range(0, numAdversaries).Select(i => $"adversary_{i}").Concat(Enumerable.Range(0, numGood).Select(i => $"agent_{i}")).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.075f, true, true, Accel: 3, MaxSpeed: 1), numAdversaries)
                .Concat(Enumerable.Repeat(new MpeEntity(0.05f, true, true, Accel: 4, MaxSpeed: 1.3f), numGood)).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.2f, false, true, MaxSpeed: 0), numObstacles).ToArray(),
            Enumerable.Repeat<Space>(Box(4 + 2 * numObstacles + 2 * (numAdversaries + numGood - 1) + 2), numAdversaries)
                .Concat(Enumerable.Repeat<Space>(Box(4 + 2 * numObstacles + 2 * (numAdversaries + numGood - 1)), numGood)).ToArray(),
            maxSteps, actions)
    {
        if (numGood < 1 || numAdversaries < 1 || numObstacles < 0) throw new ArgumentOutOfRangeException(nameof(numGood), "simple_tag needs good agents and adversaries");
        (adversaries, good, obstacles) = (numAdversaries, numGood, numObstacles);
    }

    static Box Box(int size) => new(float.NegativeInfinity, float.PositiveInfinity, new[] { size });

    /// <inheritdoc/>
    public override string Name => "MPE_simple_tag_v3";

    /// <inheritdoc/>
    protected override byte ColourOf(int env, int entity) => entity < adversaries ? Colours.Red : entity < AgentCount ? Colours.Green : Colours.Grey;

    /// <summary>The good agents' penalty for leaving the map, per coordinate.</summary>
    public static float BoundPenalty(float x)
    {
        x = MathF.Abs(x);
        return x < 0.9f ? 0 : x < 1f ? (x - 0.9f) * 10 : MathF.Min(MathF.Exp(2 * x - 2), 10);
    }

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var total = 0;
        for (var g = adversaries; g < AgentCount; g++)
        {
            var hits = 0;
            for (var a = 0; a < adversaries; a++) if (Overlap(env, g, a)) hits++;
            total += hits;
            var k = At(env, g);
            Reward(g, env) = -10f * hits - BoundPenalty(Position[k]) - BoundPenalty(Position[k + 1]);
        }
        for (var a = 0; a < adversaries; a++) Reward(a, env) = 10f * total;
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        for (var i = 0; i < AgentCount; i++)
        {
            var o = Observation(i, env);
            var k = At(env, i);
            o[0] = Velocity[k]; o[1] = Velocity[k + 1]; o[2] = Position[k]; o[3] = Position[k + 1];
            var w = WriteRelativePositions(o, 4, env, i, AgentCount, obstacles);
            w = WriteRelativePositions(o, w, env, i, 0, AgentCount);
            // The last other agent: the highest index that is not the observer.
            var last = i == AgentCount - 1 ? AgentCount - 2 : AgentCount - 1;
            if (i < adversaries) { var kl = At(env, last); o[w++] = Velocity[kl]; o[w] = Velocity[kl + 1]; }
        }
    }
}
