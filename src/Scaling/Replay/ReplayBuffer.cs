using System.Numerics;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Replay;

/// <summary>How a replay buffer keeps observations.</summary>
public enum ObservationStorage
{
    /// <summary>float32, any values.</summary>
    Float,
    /// <summary>One byte per value, for binary observations (MinAtar's boolean channels): a quarter of the memory of float32.</summary>
    Bytes,
}

/// <summary>Settings of a replay buffer.</summary>
/// <param name="Capacity">Transitions kept per copy (dopamine's MinAtar configurations: 100,000); rounded up to whole vector steps.</param>
/// <param name="NStep">Update horizon n of the n-step returns (dopamine's <c>update_horizon</c>: 1 for DQN, 3 for Rainbow).</param>
/// <param name="Gamma">Discount of the returns.</param>
/// <param name="Prioritised">Sample in proportion to priorities (a sum tree per copy) instead of uniformly.</param>
/// <param name="ImportanceExponent">beta of the importance weights w = (1 / P(i))^beta / max_batch w (dopamine: 0.5, not annealed).</param>
/// <param name="Storage">Observation storage; null takes the buffer's default (learners choose bytes for observation spaces in [0, 1], as MinAtar's; every add checks the values are 0 or 1).</param>
public sealed record ReplayOptions(int Capacity = 100_000, int NStep = 1, double Gamma = 0.99, bool Prioritised = false,
    double ImportanceExponent = 0.5, ObservationStorage? Storage = null)
{
    /// <summary>Throws on settings that cannot work, naming the setting.</summary>
    public void Validate()
    {
        if (Capacity < 1) throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "replay capacity must be at least 1");
        if (NStep < 1) throw new ArgumentOutOfRangeException(nameof(NStep), NStep, "the update horizon n must be at least 1");
        if (!(Gamma >= 0 && Gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "gamma must lie in [0, 1]");
        if (!(ImportanceExponent >= 0 && ImportanceExponent <= 1)) throw new ArgumentOutOfRangeException(nameof(ImportanceExponent), ImportanceExponent, "the importance exponent beta must lie in [0, 1]");
    }
}

/// <summary>
/// One sampled batch per copy, [S, B, ...]: observations, actions, n-step returns, the discount of the bootstrap
/// (gamma^m, or 0 when the episode ended within the m &lt;= n steps), the observation to bootstrap from, the importance
/// weights (1 for uniform sampling) and the sampled slots (to update their priorities).
/// </summary>
public sealed class ReplayBatch : IDisposable
{
    internal ReplayBatch(Tensor observations, Tensor actions, Tensor returns, Tensor discounts, Tensor nextObservations, Tensor weights, int[] slots)
    {
        (Observations, Actions, Returns, Discounts, NextObservations, Weights, Slots) = (observations, actions, returns, discounts, nextObservations, weights, slots);
    }

    /// <summary>Observations s_t [S, B, ...] (float32).</summary>
    public Tensor Observations { get; }

    /// <summary>Actions a_t [S, B] (int64).</summary>
    public Tensor Actions { get; }

    /// <summary>sum_{k &lt; m} gamma^k r_{t+k} [S, B] (float32).</summary>
    public Tensor Returns { get; }

    /// <summary>gamma^m, or 0 when the episode ended within the m steps [S, B] (float32).</summary>
    public Tensor Discounts { get; }

    /// <summary>s_{t+m} [S, B, ...] (float32; the next episode's first observation where the discount is 0).</summary>
    public Tensor NextObservations { get; }

    /// <summary>Importance weights [S, B] (float32; 1 for uniform sampling).</summary>
    public Tensor Weights { get; }

    /// <summary>Per copy and row, [S B], the sampled slot (what <see cref="ReplayBuffer.SetPriorities(ReplayBatch, ReadOnlySpan{float})"/> takes back).</summary>
    public int[] Slots { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Observations.Dispose(); Actions.Dispose(); Returns.Dispose(); Discounts.Dispose(); NextObservations.Dispose(); Weights.Dispose();
    }
}

