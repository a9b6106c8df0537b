using static TorchSharp.torch;

namespace Hybrid.Scaling.Replay;

/// <summary>A batch of whole rollout chunks, time-major: observations [C, T, B, O], actions [C, T, B, n] (int64), rewards [C, T, B, n], dones [C, T, B].</summary>
public sealed class ChunkBatch : IDisposable
{
    internal ChunkBatch(Tensor observations, Tensor actions, Tensor rewards, Tensor dones) =>
        (Observations, Actions, Rewards, Dones) = (observations, actions, rewards, dones);

    /// <summary>Every agent's raw observation side by side (the global state) [C, T, B, O].</summary>
    public Tensor Observations { get; }

    /// <summary>Actions [C, T, B, n].</summary>
    public Tensor Actions { get; }

    /// <summary>Per-agent rewards (scaled) [C, T, B, n].</summary>
    public Tensor Rewards { get; }

    /// <summary>done_t [C, T, B] (float 0/1): step t ended its episode, so step t + 1 starts the next one.</summary>
    public Tensor Dones { get; }

    /// <inheritdoc/>
    public void Dispose() { Observations.Dispose(); Actions.Dispose(); Rewards.Dispose(); Dones.Dispose(); }
}

/// <summary>
/// The episode replay of JaxMARL's value-based learners (a flashbax trajectory buffer whose items are whole rollouts):
/// for each of C copies, <c>rows</c> rows (one per environment) of capacity / rows chunks of T steps, first in first
/// out; a sample draws B chunks uniformly with replacement over the stored (slot, row) pairs from the copy's own
/// stream. A chunk holds per step every agent's raw observation (concatenated: the state; the agents' inputs are made
/// from it), the actions, the per-agent rewards and the done of the step.
/// </summary>
public sealed class ChunkReplay
{
    readonly int copies, rows, steps, agents, obsSize, slots;
    readonly float[] observations, rewards;
    readonly int[] actions;
    readonly bool[] dones;
    readonly ulong[] streams;

