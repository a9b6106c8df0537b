namespace Hybrid.Scaling.Environments;

/// <summary>What one step of a single environment returns (PettingZoo's parallel API, JaxMARL's dictionaries).</summary>
/// <param name="Observations">Per agent, the next observation (the next episode's first one after an episode ended).</param>
/// <param name="Rewards">Per agent.</param>
/// <param name="Dones">Per agent, plus "__all__".</param>
/// <param name="Infos">"terminal_observation" (per agent) when the episode ended, plus environment-specific entries.</param>
public sealed record StepResult(IReadOnlyDictionary<string, float[]> Observations, IReadOnlyDictionary<string, float> Rewards,
    IReadOnlyDictionary<string, bool> Dones, IReadOnlyDictionary<string, object> Infos);

/// <summary>
/// One environment with dictionary-keyed agents (JaxMARL / PettingZoo parallel style): a <see cref="VectorEnv"/>
/// of size 1, so a single environment and environment e of a batch share one implementation and, for the same
/// seed, one trajectory.
/// </summary>
public sealed class MultiAgentEnv : IDisposable
{
    readonly VectorEnv env;
    readonly int[] actions;

    /// <summary>Wraps a batch of one environment.</summary>
    public MultiAgentEnv(VectorEnv env)
    {
        if (env.NumEnvs != 1) throw new ArgumentException($"a single-environment view needs a batch of 1, not {env.NumEnvs}", nameof(env));
        this.env = env;
        actions = new int[env.Agents.Count];
    }

    /// <summary>The wrapped batch of one.</summary>
    public VectorEnv Batch => env;

    /// <summary>Agent names.</summary>
    public IReadOnlyList<string> Agents => env.Agents;

    /// <summary>Observation space of an agent.</summary>
    public Space ObservationSpace(string agent) => env.ObservationSpaces[env.AgentIndex(agent)];

    /// <summary>Action space of an agent.</summary>
    public Space ActionSpace(string agent) => env.ActionSpaces[env.AgentIndex(agent)];

    /// <summary>Starts an episode with <paramref name="seed"/>; returns every agent's first observation.</summary>
    public IReadOnlyDictionary<string, float[]> Reset(ulong seed)
    {
        env.Reset(stackalloc ulong[] { seed });
        return Observations();
    }

    /// <summary>Steps with one action per agent; every agent needs one, unknown agents and out-of-range actions throw.</summary>
    public StepResult Step(IReadOnlyDictionary<string, int> joint)
    {
        foreach (var name in joint.Keys) env.AgentIndex(name);
        for (var a = 0; a < env.Agents.Count; a++)
            actions[a] = joint.TryGetValue(env.Agents[a], out var value)
                ? value
                : throw new ArgumentException($"{env.Name}: no action for agent '{env.Agents[a]}'", nameof(joint));
        env.Step(actions);
        var rewards = env.Agents.Select((name, a) => (name, env.Rewards[a])).ToDictionary(p => p.name, p => p.Item2);
        var dones = env.Agents.Select((name, a) => (name, env.Dones[a])).ToDictionary(p => p.name, p => p.Item2);
        dones["__all__"] = env.AllDones[0];
        var infos = new Dictionary<string, object>();
        if (env.AllDones[0])
            infos["terminal_observation"] = env.Agents.Select((name, a) => (name, env.TerminalObservations(a).ToArray())).ToDictionary(p => p.name, p => p.Item2);
        return new StepResult(Observations(), rewards, dones, infos);
    }

    IReadOnlyDictionary<string, float[]> Observations() =>
        env.Agents.Select((name, a) => (name, env.Observations(a).ToArray())).ToDictionary(p => p.name, p => p.Item2);

    /// <inheritdoc/>
    public void Dispose() => env.Dispose();
}