/// <summary>
/// A sampled batch as host arrays, [S B] rows copy-major (observations [S B obs]), reused from one
/// <see cref="ReplayBuffer.SampleInto"/> to the next: what <see cref="ReplayBatch"/> holds as tensors.
/// </summary>
public sealed class ReplaySample
{
    /// <summary>Arrays for <paramref name="copies"/> x <paramref name="batch"/> transitions of <paramref name="observationSize"/> values.</summary>
    public ReplaySample(int copies, int batch, int observationSize)
    {
        if (copies < 1 || batch < 1 || observationSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batch), $"a sample needs positive sizes, got {copies} copies x {batch} transitions x {observationSize} values");
        (Copies, Batch, ObservationSize) = (copies, batch, observationSize);
        var rows = checked(copies * batch);
        Observations = new float[checked(rows * observationSize)];
        NextObservations = new float[Observations.Length];
        (Actions, Returns, Discounts, Weights, Slots) = (new int[rows], new float[rows], new float[rows], new float[rows], new int[rows]);
    }

    /// <summary>Copies S.</summary>
    public int Copies { get; }

    /// <summary>Transitions per copy B.</summary>
    public int Batch { get; }

    /// <summary>Values of one observation.</summary>
    public int ObservationSize { get; }

    /// <summary>s_t.</summary>
    public float[] Observations { get; }

    /// <summary>a_t.</summary>
    public int[] Actions { get; }

    /// <summary>sum_{k &lt; m} gamma^k r_{t+k}.</summary>
    public float[] Returns { get; }

    /// <summary>gamma^m, or 0 when the episode ended within the m steps.</summary>
    public float[] Discounts { get; }

    /// <summary>s_{t+m}.</summary>
    public float[] NextObservations { get; }

    /// <summary>Importance weights (1 for uniform sampling).</summary>
    public float[] Weights { get; }

    /// <summary>The sampled slots (for <see cref="ReplayBuffer.SetPriorities(ReadOnlySpan{int}, ReadOnlySpan{float})"/>).</summary>
    public int[] Slots { get; }
}

/// <summary>
/// Replay for S copies (training seeds) of E environments each, filled one vector step at a time: copy s owns
/// environments s E .. s E + E - 1, as in the trainers. Each environment's steps are kept in order, so an observation
/// is stored once (s_{t+1} is the next step's s_t) and n-step returns are read off the stored rewards and dones
/// (dopamine's circular buffer). Transition t of an environment can be sampled once its n following observations are
/// stored; with prioritised sampling it enters with the largest priority seen so far (dopamine's convention).
/// Sampling draws from one stream per copy started from an explicit seed; the whole buffer is part of a checkpoint.
/// </summary>
/// <remarks>
/// Episode ends are the environments' "__all__" dones, taken as terminal (no bootstrap), as the PPO family here does.
/// A time-limit truncation therefore does not bootstrap either; MinAtar's limits (gymnax) end few episodes.
/// </remarks>
public sealed class ReplayBuffer
{
    readonly int copies, envs, obsSize, stepsCapacity;
    readonly long[] obsShape;
    readonly byte[]? byteObs;
    readonly float[]? floatObs;
    readonly int[] actions;
    readonly float[] rewards;
    readonly bool[] dones;
    readonly ulong[] streams;
    readonly SumTree[]? trees;
    readonly double[] discountPowers;

    /// <summary>
    /// A buffer for <paramref name="copies"/> x <paramref name="envs"/> environments with observations of
    /// <paramref name="observationShape"/>; copy s samples from the stream seeded by <paramref name="seeds"/>[s].
    /// <paramref name="defaultStorage"/> applies unless <see cref="ReplayOptions.Storage"/> says otherwise.
    /// </summary>
    public ReplayBuffer(int copies, int envs, long[] observationShape, ReplayOptions options, IReadOnlyList<long> seeds, ObservationStorage defaultStorage = ObservationStorage.Float)
    {
        options.Validate();
        if (copies < 1 || envs < 1) throw new ArgumentOutOfRangeException(nameof(copies), $"replay needs at least one copy and one environment, got {copies} x {envs}");
        if (seeds.Count != copies) throw new ArgumentException($"{seeds.Count} seeds for {copies} copies", nameof(seeds));
        (this.copies, this.envs, obsShape, Options) = (copies, envs, observationShape.ToArray(), options);
        Storage = options.Storage ?? defaultStorage;
        obsSize = checked((int)observationShape.Aggregate(1L, (a, b) => a * b));
        stepsCapacity = (options.Capacity + envs - 1) / envs;
        if (stepsCapacity <= options.NStep)
            throw new ArgumentException($"replay capacity {options.Capacity} holds {stepsCapacity} steps of {envs} environments: it must hold more than n = {options.NStep}");
        var slots = checked(copies * stepsCapacity * envs);
        if (Storage == ObservationStorage.Bytes) byteObs = new byte[checked((long)slots * obsSize)];
        else floatObs = new float[checked((long)slots * obsSize)];
        actions = new int[slots];
        rewards = new float[slots];
        dones = new bool[slots];
        streams = seeds.Select(s => SplitMix64.Start((ulong)s ^ 0x5EED_4E71_A7B0_0C1DUL)).ToArray();
        if (options.Prioritised) trees = Enumerable.Range(0, copies).Select(_ => new SumTree(stepsCapacity * envs)).ToArray();
        discountPowers = Enumerable.Range(0, options.NStep + 1).Select(k => Math.Pow(options.Gamma, k)).ToArray();
    }

