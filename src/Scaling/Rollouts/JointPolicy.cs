using Hybrid.Scaling.Environments;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Rollouts;

/// <summary>One controller of a joint policy: an actor and the group of agents it acts for.</summary>
/// <param name="Group">The agents and their row layout.</param>
/// <param name="Actor">Who picks their actions.</param>
/// <param name="RecordObservations">Whether a rollout keeps this group's observation tensors (learners need them; fixed policies do not).</param>
public sealed record Controller(AgentGroup Group, IActor Actor, bool RecordObservations);

/// <summary>
/// Maps every agent of an environment batch to exactly one controller: a learner's network (shared by homogeneous
/// agents, or one per agent), a fixed strategy, a scripted policy or a callback. The action kind (indices or vectors)
/// is the environment's, the same for all controllers.
/// </summary>
public sealed class JointPolicy
{
    /// <summary>Checks that every agent of <paramref name="env"/> has exactly one controller.</summary>
    public JointPolicy(VectorEnv env, IReadOnlyList<Controller> controllers)
    {
        if (controllers.Count == 0) throw new ArgumentException("a joint policy needs at least one controller", nameof(controllers));
        var owner = new int[env.Agents.Count];
        Array.Fill(owner, -1);
        for (var k = 0; k < controllers.Count; k++)
        {
            var c = controllers[k];
            if (!ReferenceEquals(c.Group.Env, env)) throw new ArgumentException($"controller {k} ({c.Actor.Describe()}) lays out another environment batch");
            if (c.Group.Copies != c.Actor.Copies)
                throw new ArgumentException($"controller {k} ({c.Actor.Describe()}) has {c.Actor.Copies} copies, its group is laid out for {c.Group.Copies}");
            foreach (var a in c.Group.Agents)
            {
                if (owner[a] >= 0) throw new ArgumentException($"{env.Name}: agent '{env.Agents[a]}' has two controllers ({owner[a]} and {k})");
                owner[a] = k;
            }
        }
        var missing = Enumerable.Range(0, owner.Length).Where(a => owner[a] < 0).Select(a => env.Agents[a]).ToList();
        if (missing.Count > 0) throw new ArgumentException($"{env.Name}: agents without a controller: {string.Join(", ", missing)}");
        Continuous = env.ActionSpaces.All(s => s is Box);
        if (!Continuous && !env.ActionSpaces.All(s => s is Discrete))
            throw new ArgumentException($"{env.Name}: action spaces {string.Join(", ", env.ActionSpaces)} are neither all discrete nor all Box");
        Env = env;
        Controllers = controllers.ToArray();
    }

    /// <summary>A joint policy in which one actor drives every agent (PPO, IPPO, MAPPO, a population).</summary>
    public static JointPolicy Single(VectorEnv env, IActor actor, bool agentId = false, bool worldState = false, bool record = true, Device? device = null) =>
        new(env, new[] { new Controller(new AgentGroup(env, Enumerable.Range(0, env.Agents.Count).ToArray(), actor.Copies, agentId, worldState, device), actor, record) });

    /// <summary>The environment batch.</summary>
    public VectorEnv Env { get; }

    /// <summary>The controllers.</summary>
    public IReadOnlyList<Controller> Controllers { get; }

    /// <summary>Whether actions are vectors (every action space a Box) rather than indices.</summary>
    public bool Continuous { get; }

    /// <summary>Per controller, its description (for checkpoints and reports).</summary>
    public string Describe() => string.Join("; ", Controllers.Select(c => $"{string.Join(",", c.Group.Agents.Select(a => Env.Agents[a]))}: {c.Actor.Describe()}"));
}
