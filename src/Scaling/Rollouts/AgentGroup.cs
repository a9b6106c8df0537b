using Hybrid.Scaling.Environments;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Rollouts;

/// <summary>
/// The agents of an environment batch that one controller acts for, and how their rows are laid out. The batch's N
/// environments split into C equal blocks, one per copy of the controller (a training seed, a population member):
/// copy c owns environments c E .. c E + E - 1 (E = N / C). A copy's rows are agent-major: row a E + e is agent a
/// of the group in the copy's environment e (JaxMARL's batchify), so a copy has n = A E rows and the group C n.
/// </summary>
public sealed class AgentGroup
{
    readonly VectorEnv env;
    readonly int[] sizes;
    readonly int width;
    readonly long[] gridShape, rowShape; // [C, E, ...] and [C, n, ...]

    /// <summary>Lays out <paramref name="agents"/> (indices into the environment's agents) for <paramref name="copies"/> copies.</summary>
    /// <param name="env">The environment batch.</param>
    /// <param name="agents">The group's agents, in the order of their rows.</param>
    /// <param name="copies">Copies C of the controller; must divide the number of environments.</param>
    /// <param name="agentId">Append a one-hot agent id (of the group's agents) to each observation (when the group has several agents).</param>
    /// <param name="worldState">Also build the world state: the concatenation of all the environment's agents' observations (MAPPO's centralised critic).</param>
    /// <param name="device">Where the tensors go.</param>
    public AgentGroup(VectorEnv env, IReadOnlyList<int> agents, int copies, bool agentId = false, bool worldState = false, Device? device = null)
    {
        if (agents.Count == 0) throw new ArgumentException("a group needs at least one agent", nameof(agents));
        if (agents.Any(a => a < 0 || a >= env.Agents.Count)) throw new ArgumentOutOfRangeException(nameof(agents), $"{env.Name} has agents 0..{env.Agents.Count - 1}");
        if (agents.Distinct().Count() != agents.Count) throw new ArgumentException("an agent appears twice in the group", nameof(agents));
        if (copies < 1 || env.NumEnvs % copies != 0)
            throw new ArgumentException($"{env.Name} has {env.NumEnvs} environments, which do not split into {copies} copies");
        this.env = env;
        Agents = agents.ToArray();
        Copies = copies;
        Device = device ?? CPU;
        EnvsPerCopy = env.NumEnvs / copies;
        Rows = Agents.Length * EnvsPerCopy;
        sizes = Agents.Select(env.ObservationSize).ToArray();
        width = sizes.Max();
        AgentId = agentId && Agents.Length > 1;
        // Grids keep their shape (convolutions need it) when every agent's space is the same and nothing is appended.
        var shapes = Agents.Select(a => env.ObservationSpaces[a] is Box b ? b.Shape.Select(x => (long)x).ToArray() : new long[] { sizes[Array.IndexOf(Agents, a)] }).ToArray();
        var uniform = shapes.All(s => s.SequenceEqual(shapes[0]));
        ObservationShape = uniform && !AgentId ? shapes[0] : new long[] { width + (AgentId ? Agents.Length : 0) };
        WorldSize = worldState ? Enumerable.Range(0, env.Agents.Count).Sum(env.ObservationSize) : 0;
        ActionSpace = env.ActionSpaces[Agents[0]];
        if (Agents.Any(a => !env.ActionSpaces[a].Equals(ActionSpace)))
            throw new ArgumentException($"the agents {string.Join(", ", Agents.Select(a => env.Agents[a]))} of one controller need the same action space; {env.Name} has {string.Join(", ", Agents.Select(a => env.ActionSpaces[a]))}");
        gridShape = new long[] { copies, EnvsPerCopy }.Concat(ObservationShape).ToArray();
        rowShape = new long[] { copies, Rows }.Concat(ObservationShape).ToArray();
        var n = env.NumEnvs;
        Slot = new int[copies * Rows];
        Environment = new int[Slot.Length];
        for (var c = 0; c < copies; c++)
            for (var a = 0; a < Agents.Length; a++)
                for (var e = 0; e < EnvsPerCopy; e++)
                {
                    var row = c * Rows + a * EnvsPerCopy + e;
                    Environment[row] = c * EnvsPerCopy + e;
                    Slot[row] = Agents[a] * n + Environment[row];
                }
    }

    /// <summary>The environment batch.</summary>
    public VectorEnv Env => env;

    /// <summary>The group's agents (indices into the environment's agents).</summary>
    public int[] Agents { get; }

    /// <summary>Copies C.</summary>
    public int Copies { get; }

    /// <summary>Environments per copy E.</summary>
    public int EnvsPerCopy { get; }

    /// <summary>Rows per copy n = agents x E.</summary>
    public int Rows { get; }

    /// <summary>All rows C n.</summary>
    public int Width => Copies * Rows;

    /// <summary>Where the tensors go.</summary>
    public Device Device { get; }

    /// <summary>Whether observations carry a one-hot agent id.</summary>
    public bool AgentId { get; }

    /// <summary>Feature shape of one observation row: the agents' common shape, or [D] when flattened (zero-padded to the largest agent's, plus the id).</summary>
    public long[] ObservationShape { get; }

    /// <summary>The action space every agent of the group shares (a controller writes one kind of action per row).</summary>
    public Space ActionSpace { get; }

    /// <summary>Width of the world state, 0 without one.</summary>
    public int WorldSize { get; }

    /// <summary>Per row, its index in the environment's agent-major arrays (actions, rewards: [A, N]).</summary>
    public int[] Slot { get; }

    /// <summary>Per row, its environment (for done flags).</summary>
    public int[] Environment { get; }

    /// <summary>Row <paramref name="row"/>'s current observation, read from the environment's own arrays (unpadded).</summary>
    public ReadOnlySpan<float> Observation(int row)
    {
        var agent = Slot[row] / env.NumEnvs;
        var size = env.ObservationSize(agent);
        return env.Observations(agent).AsSpan(Environment[row] * size, size);
    }

    /// <summary>The agent (index into the environment's agents) of a row.</summary>
    public int AgentOf(int row) => Slot[row] / env.NumEnvs;

    /// <summary>The current observations [C, n, ...] and world states [C, n, W] (null without one).</summary>
    public (Tensor Observations, Tensor? World) Read()
    {
        var count = Agents.Length;
        var flat = ObservationShape.Length == 1;
        var parts = new Tensor[count];
        for (var k = 0; k < count; k++)
        {
            var a = Agents[k];
            var all = env.ObservationTensor(a);
            if (!flat) { parts[k] = all.reshape(gridShape); continue; }
            var raw = all.reshape(Copies, EnvsPerCopy, sizes[k]);
            parts[k] = sizes[k] < width ? nn.functional.pad(raw, new long[] { 0, width - sizes[k] }) : raw;
        }
        var obs = count == 1 ? parts[0].unsqueeze(1) : stack(parts, 1); // [C, A, E, ...]
        if (AgentId)
            obs = cat(new[] { obs, eye(count).view(1, count, 1, count).expand(Copies, count, EnvsPerCopy, count) }, -1);
        var observations = obs.reshape(rowShape).to(Device);
        Tensor? world = null;
        if (WorldSize > 0)
        {
            var everyone = Enumerable.Range(0, env.Agents.Count).Select(a => env.ObservationTensor(a).reshape(Copies, EnvsPerCopy, env.ObservationSize(a))).ToArray();
            world = cat(everyone, -1).unsqueeze(1).expand(Copies, count, EnvsPerCopy, WorldSize).reshape(Copies, Rows, WorldSize).to(Device);
        }
        return (observations, world);
    }
}