    /// <summary>The settings.</summary>
    public ReplayOptions Options { get; }

    /// <summary>How observations are kept.</summary>
    public ObservationStorage Storage { get; }

    /// <summary>Copies S.</summary>
    public int Copies => copies;

    /// <summary>Environments per copy E.</summary>
    public int Envs => envs;

    /// <summary>Vector steps added so far.</summary>
    public long Added { get; private set; }

    /// <summary>Transitions per copy that can be sampled now (those with their n following observations stored).</summary>
    public long Sampleable => Math.Max(0, Math.Min(Added, stepsCapacity) - Options.NStep) * envs;

    /// <summary>Transitions per copy the buffer holds at most.</summary>
    public int Capacity => stepsCapacity * envs;

    long Oldest => Math.Max(0, Added - stepsCapacity);

    /// <summary>
    /// Adds one vector step: the observations the actions were taken at ([S E, ...] flat, copy-major as the
    /// environments lay them out), the actions, the rewards the step paid and whether it ended each episode.
    /// </summary>
    public void Add(ReadOnlySpan<float> observations, ReadOnlySpan<int> stepActions, ReadOnlySpan<float> stepRewards, ReadOnlySpan<bool> stepDones)
    {
        var width = copies * envs;
        if (observations.Length != width * obsSize || stepActions.Length != width || stepRewards.Length != width || stepDones.Length != width)
            throw new ArgumentException($"a step of {copies} x {envs} environments needs {width * obsSize} observation values and {width} actions, rewards and dones; " +
                $"got {observations.Length}, {stepActions.Length}, {stepRewards.Length}, {stepDones.Length}");
        var slot = (int)(Added % stepsCapacity);
        for (var s = 0; s < copies; s++)
            for (var e = 0; e < envs; e++)
            {
                var row = s * envs + e;
                var at = Index(s, slot, e);
                var source = observations.Slice(row * obsSize, obsSize);
                if (byteObs is not null)
                {
                    var target = byteObs.AsSpan((int)((long)at * obsSize), obsSize);
                    for (var k = 0; k < obsSize; k++)
                    {
                        var v = source[k];
                        if (v == 0) target[k] = 0;
                        else if (v == 1) target[k] = 1;
                        else throw new ArgumentException($"byte replay storage holds binary observations; environment {row} has value {v} at {k}: use float storage");
                    }
                }
                else source.CopyTo(floatObs.AsSpan((int)((long)at * obsSize), obsSize));
                actions[at] = stepActions[row];
                rewards[at] = stepRewards[row];
                dones[at] = stepDones[row];
            }
        Added++;
        if (trees is null) return;
        // The new step cannot be sampled until n more are stored; the step n back now can.
        var ready = Added - 1 - Options.NStep;
        for (var s = 0; s < copies; s++)
        {
            var tree = trees[s];
            for (var e = 0; e < envs; e++) tree.Set(slot * envs + e, 0);
            if (ready < 0) continue;
            var readySlot = (int)(ready % stepsCapacity);
            for (var e = 0; e < envs; e++) tree.Set(readySlot * envs + e, tree.MaxRecorded);
        }
    }

