using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_world_comm_v3 (JaxMARL simple_world_comm.py): leadadversary_0 and adversary_0..2 (radius 0.075, accel 3,
/// max speed 1) hunt agent_0 and agent_1 (radius 0.045, accel 4, max speed 1.3) around an obstacle (0.2, colliding), two
/// food items (0.03) and two forests (0.3) that hide agents from everyone but the leader. The leader talks (4 values; its
/// discrete action is move a % 5 plus word a / 5 of 4), everyone else is silent. JaxMARL's default actions are continuous
/// (leader Box(9), others Box(5)). Rewards: good agents -5 per adversary contact, -2 x the map-bounds penalty, +2 per food
/// touched (food is never eaten), -0.05 x the distance to the nearest food; adversaries -0.1 x the distance to the nearest
/// good agent and +5 for every good-adversary contact of the team. Observations: adversaries (34) velocity, position,
/// landmarks relative, others relative (hidden ones zero), the good agents' velocities (hidden zero), own forest flags
/// (+1/-1), the leader's message; good agents (28) velocity, position, landmarks relative, others relative, own forest
/// flags, the other good agent's velocity.
/// </summary>
public sealed class SimpleWorldComm : MpeEnv
{
    const int Leader = 0, Adversaries = 4, AgentTotal = 6, Obstacle = 6, Food = 7, Forest = 9, Words = 4;

    /// <summary>Creates N worlds.</summary>
    public SimpleWorldComm(int numEnvs, int maxSteps = 25, MpeActions actions = MpeActions.Continuous)
        : base(numEnvs, new[] { "leadadversary_0", "adversary_0", "adversary_1", "adversary_2", "agent_0", "agent_1" },
            Enumerable.Repeat(new MpeEntity(0.075f, true, true, Accel: 3, MaxSpeed: 1), Adversaries)
                .Concat(Enumerable.Repeat(new MpeEntity(0.045f, true, true, Accel: 4, MaxSpeed: 1.3f), 2)).ToArray(),
            new[] { new MpeEntity(0.2f, false, true, MaxSpeed: 0), new MpeEntity(0.03f, false, false, MaxSpeed: 0), new MpeEntity(0.03f, false, false, MaxSpeed: 0),
                new MpeEntity(0.3f, false, false, MaxSpeed: 0), new MpeEntity(0.3f, false, false, MaxSpeed: 0) },
            Enumerable.Repeat<Space>(Box(34), Adversaries).Concat(Enumerable.Repeat<Space>(Box(28), 2)).ToArray(), maxSteps, actions,
            actions == MpeActions.Discrete
                ? new Space[] { new Discrete(5 * Words) }.Concat(Enumerable.Repeat<Space>(new Discrete(5), AgentTotal - 1)).ToArray()
                : new Space[] { new Box(0, 1, new[] { 5 + Words }) }.Concat(Enumerable.Repeat<Space>(new Box(0, 1, new[] { 5 }), AgentTotal - 1)).ToArray(),
            dimC: Words, silent: new[] { false, true, true, true, true, true })
    {
    }

    static Box Box(int size) => new(float.NegativeInfinity, float.PositiveInfinity, new[] { size });

    /// <inheritdoc/>
    public override string Name => "MPE_simple_world_comm_v3";

    /// <inheritdoc/>
    protected override byte ColourOf(int env, int entity) => entity switch
    {
        Leader => Colours.Dark, < Adversaries => Colours.Red, < AgentTotal => Colours.Blue, Obstacle => Colours.Grey,
        < Forest => Colours.Yellow, _ => Colours.Green,
    };

    /// <inheritdoc/>
    protected override void DecodeDiscrete(int agent, int action, ref float ux, ref float uy, Span<float> message)
    {
        if (agent != Leader) { Move(action, ref ux, ref uy); return; }
        Move(action % 5, ref ux, ref uy);
        message[action / 5] = 1;
    }

    bool InForest(int env, int agent, int forest) => Distance(env, agent, Forest + forest) < Radius(Forest + forest) + Radius(agent);

    /// <summary>Whether <paramref name="other"/> is visible to <paramref name="ego"/>: the leader sees all; others see agents in a shared forest, or everyone outside forests while outside themselves.</summary>
    bool Visible(int env, int ego, int other)
    {
        if (ego == Leader) return true;
        bool e0 = InForest(env, ego, 0), e1 = InForest(env, ego, 1), o0 = InForest(env, other, 0), o1 = InForest(env, other, 1);
        return (e0 && o0) || (e1 && o1) || (!o0 && !o1 && !e0 && !e1);
    }

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var contacts = 0;
        for (var g = Adversaries; g < AgentTotal; g++)
        {
            var k = At(env, g);
            var hits = 0;
            for (var a = 0; a < Adversaries; a++) if (Overlap(env, g, a)) hits++;
            contacts += hits;
            var food = 0;
            var nearestFood = float.PositiveInfinity;
            for (var f = Food; f < Food + 2; f++)
            {
                if (Overlap(env, g, f)) food++;
                nearestFood = MathF.Min(nearestFood, Distance(env, g, f));
            }
            Reward(g, env) = -5f * hits - 2 * (SimpleTag.BoundPenalty(Position[k]) + SimpleTag.BoundPenalty(Position[k + 1])) + 2f * food - 0.05f * nearestFood;
        }
        for (var a = 0; a < Adversaries; a++)
        {
            var nearest = MathF.Min(Distance(env, a, Adversaries), Distance(env, a, Adversaries + 1));
            Reward(a, env) = -0.1f * nearest + 5f * contacts;
        }
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        for (var e = 0; e < AgentTotal; e++)
        {
            var o = Observation(e, env);
            var k = At(env, e);
            o[0] = Velocity[k]; o[1] = Velocity[k + 1]; o[2] = Position[k]; o[3] = Position[k + 1];
            var w = WriteRelativePositions(o, 4, env, e, AgentTotal, 5);
            for (var j = 0; j < AgentTotal; j++)
            {
                if (j == e) continue;
                var kj = At(env, j);
                var seen = Visible(env, e, j);
                o[w++] = seen ? Position[kj] - Position[k] : 0;
                o[w++] = seen ? Position[kj + 1] - Position[k + 1] : 0;
            }
            if (e < Adversaries)
            {
                for (var g = Adversaries; g < AgentTotal; g++) w = WriteVelocity(o, w, env, e, g);
                w = WriteForestFlags(o, w, env, e);
                Message(env, Leader).CopyTo(o[w..]);
            }
            else
            {
                w = WriteForestFlags(o, w, env, e);
                WriteVelocity(o, w, env, e, e == Adversaries ? Adversaries + 1 : Adversaries);
            }
        }
    }

    int WriteForestFlags(Span<float> o, int w, int env, int e)
    {
        o[w++] = InForest(env, e, 0) ? 1 : -1;
        o[w++] = InForest(env, e, 1) ? 1 : -1;
        return w;
    }

    int WriteVelocity(Span<float> o, int w, int env, int ego, int other)
    {
        var seen = Visible(env, ego, other);
        var k = At(env, other);
        o[w++] = seen ? Velocity[k] : 0;
        o[w++] = seen ? Velocity[k + 1] : 0;
        return w;
    }
}
