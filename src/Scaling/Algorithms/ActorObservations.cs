using Hybrid.Scaling.Environments;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// The network inputs of every actor of a batch of S x E environments in the trainers' actor layout [S, N] (N = A E,
/// agent-major per seed): observations zero-padded to the largest agent's (JaxMARL's batchify), with one-hot agent
/// ids when asked, and for a centralised critic the world state, the concatenation of all agents' unpadded observations.
/// </summary>
internal sealed class ActorObservations
{
    readonly VectorEnv env;
    readonly int seeds, envs, agents, width;
    readonly int[] sizes;
    readonly bool agentId;
    readonly Device device;

    public ActorObservations(VectorEnv env, int seeds, bool agentId, bool worldState, Device device)
    {
        if (env.NumEnvs % seeds != 0) throw new ArgumentException($"{env.NumEnvs} environments do not split into {seeds} seeds");
        (this.env, this.seeds, this.device) = (env, seeds, device);
        envs = env.NumEnvs / seeds;
        agents = env.Agents.Count;
        sizes = Enumerable.Range(0, agents).Select(env.ObservationSize).ToArray();
        width = sizes.Max();
        this.agentId = agentId && agents > 1;
        Size = width + (this.agentId ? agents : 0);
        WorldSize = worldState ? sizes.Sum() : 0;
        var batch = env.NumEnvs;
        Slot = new int[seeds * agents * envs];
        Environment = new int[Slot.Length];
        for (var s = 0; s < seeds; s++)
            for (var a = 0; a < agents; a++)
                for (var e = 0; e < envs; e++)
                {
                    var actor = s * agents * envs + a * envs + e;
                    Environment[actor] = s * envs + e;
                    Slot[actor] = a * batch + Environment[actor];
                }
    }

    /// <summary>Per actor [S, A, E], its index in the environments' agent-major arrays (actions, rewards: [A, S x E]).</summary>
    public int[] Slot { get; }

    /// <summary>Per actor, its environment s E + e (for done flags).</summary>
    public int[] Environment { get; }

    /// <summary>Features per actor observation (D).</summary>
    public int Size { get; }

    /// <summary>Features of the world state (W), 0 without a centralised critic.</summary>
    public int WorldSize { get; }

    /// <summary>The current observations [S, N, D] and world states [S, N, W] (null without a centralised critic).</summary>
    public (Tensor Observations, Tensor? World) Read()
    {
        var parts = new Tensor[agents];
        var raw = new Tensor[agents];
        for (var a = 0; a < agents; a++)
        {
            raw[a] = env.ObservationTensor(a).reshape(seeds, envs, sizes[a]);
            parts[a] = sizes[a] < width ? nn.functional.pad(raw[a], new long[] { 0, width - sizes[a] }) : raw[a];
        }
        var obs = agents == 1 ? parts[0].unsqueeze(1) : stack(parts, 1); // [S, A, E, D]
        if (agentId)
            obs = cat(new[] { obs, eye(agents).view(1, agents, 1, agents).expand(seeds, agents, envs, agents) }, -1);
        var actors = agents * envs;
        var observations = obs.reshape(seeds, actors, Size).to(device);
        Tensor? world = null;
        if (WorldSize > 0)
            world = cat(raw, -1).unsqueeze(1).expand(seeds, agents, envs, WorldSize).reshape(seeds, actors, WorldSize).to(device);
        return (observations, world);
    }
}