    /// <summary>
    /// Samples <paramref name="batch"/> transitions per copy (uniformly, or stratified by priority) and returns them as
    /// tensors on <paramref name="device"/>.
    /// </summary>
    public ReplayBatch Sample(int batch, Device? device = null)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "a batch needs at least one transition");
        var sample = new ReplaySample(copies, batch, obsSize);
        SampleInto(sample);
        device ??= CPU;
        var shape = new long[] { copies, batch }.Concat(obsShape).ToArray();
        return new ReplayBatch(tensor(sample.Observations, shape).to(device), tensor(sample.Actions.Select(a => (long)a).ToArray(), new long[] { copies, batch }).to(device),
            tensor(sample.Returns, new long[] { copies, batch }).to(device), tensor(sample.Discounts, new long[] { copies, batch }).to(device),
            tensor(sample.NextObservations, shape).to(device), tensor(sample.Weights, new long[] { copies, batch }).to(device), sample.Slots);
    }

    /// <summary>
    /// Samples <see cref="ReplaySample.Batch"/> transitions per copy into the arrays of <paramref name="sample"/> (reused
    /// between calls), drawing exactly what <see cref="Sample"/> draws: for managed learners that never make tensors.
    /// </summary>
    public void SampleInto(ReplaySample sample)
    {
        var batch = sample.Batch;
        if (sample.Copies != copies || sample.ObservationSize != obsSize)
            throw new ArgumentException($"a sample of {sample.Copies} copies x {sample.ObservationSize} observation values for a buffer of {copies} x {obsSize}", nameof(sample));
        if (Sampleable == 0) throw new InvalidOperationException($"the replay holds no transition to sample yet ({Added} steps added, n = {Options.NStep})");
        Span<double> uniforms = batch <= 1024 ? stackalloc double[batch] : new double[batch];
        Span<int> leaves = batch <= 1024 ? stackalloc int[batch] : new int[batch];
        var weights = sample.Weights;
        var valid = Sampleable;
        var oldest = Oldest;
        for (var s = 0; s < copies; s++)
        {
            if (trees is null)
            {
                for (var b = 0; b < batch; b++)
                {
                    var j = (long)(SplitMix64.UnitDouble(ref streams[s]) * valid);
                    leaves[b] = (int)((oldest + j / envs) % stepsCapacity) * envs + (int)(j % envs);
                    weights[s * batch + b] = 1;
                }
            }
            else
            {
                for (var b = 0; b < batch; b++) uniforms[b] = SplitMix64.UnitDouble(ref streams[s]);
                var tree = trees[s];
                tree.StratifiedSample(uniforms, leaves);
                var beta = Options.ImportanceExponent;
                var max = 0.0;
                for (var b = 0; b < batch; b++)
                {
                    var w = Math.Pow(1.0 / (tree.Get(leaves[b]) / tree.Total + 1e-10), beta);
                    weights[s * batch + b] = (float)w;
                    max = Math.Max(max, w);
                }
                for (var b = 0; b < batch; b++) weights[s * batch + b] = (float)(weights[s * batch + b] / max);
            }
            for (var b = 0; b < batch; b++)
            {
                var row = s * batch + b;
                sample.Slots[row] = leaves[b];
                Transition(s, leaves[b], row, sample);
            }
        }
    }

    /// <summary>
    /// Sets the priorities of the slots of <paramref name="batch"/> ([S B], non-negative; dopamine's Rainbow passes
    /// sqrt(loss + 1e-10)). A slot overwritten since it was sampled keeps priority 0 until it can be sampled again.
    /// </summary>
    public void SetPriorities(ReplayBatch batch, ReadOnlySpan<float> priorities) => SetPriorities(batch.Slots, priorities);

    /// <summary>The same for the slots [S B] of a <see cref="ReplaySample"/> (or of a batch).</summary>
    public void SetPriorities(ReadOnlySpan<int> slots, ReadOnlySpan<float> priorities)
    {
        if (trees is null) throw new InvalidOperationException("priorities are for prioritised replay; this buffer samples uniformly");
        var per = slots.Length / copies;
        if (priorities.Length != slots.Length) throw new ArgumentException($"{priorities.Length} priorities for {slots.Length} sampled transitions", nameof(priorities));
        for (var r = 0; r < priorities.Length; r++)
        {
            var tree = trees[r / per];
            if (tree.Get(slots[r]) > 0) tree.Set(slots[r], priorities[r]);
        }
    }

    /// <summary>Copy <paramref name="copy"/>'s priority of slot <paramref name="slot"/> (tests, diagnostics).</summary>
    public double Priority(int copy, int slot) => trees is null ? throw new InvalidOperationException("uniform replay has no priorities") : trees[copy].Get(slot);

    /// <summary>Reads the n-step transition starting at <paramref name="leaf"/> (slot x E + environment) into row <paramref name="row"/>.</summary>
    void Transition(int s, int leaf, int row, ReplaySample sample)
    {
        var slot = leaf / envs;
        var e = leaf % envs;
        var at = Index(s, slot, e);
        sample.Actions[row] = actions[at];
        var total = 0.0;
        var m = 0;
        var terminal = false;
        while (m < Options.NStep)
        {
            var k = Index(s, (slot + m) % stepsCapacity, e);
            total += discountPowers[m] * rewards[k];
            m++;
            if (dones[k]) { terminal = true; break; }
        }
        sample.Returns[row] = (float)total;
        sample.Discounts[row] = terminal ? 0f : (float)discountPowers[m];
        ReadObservation(at, sample.Observations.AsSpan(row * obsSize, obsSize));
        ReadObservation(Index(s, (slot + m) % stepsCapacity, e), sample.NextObservations.AsSpan(row * obsSize, obsSize));
    }

    void ReadObservation(int at, Span<float> into)
    {
        var start = (long)at * obsSize;
        if (floatObs is not null) { floatObs.AsSpan((int)start, obsSize).CopyTo(into); return; }
        var source = byteObs.AsSpan((int)start, obsSize);
        var k = 0;
        // Widened a vector at a time: sampling converts 2 B observations per gradient step.
        if (Vector.IsHardwareAccelerated)
            for (var n = Vector<byte>.Count; k + n <= obsSize; k += n)
            {
                Vector.Widen(new Vector<byte>(source.Slice(k, n)), out var low, out var high);
                Vector.Widen(low, out var a, out var b);
                Vector.Widen(high, out var c, out var d);
                var q = Vector<uint>.Count;
                Vector.ConvertToSingle(a).CopyTo(into.Slice(k));
                Vector.ConvertToSingle(b).CopyTo(into.Slice(k + q));
                Vector.ConvertToSingle(c).CopyTo(into.Slice(k + 2 * q));
                Vector.ConvertToSingle(d).CopyTo(into.Slice(k + 3 * q));
            }
        for (; k < obsSize; k++) into[k] = source[k];
    }

    int Index(int copy, int slot, int env) => (copy * stepsCapacity + slot) * envs + env;

    /// <summary>Writes everything sampling and adding depend on: contents, position, streams and priorities.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("replay");
        writer.Write(copies); writer.Write(envs); writer.Write(obsSize); writer.Write(stepsCapacity); writer.Write((int)Storage);
        writer.Write(Added);
        if (byteObs is not null) writer.WriteArray(byteObs); else writer.WriteArray(floatObs!);
        writer.WriteArray(actions);
        writer.WriteArray(rewards);
        writer.WriteArray(dones);
        writer.WriteArray(streams);
        writer.Write(trees is not null);
        if (trees is null) return;
        foreach (var tree in trees)
        {
            writer.WriteArray(tree.Leaves());
            writer.Write(tree.MaxRecorded);
        }
    }

    /// <summary>Restores what <see cref="Save"/> wrote; a buffer of another shape or kind is refused naming the difference.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("replay");
        var (c, e, o, cap, storage) = reader.Guard(() => (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32()));
        if (c != copies || e != envs || o != obsSize || cap != stepsCapacity || storage != (int)Storage)
            throw new InvalidDataException($"{reader.Name}: its replay holds {c} x {e} environments of {o} values, {cap} steps, {(ObservationStorage)storage} storage; " +
                $"this run needs {copies} x {envs}, {obsSize}, {stepsCapacity}, {Storage}");
        var added = reader.Guard(reader.ReadInt64);
        if (added < 0) throw new InvalidDataException($"{reader.Name} is malformed (replay at step {added})");
        if (byteObs is not null) reader.ReadArray(byteObs, "the replay's observations"); else reader.ReadArray(floatObs!, "the replay's observations");
        reader.ReadArray(actions, "the replay's actions");
        reader.ReadArray(rewards, "the replay's rewards");
        reader.ReadArray(dones, "the replay's dones");
        reader.ReadArray(streams, "the replay's sampling streams");
        var prioritised = reader.Guard(reader.ReadBoolean);
        if (prioritised != (trees is not null))
            throw new InvalidDataException($"{reader.Name}: its replay is {(prioritised ? "prioritised" : "uniform")}, this run's {(trees is null ? "uniform" : "prioritised")}");
        if (trees is not null)
        {
            var leaves = new double[stepsCapacity * envs];
            foreach (var tree in trees)
            {
                reader.ReadArray(leaves, "the replay's priorities");
                tree.Restore(leaves, reader.Guard(reader.ReadDouble));
            }
        }
        Added = added;
    }
}
