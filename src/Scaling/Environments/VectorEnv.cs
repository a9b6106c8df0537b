using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Environments;

/// <summary>
/// N copies of a multi-agent environment stepped together, their state held as arrays (structure of arrays).
/// </summary>
/// <remarks>
/// <para>Layout: agent-major. Observations of agent a are one pinned float32 array [N, obs...] that
/// <see cref="ObservationTensor"/> exposes as a TorchSharp tensor sharing the memory (no copy per step).
/// Actions, rewards and dones are [A * N] arrays, agent a's block at a * N.</para>
/// <para>Auto-reset as in JaxMARL: when an environment's episode ends, <see cref="Step(ReadOnlySpan{int})"/> returns the terminal
/// step's rewards and dones together with the first observation of the next episode. Unlike JaxMARL, the
/// terminal observation is kept in <see cref="TerminalObservations"/> (valid where <see cref="AllDones"/> is set)
/// so learners can bootstrap truncated episodes.</para>
/// <para>Randomness: each environment owns one random stream (<see cref="SplitMix64"/>) started from its own seed;
/// resetting the batch with seed s gives environment e the seed s + e. Environment e's trajectory therefore depends
/// only on s + e and its actions, not on N or on the other environments.</para>
/// </remarks>
public abstract class VectorEnv : IDisposable
{
    readonly float[][] observations;
    readonly float[][] terminal;
    readonly Tensor?[] observationTensors;
    readonly int[] observationSizes;
    readonly int[] actionBuffer;
    // Hot-path copies of Agents.Count and the discrete action sizes (0 for other spaces): no interface calls per step.
    readonly int agentCount;
    readonly int[] actionSizes;
    readonly Action<int, int> stepChunk, resetChunk;
    readonly Action<int, int>? stepChunkContinuous;
    readonly int[]? continuousOffsets;
    readonly float[]? continuousBuffer;