    /// <summary>An empty replay of <paramref name="capacity"/> chunks per copy; copy c samples from a stream started at <paramref name="seeds"/>[c].</summary>
    public ChunkReplay(int copies, int rows, int steps, int agents, int obsSize, int capacity, IReadOnlyList<long> seeds)
    {
        if (copies < 1 || rows < 1 || steps < 1 || agents < 1 || obsSize < 1) throw new ArgumentOutOfRangeException(nameof(copies), "copies, rows, steps, agents and observation size must be positive");
        if (capacity < rows) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"the replay must hold at least one chunk per row ({rows})");
        if (seeds.Count != copies) throw new ArgumentException($"{seeds.Count} seeds for {copies} copies", nameof(seeds));
        (this.copies, this.rows, this.steps, this.agents, this.obsSize) = (copies, rows, steps, agents, obsSize);
        slots = capacity / rows;
        long chunks = (long)copies * slots * rows;
        observations = new float[checked(chunks * steps * obsSize)];
        rewards = new float[chunks * steps * agents];
        actions = new int[chunks * steps * agents];
        dones = new bool[chunks * steps];
        streams = seeds.Select(s => SplitMix64.Start((ulong)s ^ 0xC4A9_0B5E_0000_0001UL)).ToArray();
    }

    /// <summary>Chunks per row.</summary>
    public int Slots => slots;

    /// <summary>Rollouts added (each adds one chunk per row of every copy).</summary>
    public long Added { get; private set; }

    /// <summary>Stored chunks per row.</summary>
    public int Filled => (int)Math.Min(Added, slots);

    /// <summary>Whether a batch of <paramref name="batch"/> can be drawn: each row holds at least that many chunks (flashbax's min_length_time_axis).</summary>
    public bool CanSample(int batch) => Filled >= Math.Min(batch, slots);

    /// <summary>
    /// Adds one rollout: <paramref name="obs"/> [C, R, T, O], <paramref name="acts"/> and <paramref name="rews"/>
    /// [C, R, T, n], <paramref name="done"/> [C, R, T] (row-major in that order).
    /// </summary>
    public void Add(ReadOnlySpan<float> obs, ReadOnlySpan<int> acts, ReadOnlySpan<float> rews, ReadOnlySpan<bool> done)
    {
        long perRow = steps;
        if (obs.Length != copies * rows * perRow * obsSize || acts.Length != copies * rows * perRow * agents || rews.Length != acts.Length || done.Length != copies * rows * perRow)
            throw new ArgumentException($"a rollout of {copies} copies x {rows} rows x {steps} steps needs {copies * rows * perRow * obsSize} observation values, {copies * rows * perRow * agents} actions and rewards and {copies * rows * perRow} dones");
        var slot = (int)(Added % slots);
        for (var c = 0; c < copies; c++)
            for (var r = 0; r < rows; r++)
            {
                long source = (long)c * rows + r, chunk = ((long)c * slots + slot) * rows + r;
                obs.Slice((int)(source * steps * obsSize), steps * obsSize).CopyTo(observations.AsSpan((int)(chunk * steps * obsSize), steps * obsSize));
                acts.Slice((int)(source * steps * agents), steps * agents).CopyTo(actions.AsSpan((int)(chunk * steps * agents), steps * agents));
                rews.Slice((int)(source * steps * agents), steps * agents).CopyTo(rewards.AsSpan((int)(chunk * steps * agents), steps * agents));
                done.Slice((int)(source * steps), steps).CopyTo(dones.AsSpan((int)(chunk * steps), steps));
            }
        Added++;
    }

    /// <summary>Draws <paramref name="batch"/> chunks per copy (uniform over the stored ones, with replacement), time-major on <paramref name="device"/>.</summary>
    public ChunkBatch Sample(int batch, Device? device = null)
    {
        if (Added == 0) throw new InvalidOperationException("the replay is empty");
        var filled = Filled;
        var obs = new float[(long)copies * steps * batch * obsSize];
        var acts = new long[(long)copies * steps * batch * agents];
        var rews = new float[acts.Length];
        var done = new float[(long)copies * steps * batch];
        for (var c = 0; c < copies; c++)
            for (var b = 0; b < batch; b++)
            {
                var slot = SplitMix64.Below(ref streams[c], filled);
                var row = SplitMix64.Below(ref streams[c], rows);
                long chunk = ((long)c * slots + slot) * rows + row;
                for (var t = 0; t < steps; t++)
                {
                    long at = chunk * steps + t, to = ((long)c * steps + t) * batch + b;
                    observations.AsSpan((int)(at * obsSize), obsSize).CopyTo(obs.AsSpan((int)(to * obsSize), obsSize));
                    for (var a = 0; a < agents; a++)
                    {
                        acts[to * agents + a] = actions[at * agents + a];
                        rews[to * agents + a] = rewards[at * agents + a];
                    }
                    done[to] = dones[at] ? 1f : 0f;
                }
            }
        var dev = device ?? CPU;
        return new ChunkBatch(
            tensor(obs, new long[] { copies, steps, batch, obsSize }).to(dev),
            tensor(acts, new long[] { copies, steps, batch, agents }).to(dev),
            tensor(rews, new long[] { copies, steps, batch, agents }).to(dev),
            tensor(done, new long[] { copies, steps, batch }).to(dev));
    }

    /// <summary>Writes the stored chunks and the sampling streams.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("chunk replay");
        writer.Write(copies); writer.Write(rows); writer.Write(steps); writer.Write(agents); writer.Write(obsSize); writer.Write(slots);
        writer.Write(Added);
        writer.WriteArray(observations);
        writer.WriteArray(actions);
        writer.WriteArray(rewards);
        writer.WriteArray(dones);
        writer.WriteArray(streams);
    }

    /// <summary>Reads what <see cref="Save"/> wrote, for a replay of the same shape.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("chunk replay");
        var shape = reader.Guard(() => new[] { reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32() });
        var mine = new[] { copies, rows, steps, agents, obsSize, slots };
        if (!shape.SequenceEqual(mine))
            throw new InvalidDataException($"{reader.Name}: its replay is copies x rows x steps x agents x observation x slots {string.Join(" x ", shape)}, this run's {string.Join(" x ", mine)}");
        var added = reader.Guard(reader.ReadInt64);
        if (added < 0) throw new InvalidDataException($"{reader.Name} is malformed (replay after {added} rollouts)");
        reader.ReadArray(observations, "the replay's observations");
        reader.ReadArray(actions, "the replay's actions");
        reader.ReadArray(rewards, "the replay's rewards");
        reader.ReadArray(dones, "the replay's dones");
        reader.ReadArray(streams, "the replay's sampling streams");
        Added = added;
    }
}
