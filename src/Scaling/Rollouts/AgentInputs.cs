using Hybrid.Scaling.Environments;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Rollouts;

/// <summary>
/// The inputs of a network shared by n agents, as JaxMARL's CTRolloutManager makes them: the state is every agent's raw
/// observation side by side (width S = sum of the observation sizes); agent i's input is its slice zero-padded to the
/// widest agent's, with its one-hot id appended (width I = max size + n). Agents with fewer actions than the widest
/// have the missing ones masked by <see cref="InvalidPenalty"/>.
/// </summary>
public sealed class AgentInputs : IDisposable
{
    readonly int[] sizes, offsets, actionCounts;
    readonly int width;
    readonly Tensor ids;

    /// <summary>Inputs for agents with observation sizes <paramref name="observationSizes"/> and action counts <paramref name="actions"/>.</summary>
    public AgentInputs(IReadOnlyList<int> observationSizes, IReadOnlyList<int> actions, Device? device = null)
    {
        if (observationSizes.Count < 1 || observationSizes.Count != actions.Count) throw new ArgumentException("every agent needs an observation size and an action count");
        sizes = observationSizes.ToArray();
        actionCounts = actions.ToArray();
        Agents = sizes.Length;
        Actions = actionCounts.Max();
        offsets = new int[Agents + 1];
        for (var a = 0; a < Agents; a++) offsets[a + 1] = offsets[a] + sizes[a];
        width = sizes.Max();
        var dev = device ?? CPU;
        ids = eye(Agents, device: dev).DetachFromDisposeScope();
        var penalty = new float[Agents * Actions];
        for (var a = 0; a < Agents; a++)
            for (var k = actionCounts[a]; k < Actions; k++) penalty[a * Actions + k] = 1e10f;
        InvalidPenalty = tensor(penalty, new long[] { Agents, Actions }, device: dev).DetachFromDisposeScope();
    }

    /// <summary>The inputs of <paramref name="env"/>'s agents (every action space must be discrete).</summary>
    public static AgentInputs For(VectorEnv env, Device? device = null) =>
        new(Enumerable.Range(0, env.Agents.Count).Select(env.ObservationSize).ToArray(), env.ActionSpaces.Select(s => ((Discrete)s).N).ToArray(), device);

    /// <summary>Agents n.</summary>
    public int Agents { get; }

    /// <summary>Actions of the widest agent (the network's output width).</summary>
    public int Actions { get; }

    /// <summary>Actions of agent <paramref name="agent"/>.</summary>
    public int ActionsOf(int agent) => actionCounts[agent];

    /// <summary>Input width I of the shared network.</summary>
    public int InputSize => width + Agents;

    /// <summary>State width S.</summary>
    public int StateSize => offsets[^1];

    /// <summary>[n, A]: 1e10 where an agent lacks the action, else 0 (subtract before an argmax or max).</summary>
    public Tensor InvalidPenalty { get; }

    /// <summary>Copies the environments' current observations into <paramref name="states"/> [N, S] (N = the batch's environments).</summary>
    public void ReadStates(VectorEnv env, Span<float> states)
    {
        for (var a = 0; a < Agents; a++)
        {
            var source = env.Observations(a);
            var size = sizes[a];
            for (var r = 0; r < env.NumEnvs; r++)
                source.AsSpan(r * size, size).CopyTo(states.Slice(r * StateSize + offsets[a], size));
        }
    }

    /// <summary>The network's inputs [C, X n, I] (rows x-major, agent-minor) from states [C, X, S].</summary>
    public Tensor From(Tensor states)
    {
        long copies = states.shape[0], x = states.shape[1];
        var parts = new Tensor[Agents];
        for (var a = 0; a < Agents; a++)
        {
            var own = states.narrow(-1, offsets[a], sizes[a]);
            if (sizes[a] < width) own = nn.functional.pad(own, new long[] { 0, width - sizes[a] });
            parts[a] = cat(new[] { own, ids[a].expand(copies, x, Agents) }, -1);
        }
        return stack(parts, 2).view(copies, x * Agents, InputSize);
    }

    /// <summary>
    /// Epsilon-greedy actions from values [C, X n, A] (rows as <see cref="From"/>): per agent, with probability
    /// <paramref name="epsilon"/> a uniform action of its own from the copy's stream, else its greedy valid action.
    /// </summary>
    public int[] EpsilonGreedy(Tensor values, double epsilon, ulong[] streams) => EpsilonGreedy(values, epsilon, streams, out _);

    /// <summary>The same, also giving each row's greedy valid value [C, X, n] (one masked max for both).</summary>
    public int[] EpsilonGreedy(Tensor values, double epsilon, ulong[] streams, out Tensor greedyValues)
    {
        var copies = (int)values.shape[0];
        var rows = (int)values.shape[1];
        var (best, index) = (values.view(copies, rows / Agents, Agents, Actions) - InvalidPenalty).max(-1);
        greedyValues = best;
        var greedy = index.to_type(ScalarType.Int32).cpu().data<int>().ToArray();
        for (var c = 0; c < copies; c++)
            for (var r = 0; r < rows; r++)
                if (SplitMix64.UnitDouble(ref streams[c]) < epsilon)
                    greedy[c * rows + r] = SplitMix64.Below(ref streams[c], actionCounts[r % Agents]);
        return greedy;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ids.Dispose();
        InvalidPenalty.Dispose();
    }
}