    /// <summary>Creates the batch.</summary>
    protected VectorEnv(int numEnvs, IReadOnlyList<string> agents, IReadOnlyList<Space> observationSpaces, IReadOnlyList<Space> actionSpaces)
    {
        if (numEnvs < 1) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "at least one environment is needed");
        if (agents.Count == 0 || observationSpaces.Count != agents.Count || actionSpaces.Count != agents.Count)
            throw new ArgumentException("every agent needs an observation and an action space");
        NumEnvs = numEnvs;
        Agents = agents.ToArray();
        ObservationSpaces = observationSpaces.ToArray();
        ActionSpaces = actionSpaces.ToArray();
        observationSizes = ObservationSpaces.Select(s => s.FlatSize).ToArray();
        agentCount = agents.Count;
        actionSizes = ActionSpaces.Select(s => s is Discrete d ? d.N : 0).ToArray();
        observations = observationSizes.Select(size => GC.AllocateArray<float>(numEnvs * size, pinned: true)).ToArray();
        terminal = observationSizes.Select(size => new float[numEnvs * size]).ToArray();
        observationTensors = new Tensor?[agents.Count];
        Rewards = new float[agents.Count * numEnvs];
        Dones = new bool[agents.Count * numEnvs];
        AllDones = new bool[numEnvs];
        Random = new ulong[numEnvs];
        EpisodeSteps = new int[numEnvs];
        Seeds = new ulong[numEnvs];
        actionBuffer = new int[agents.Count * numEnvs];
        stepChunk = (from, to) => { for (var e = from; e < to; e++) StepAndAutoReset(e, actionBuffer); };
        if (ActionSpaces.All(sp => sp is Box))
        {
            continuousOffsets = new int[agents.Count + 1];
            for (var a = 0; a < agents.Count; a++) continuousOffsets[a + 1] = continuousOffsets[a] + numEnvs * ActionSpaces[a].FlatSize;
            continuousBuffer = new float[continuousOffsets[^1]];
            stepChunkContinuous = (from, to) => { for (var e = from; e < to; e++) StepAndAutoReset(e, null, continuousBuffer); };
        }
        resetChunk = (from, to) => { for (var e = from; e < to; e++) { EpisodeSteps[e] = 0; ResetEnv(e); } };
    }

    /// <summary>Registry name, e.g. "coin_game".</summary>
    public abstract string Name { get; }

    /// <summary>Number of environments N.</summary>
    public int NumEnvs { get; }

    /// <summary>Agent names, in the order of every agent-major array.</summary>
    public IReadOnlyList<string> Agents { get; }

    /// <summary>Per agent.</summary>
    public IReadOnlyList<Space> ObservationSpaces { get; }

    /// <summary>Per agent.</summary>
    public IReadOnlyList<Space> ActionSpaces { get; }

    /// <summary>Rewards of the last step, [A * N] agent-major.</summary>
    public float[] Rewards { get; }

    /// <summary>Per-agent dones of the last step, [A * N] agent-major.</summary>
    public bool[] Dones { get; }

    /// <summary>Whether environment e's episode ended at the last step ("__all__"); it has been reset since.</summary>
    public bool[] AllDones { get; }

    /// <summary>Steps taken in each environment's current episode.</summary>
    public int[] EpisodeSteps { get; }

    /// <summary>Each environment's seed (s + e after a batch reset with seed s).</summary>
    public ulong[] Seeds { get; }

    /// <summary>Each environment's random state; subclasses draw with <see cref="SplitMix64"/> on Random[e].</summary>
    protected ulong[] Random { get; }

    static readonly int Cores = Environment.ProcessorCount;

    /// <summary>Batches at least this large are stepped on all cores (each environment is independent).</summary>
    public int ParallelThreshold { get; set; } = 2048;

    /// <summary>Agent a's observations [N * size] (the memory behind <see cref="ObservationTensor"/>).</summary>
    public float[] Observations(int agent) => observations[agent];

    /// <summary>Agent a's terminal observations [N * size], valid for environments whose <see cref="AllDones"/> is set.</summary>
    public float[] TerminalObservations(int agent) => terminal[agent];

    /// <summary>Agent a's observations as a float32 tensor [N, obs...] sharing the batch's memory: it shows every step's observations without copying.</summary>
    /// <remarks>Created on first use, so environments that never hand tensors out never load libtorch.</remarks>
    public Tensor ObservationTensor(int agent)
    {
        if (observationTensors[agent] is { } existing) return existing;
        var size = observationSizes[agent];
        var shape = new long[] { NumEnvs }.Concat(ObservationSpaces[agent] is Box b ? b.Shape.Select(x => (long)x) : new long[] { size }).ToArray();
        var t = torch.frombuffer(observations[agent], ScalarType.Float32, NumEnvs * size, 0, false).reshape(shape);
        t.DetachFromDisposeScope();
        return observationTensors[agent] = t;
    }

    /// <summary>Flat observation size of agent a.</summary>
    public int ObservationSize(int agent) => observationSizes[agent];

    /// <summary>Index of an agent by name; unknown names throw with the list of agents.</summary>
    public int AgentIndex(string agent)
    {
        var i = Array.IndexOf((string[])Agents, agent);
        return i >= 0 ? i : throw new ArgumentException($"{Name} has no agent '{agent}' (agents: {string.Join(", ", Agents)})", nameof(agent));
    }

    /// <summary>Resets every environment; environment e gets seed <paramref name="seed"/> + e.</summary>
    public void Reset(ulong seed)
    {
        var seeds = new ulong[NumEnvs];
        for (var e = 0; e < NumEnvs; e++) seeds[e] = seed + (ulong)e;
        Reset(seeds);
    }

    /// <summary>Resets environment e with seed <paramref name="seeds"/>[e].</summary>
    public void Reset(ReadOnlySpan<ulong> seeds)
    {
        if (seeds.Length != NumEnvs) throw new ArgumentException($"{Name}: {seeds.Length} seeds for {NumEnvs} environments", nameof(seeds));
        for (var e = 0; e < NumEnvs; e++)
        {
            Seeds[e] = seeds[e];
            Random[e] = SplitMix64.Start(seeds[e]);
        }
        Array.Clear(Rewards);
        Array.Clear(Dones);
        Array.Clear(AllDones);
        ForEachChunk(resetChunk);
    }

    /// <summary>
    /// Steps every environment with discrete actions [A * N] (agent-major), then resets the environments whose episode
    /// ended. Invalid actions throw before any environment moves, naming the agent, the environment and the value.
    /// </summary>
    public void Step(ReadOnlySpan<int> actions)
    {
        CheckActions(actions);
        actions.CopyTo(actionBuffer);
        // Small batches step inline: a delegate call per batch step is a visible share of one small world's step.
        if (NumEnvs < ParallelThreshold)
            for (var e = 0; e < NumEnvs; e++) StepAndAutoReset(e, actionBuffer);
        else ForEachChunk(stepChunk);
    }

    /// <summary>
    /// Steps every environment with continuous actions: agent a's block holds N rows of its Box action size, blocks in
    /// agent order. Non-finite or out-of-bounds values throw before any environment moves.
    /// </summary>
    public void Step(ReadOnlySpan<float> actions)
    {
        if (continuousOffsets is null)
            throw new InvalidOperationException($"{Name}: this environment takes discrete actions (action spaces {string.Join(", ", ActionSpaces)})");
        if (actions.Length != continuousOffsets[^1])
            throw new ArgumentException($"{Name}: expected {continuousOffsets[^1]} action values (agent a's Box size x {NumEnvs} environments per agent), got {actions.Length}", nameof(actions));
        for (var a = 0; a < agentCount; a++)
        {
            var box = (Box)ActionSpaces[a];
            var block = actions[continuousOffsets[a]..continuousOffsets[a + 1]];
            for (var k = 0; k < block.Length; k++)
                if (!(block[k] >= box.Low && block[k] <= box.High))
                    throw new ArgumentOutOfRangeException(nameof(actions), block[k],
                        $"{Name}: action value {block[k]} (component {k % box.FlatSize}) of agent '{Agents[a]}' in environment {k / box.FlatSize} is outside [{box.Low}, {box.High}]");
        }
        actions.CopyTo(continuousBuffer);
        if (NumEnvs < ParallelThreshold)
            for (var e = 0; e < NumEnvs; e++) StepAndAutoReset(e, null, continuousBuffer);
        else ForEachChunk(stepChunkContinuous!);
    }

    /// <summary>Where agent a's continuous actions start in the flat action array (null for discrete environments).</summary>
    protected int ContinuousOffset(int agent) => continuousOffsets![agent];

    void StepAndAutoReset(int e, int[]? actions, float[]? continuous = null)
    {
        EpisodeSteps[e]++;
        if (actions != null) StepEnv(e, actions); else StepEnvContinuous(e, continuous!);
        var done = AllDones[e];
        for (var a = 0; a < agentCount; a++) Dones[a * NumEnvs + e] = done;
        if (!done) return;
        for (var a = 0; a < agentCount; a++)
        {
            var size = observationSizes[a];
            Array.Copy(observations[a], e * size, terminal[a], e * size, size);
        }
        EpisodeSteps[e] = 0;
        ResetEnv(e);
    }

    /// <summary>Runs <paramref name="body"/>(from, to) over the environments: one chunk per core for large batches.</summary>
    void ForEachChunk(Action<int, int> body)
    {
        var chunks = Cores;
        if (NumEnvs < ParallelThreshold || chunks == 1)
        {
            body(0, NumEnvs);
            return;
        }
        Parallel.For(0, chunks, c => body((int)((long)NumEnvs * c / chunks), (int)((long)NumEnvs * (c + 1) / chunks)));
    }

    void CheckActions(ReadOnlySpan<int> actions)
    {
        if (actions.Length != agentCount * NumEnvs)
            throw new ArgumentException($"{Name}: expected {agentCount * NumEnvs} actions ({agentCount} agents x {NumEnvs} environments), got {actions.Length}", nameof(actions));
        for (var a = 0; a < agentCount; a++)
        {
            var n = (uint)actionSizes[a];
            if (n == 0)
                throw new InvalidOperationException($"{Name}: agent '{Agents[a]}' has action space {ActionSpaces[a]}, not discrete actions");
            var block = actions.Slice(a * NumEnvs, NumEnvs);
            for (var e = 0; e < block.Length; e++)
                if ((uint)block[e] >= n)
                    throw new ArgumentOutOfRangeException(nameof(actions), block[e], $"{Name}: action {block[e]} of agent '{Agents[a]}' in environment {e} is outside {ActionSpaces[a]}");
        }
    }

    /// <summary>Agent a's observation slot of environment e, to be written by <see cref="ResetEnv"/> and <see cref="StepEnv"/>.</summary>
    protected Span<float> Observation(int agent, int env) => observations[agent].AsSpan(env * observationSizes[agent], observationSizes[agent]);

    /// <summary>Agent a's reward slot of environment e.</summary>
    protected ref float Reward(int agent, int env) => ref Rewards[agent * NumEnvs + env];

    /// <summary>Starts a new episode in environment e (drawing from Random[e]) and writes its first observations.</summary>
    protected abstract void ResetEnv(int env);

    /// <summary>
    /// Advances environment e with the agents' actions (actions[a * N + e]): writes every agent's reward and the next
    /// observations, and sets AllDones[e] when the episode ended (EpisodeSteps[e] already counts this step).
    /// </summary>
    protected abstract void StepEnv(int env, int[] actions);

    /// <summary>Advances environment e with continuous actions (see <see cref="Step(ReadOnlySpan{float})"/> for the layout); only for environments whose action spaces are all Box.</summary>
    protected virtual void StepEnvContinuous(int env, float[] actions) =>
        throw new NotSupportedException($"{Name} has no continuous actions");

    /// <summary>
    /// Writes the whole batch state (every environment's state, random streams, observations, the last step's rewards and
    /// dones) so that <see cref="LoadState"/> on a batch created with the same arguments continues exactly as this one.
    /// </summary>
    /// <remarks>
    /// The default writes every one-dimensional array of primitives (and array of such arrays) declared on the concrete
    /// type and its bases; other fields must be readonly settings (set at construction, like a payoff matrix). Environments with other state override <see cref="WriteExtraState"/>
    /// and <see cref="ReadExtraState"/>.
    /// </remarks>
    public void SaveState(BinaryWriter writer)
    {
        writer.Write(Name);
        writer.Write(NumEnvs);
        foreach (var field in StateFields(GetType()))
        {
            var array = (Array?)field.GetValue(this);
            writer.Write(array is not null);
            if (array is Array[] jagged) foreach (var inner in jagged) WriteArray(writer, inner);
            else if (array is not null) WriteArray(writer, array);
        }
        WriteExtraState(writer);
    }

    /// <summary>Restores a state written by <see cref="SaveState"/>; throws if it was written by another environment or batch size.</summary>
    public void LoadState(BinaryReader reader)
    {
        var name = reader.ReadString();
        var numEnvs = reader.ReadInt32();
        if (name != Name || numEnvs != NumEnvs)
            throw new InvalidDataException($"the saved state is of {numEnvs} x {name}, this batch is {NumEnvs} x {Name}");
        foreach (var field in StateFields(GetType()))
        {
            var array = (Array?)field.GetValue(this);
            if (reader.ReadBoolean() != array is not null) throw new InvalidDataException($"saved state: field {field.Name} is set in only one of the saved and this batch");
            if (array is Array[] jagged) foreach (var inner in jagged) ReadArray(reader, inner, field.Name);
            else if (array is not null) ReadArray(reader, array, field.Name);
        }
        ReadExtraState(reader);
    }

    /// <summary>Writes state that is not held in arrays of primitives (see <see cref="SaveState"/>).</summary>
    protected virtual void WriteExtraState(BinaryWriter writer) { }

    /// <summary>Reads what <see cref="WriteExtraState"/> wrote.</summary>
    protected virtual void ReadExtraState(BinaryReader reader) { }

    /// <summary>Types whose extra state is handled by an override, so their non-primitive fields are not checked.</summary>
    protected virtual bool HasExtraState => false;

    IEnumerable<FieldInfo> StateFields(Type type)
    {
        var fields = new List<FieldInfo>();
        for (var t = type; t != null && t != typeof(object); t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                var ft = f.FieldType;
                if (ft.IsSZArray && (ft.GetElementType()!.IsPrimitive || (ft.GetElementType()!.IsSZArray && ft.GetElementType()!.GetElementType()!.IsPrimitive)))
                    fields.Add(f);
                // The base class's other fields are settings (ParallelThreshold) or lazily made tensors.
                else if (!f.IsInitOnly && !HasExtraState && t != typeof(VectorEnv))
                    throw new NotSupportedException($"{Name}: field {t.Name}.{f.Name} ({ft.Name}) is mutable state outside arrays of primitives; override WriteExtraState/ReadExtraState");
            }
        // A fixed order: declaring type from the base down, then field name.
        return fields.OrderBy(f => Depth(f.DeclaringType!)).ThenBy(f => f.Name, StringComparer.Ordinal);
    }

    static int Depth(Type t) { var d = 0; for (var x = t; x != null; x = x.BaseType) d++; return d; }

    static void WriteArray(BinaryWriter writer, Array array)
    {
        writer.Write(array.Length);
        writer.Write(MemoryMarshal.AsBytes(AsSpan(array)));
    }

    static void ReadArray(BinaryReader reader, Array array, string field)
    {
        var length = reader.ReadInt32();
        if (length != array.Length) throw new InvalidDataException($"saved state: field {field} holds {length} values, this batch has {array.Length}");
        var bytes = MemoryMarshal.AsBytes(AsSpan(array));
        if (reader.Read(bytes) != bytes.Length) throw new EndOfStreamException($"saved state ends inside field {field}");
    }

    static Span<byte> AsSpan(Array array) => array switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        byte[] a => a.AsSpan(),
        _ => throw new NotSupportedException($"arrays of {array.GetType().GetElementType()!.Name} are not saved"),
    };

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in observationTensors) t?.Dispose();
        GC.SuppressFinalize(this);
    }
}
