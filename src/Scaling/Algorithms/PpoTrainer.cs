using System.Diagnostics;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>Per-seed numbers of one PPO update (means over its minibatch steps; returns over the episodes that ended in its rollout).</summary>
/// <param name="Update">Update index, from 1.</param>
/// <param name="EnvSteps">Environment steps of each seed so far.</param>
/// <param name="Returns">Mean return of the episodes finished in this rollout, per seed (NaN if none).</param>
/// <param name="Episodes">Episodes finished in this rollout, per seed.</param>
/// <param name="ActorLoss">Clipped surrogate loss per seed.</param>
/// <param name="ValueLoss">Value loss per seed.</param>
/// <param name="Entropy">Policy entropy per seed.</param>
/// <param name="ApproxKl">Mean old-minus-new log-probability per seed.</param>
/// <param name="ClipFraction">Share of clipped ratios per seed.</param>
/// <param name="GradNorm">Gradient norm before clipping per seed (of the first parameter set).</param>
/// <param name="LearningRate">Learning rate of this update.</param>
/// <param name="Seconds">Wall time of the update (rollout and learning).</param>
/// <param name="RolloutSeconds">Part of <paramref name="Seconds"/> spent collecting the rollout.</param>
public sealed record PpoUpdateMetrics(int Update, long EnvSteps, double[] Returns, int[] Episodes, double[] ActorLoss, double[] ValueLoss, double[] Entropy,
    double[] ApproxKl, double[] ClipFraction, double[] GradNorm, double LearningRate, double Seconds, double RolloutSeconds);

/// <summary>
/// PPO, IPPO and MAPPO (PureJaxRL / JaxMARL semantics) for S training seeds at once: one batch of S x E environments,
/// networks with a copy dimension, and per-seed random streams, so seed k's run depends on its seed only.
/// </summary>
/// <remarks>
/// <para>Actors: seed s, agent a, environment e is actor s N + a E + e with N = A E (JaxMARL's agent-major batchify per
/// seed); IPPO and MAPPO share one network among the agents. Observations of different sizes are zero-padded to the
/// largest (JaxMARL's batchify); MAPPO's critic reads the concatenation of all agents' (unpadded) observations.</para>
/// <para>One update: T steps of every environment (actions sampled on the CPU from the copied logits), GAE on the rollout
/// (done = the step's "__all__" done), then update_epochs passes of num_minibatches minibatches: transitions shuffled per
/// seed (feed-forward), or whole sequences of actors from the rollout's first hidden state (recurrent). The learning rate
/// of update u (from 0) is lr (1 - u / NUM_UPDATES) with annealing.</para>
/// </remarks>
public sealed class PpoTrainer : IDisposable
{
    const string Magic = "hybrid-ppo-checkpoint-1";
    readonly PpoConfig config;
    readonly VectorEnv env;
    readonly ActorCritic network;
    readonly Adam[] optimisers;
    readonly Device device;
    readonly int seeds, envs, agents, actors, actionSize, steps;
    readonly ActorObservations inputs;
    readonly bool continuous;
    readonly Box? actionBox;
    readonly ulong[] actionRng, shuffleRng;
    readonly bool[] lastDone;                 // [S, N]: the observation each actor sees starts a new episode
    Tensor? actorHidden, criticHidden;         // [S, N, H]
    Tensor? rolloutStartActor, rolloutStartCritic;
    // Rollout storage, [T, S, N] (+ feature dimension).
    readonly Tensor obsBuffer;
    readonly Tensor? worldBuffer;
    readonly int[] actions;
    readonly float[] continuousActions, logProbs, values, rewards, advantages, targets, lastValues;
    readonly bool[] dones, resets;
    readonly int[] envActions;
    readonly float[] envContinuous;
    readonly float[] stepRewards;
    readonly EpisodeStats episodes;

    /// <summary>Creates the environments (S x E, seed s's environment e seeded from seed + s), the networks and optimisers.</summary>
    public PpoTrainer(PpoVariant variant, string envName, PpoConfig config, int seeds = 1, Device? device = null)
    {
        if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "at least one training seed is needed");
        this.config = config;
        this.seeds = seeds;
        this.device = device ?? CPU;
        Variant = variant;
        envs = config.NumEnvs;
        steps = config.NumSteps;
        env = EnvRegistry.Create(envName, seeds * envs);
        agents = env.Agents.Count;
        if (variant == PpoVariant.Ppo && agents != 1)
            throw new ArgumentException($"ppo trains single-agent environments; {envName} has {agents} agents ({string.Join(", ", env.Agents)}): use ippo or mappo");
        config.Validate(agents);
        actors = agents * envs;
        var space = env.ActionSpaces[0];
        if (env.ActionSpaces.Any(s => !s.Equals(space) && !(s is Box b && space is Box b0 && b.Shape.SequenceEqual(b0.Shape) && b.Low == b0.Low && b.High == b0.High)))
            throw new ArgumentException($"{variant.ToString().ToLowerInvariant()} shares one network among the agents, which needs the same action space for all; {envName} has {string.Join(", ", env.ActionSpaces)}");
        continuous = space is Box;
        actionBox = space as Box;
        actionSize = space switch
        {
            Discrete d => d.N,
            Box b => b.FlatSize,
            _ => throw new ArgumentException($"{envName}: action space {space} is neither Discrete nor Box"),
        };
        inputs = new ActorObservations(env, seeds, config.AgentId, variant == PpoVariant.Mappo, this.device);
        var runSeeds = Enumerable.Range(0, seeds).Select(k => config.Seed + k).ToArray();
        network = new ActorCritic(new NetworkSpec(inputs.Size, actionSize, continuous, config.Activation, config.Hidden, config.Layers, config.Recurrent, config.GruHidden,
            variant == PpoVariant.Mappo ? inputs.WorldSize : null), runSeeds, this.device);
        optimisers = network.ParameterSets.Select(p => new Adam(p, config.MaxGradNorm, epsilon: 1e-5)).ToArray();
        actionRng = runSeeds.Select(s => SplitMix64.Start((ulong)s ^ 0xA5A5_0F0F_1234_5678UL)).ToArray();
        shuffleRng = runSeeds.Select(s => SplitMix64.Start((ulong)s ^ 0x0123_4567_89AB_CDEFUL)).ToArray();
        // Seed s's environments get seeds from their own range: a hash of the run seed, plus e.
        var envSeeds = new ulong[seeds * envs];
        for (var s = 0; s < seeds; s++)
        {
            var start = SplitMix64.Start((ulong)runSeeds[s]);
            for (var e = 0; e < envs; e++) envSeeds[s * envs + e] = start + (ulong)e;
        }
        env.Reset(envSeeds);
        lastDone = new bool[seeds * actors];
        if (config.Recurrent)
        {
            actorHidden = zeros(seeds, actors, config.GruHidden, device: this.device);
            actorHidden.DetachFromDisposeScope();
            if (network.CriticHasOwnHidden)
            {
                criticHidden = zeros(seeds, actors, config.GruHidden, device: this.device);
                criticHidden.DetachFromDisposeScope();
            }
        }
        var size = steps * seeds * actors;
        obsBuffer = zeros(steps, seeds, actors, inputs.Size, device: this.device);
        obsBuffer.DetachFromDisposeScope();
        if (inputs.WorldSize > 0)
        {
            worldBuffer = zeros(steps, seeds, actors, inputs.WorldSize, device: this.device);
            worldBuffer.DetachFromDisposeScope();
        }
        actions = new int[continuous ? 0 : size];
        continuousActions = new float[continuous ? size * actionSize : 0];
        logProbs = new float[size];
        values = new float[size];
        rewards = new float[size];
        advantages = new float[size];
        targets = new float[size];
        dones = new bool[size];
        resets = new bool[size];
        lastValues = new float[seeds * actors];
        envActions = new int[continuous ? 0 : seeds * actors];
        envContinuous = new float[continuous ? seeds * actors * actionSize : 0];
        stepRewards = new float[seeds * actors];
        episodes = new EpisodeStats(seeds, agents, envs);
    }

    /// <summary>The algorithm.</summary>
    public PpoVariant Variant { get; }

    /// <summary>The settings.</summary>
    public PpoConfig Config => config;

    /// <summary>Training seeds S.</summary>
    public int Seeds => seeds;

    /// <summary>The networks (copy k belongs to seed Config.Seed + k).</summary>
    public ActorCritic Network => network;

    /// <summary>Updates done.</summary>
    public int Update { get; private set; }

    /// <summary>Environment steps of each seed so far.</summary>
    public long EnvSteps => (long)Update * steps * envs;

    /// <summary>Finished episodes per seed.</summary>
    public EpisodeStats Episodes => episodes;

    /// <summary>The environment batch (S x E).</summary>
    public VectorEnv Environment => env;

    /// <summary>Runs one update (rollout and learning).</summary>
    public PpoUpdateMetrics Step()
    {
        if (Update >= config.NumUpdates) throw new InvalidOperationException($"all {config.NumUpdates} updates are done");
        var clock = Stopwatch.StartNew();
        var before = Enumerable.Range(0, seeds).Select(s => episodes.Finished(s).Count).ToArray();
        using (var scope = NewDisposeScope()) Rollout();
        var rolloutSeconds = clock.Elapsed.TotalSeconds;
        Gae.Compute(rewards, values, dones, lastValues, (float)config.Gamma, (float)config.GaeLambda, advantages, targets);
        var lr = config.AnnealLr ? config.LearningRate * (1 - (double)Update / config.NumUpdates) : config.LearningRate;
        double[][] sums;
        using (var scope = NewDisposeScope()) sums = Learn(lr);
        Update++;
        var updates = config.UpdateEpochs * config.NumMinibatches;
        var returns = new double[seeds];
        var counts = new int[seeds];
        for (var s = 0; s < seeds; s++)
        {
            var list = episodes.Finished(s);
            counts[s] = list.Count - before[s];
            returns[s] = counts[s] == 0 ? double.NaN : list.Skip(before[s]).Average(ep => ep.Return);
        }
        double[] Mean(int k) => sums[k].Select(v => v / updates).ToArray();
        return new PpoUpdateMetrics(Update, EnvSteps, returns, counts, Mean(0), Mean(1), Mean(2), Mean(3), Mean(4), Mean(5), lr, clock.Elapsed.TotalSeconds, rolloutSeconds);
    }

    /// <summary>Runs the remaining updates, reporting each.</summary>
    public void Train(Action<PpoUpdateMetrics>? onUpdate = null)
    {
        while (Update < config.NumUpdates)
        {
            var metrics = Step();
            onUpdate?.Invoke(metrics);
        }
    }

    /// <summary>Each seed's mean return over the last 10% of its finished episodes.</summary>
    public double[] FinalReturns() => Enumerable.Range(0, seeds).Select(s => episodes.FinalReturn(s)).ToArray();

    /// <summary>
    /// Writes everything the next update depends on: the update count, parameters and optimiser moments, the
    /// environments' state, the random streams, the actors' done flags and hidden states, and the episode statistics.
    /// A trainer created with the same arguments continues after <see cref="Load"/> exactly as this one would.
    /// </summary>
    public void Save(BinaryWriter w)
    {
        w.Write(Magic);
        w.Write(Variant.ToString());
        w.Write(env.Name);
        w.Write(seeds);
        w.Write(ConfigBinder.ToJson(config));
        w.Write(Update);
        foreach (var (p, o) in network.ParameterSets.Zip(optimisers))
        {
            WriteTensor(w, p.Values);
            WriteTensor(w, o.FirstMoment);
            WriteTensor(w, o.SecondMoment);
            w.Write(o.Steps);
        }
        env.SaveState(w);
        foreach (var x in actionRng) w.Write(x);
        foreach (var x in shuffleRng) w.Write(x);
        foreach (var x in lastDone) w.Write(x);
        if (actorHidden is not null) WriteTensor(w, actorHidden);
        if (criticHidden is not null) WriteTensor(w, criticHidden);
        episodes.Save(w);
    }

    /// <summary>Restores what <see cref="Save"/> wrote; throws when it was written for another algorithm, environment, seed count or configuration.</summary>
    public void Load(BinaryReader r)
    {
        if (r.ReadString() != Magic) throw new InvalidDataException("not a PPO checkpoint");
        var (variant, name, count, json) = (r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadString());
        if (variant != Variant.ToString() || name != env.Name || count != seeds)
            throw new InvalidDataException($"the checkpoint is of {variant} on {name} with {count} seeds, this run is {Variant} on {env.Name} with {seeds}");
        if (json != ConfigBinder.ToJson(config))
            throw new InvalidDataException("the checkpoint was written with another configuration (compare its config.json); resume with the same settings");
        Update = r.ReadInt32();
        using var _ = no_grad();
        foreach (var (p, o) in network.ParameterSets.Zip(optimisers))
        {
            ReadTensor(r, p.Values);
            ReadTensor(r, o.FirstMoment);
            ReadTensor(r, o.SecondMoment);
            o.Steps = r.ReadInt64();
        }
        env.LoadState(r);
        for (var k = 0; k < actionRng.Length; k++) actionRng[k] = r.ReadUInt64();
        for (var k = 0; k < shuffleRng.Length; k++) shuffleRng[k] = r.ReadUInt64();
        for (var k = 0; k < lastDone.Length; k++) lastDone[k] = r.ReadBoolean();
        if (actorHidden is not null) ReadTensor(r, actorHidden);
        if (criticHidden is not null) ReadTensor(r, criticHidden);
        episodes.Load(r);
    }

    static void WriteTensor(BinaryWriter w, Tensor t)
    {
        var data = t.detach().cpu().data<float>().ToArray();
        w.Write(data.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }

    static void ReadTensor(BinaryReader r, Tensor t)
    {
        var n = r.ReadInt32();
        if (n != t.numel()) throw new InvalidDataException($"checkpoint tensor of {n} values, expected {t.numel()}");
        var data = new float[n];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan());
        if (r.Read(bytes) != bytes.Length) throw new EndOfStreamException("the checkpoint ends inside a tensor");
        using var source = tensor(data).view(t.shape);
        t.copy_(source);
    }

    Tensor ResetMask(ReadOnlySpan<bool> flags) => tensor(flags.ToArray(), device: device).view(1, seeds, actors);

    ActorCriticOutput Act(Tensor obs, Tensor? world)
    {
        Tensor? r = config.Recurrent ? ResetMask(lastDone) : null;
        return network.Forward(obs.unsqueeze(0), world?.unsqueeze(0), r, actorHidden, criticHidden);
    }

    void Rollout()
    {
        using var _ = no_grad();
        var width = seeds * actors;
        Remember(ref rolloutStartActor, actorHidden);
        Remember(ref rolloutStartCritic, criticHidden);
        for (var t = 0; t < steps; t++)
        {
            using var scope = NewDisposeScope();
            var (obs, world) = inputs.Read();
            obsBuffer[t].copy_(obs);
            worldBuffer?[t].copy_(world!);
            Array.Copy(lastDone, 0, resets, t * width, width);
            var output = Act(obs, world);
            KeepHidden(output);
            var policy = output.Policy.cpu().data<float>().ToArray();
            output.Value.cpu().data<float>().CopyTo(values, t * width);
            var logStd = continuous ? network.LogStd.detach().cpu().data<float>().ToArray() : null;
            for (var s = 0; s < seeds; s++)
            {
                var rows = t * width + s * actors;
                if (continuous)
                    ActionSampler.Gaussian(policy.AsSpan(s * actors * actionSize, actors * actionSize), logStd.AsSpan(s * actionSize, actionSize), ref actionRng[s],
                        continuousActions.AsSpan(rows * actionSize, actors * actionSize), logProbs.AsSpan(rows, actors));
                else
                    ActionSampler.Categorical(policy.AsSpan(s * actors * actionSize, actors * actionSize), actionSize, ref actionRng[s],
                        actions.AsSpan(rows, actors), logProbs.AsSpan(rows, actors));
            }
            StepEnvironments(t);
        }
        using var last = NewDisposeScope();
        var (lastObs, lastWorld) = inputs.Read();
        var final = Act(lastObs, lastWorld);
        final.Value.cpu().data<float>().CopyTo(lastValues, 0);
    }

    static void Remember(ref Tensor? copy, Tensor? source)
    {
        copy?.Dispose();
        copy = source?.clone();
        copy?.DetachFromDisposeScope();
    }

    void KeepHidden(ActorCriticOutput output)
    {
        if (output.ActorHidden is { } h) { actorHidden!.Dispose(); actorHidden = h.detach(); actorHidden.DetachFromDisposeScope(); }
        if (output.CriticHidden is { } c) { criticHidden!.Dispose(); criticHidden = c.detach(); criticHidden.DetachFromDisposeScope(); }
    }

    /// <summary>Sends step t's actions to the environments (agent-major over all S x E) and collects rewards and dones in the actor layout.</summary>
    void StepEnvironments(int t)
    {
        var width = seeds * actors;
        var (slots, environments) = (inputs.Slot, inputs.Environment);
        for (var actor = 0; actor < width; actor++)
        {
            if (!continuous) envActions[slots[actor]] = actions[t * width + actor];
            else
                for (var k = 0; k < actionSize; k++)
                    // The stored action (and its log-probability) is the unclipped sample; the environment gets it clipped to the Box.
                    envContinuous[slots[actor] * actionSize + k] = Math.Clamp(continuousActions[(t * width + actor) * actionSize + k], actionBox!.Low, actionBox.High);
        }
        if (continuous) env.Step(envContinuous); else env.Step(envActions);
        for (var actor = 0; actor < width; actor++)
        {
            stepRewards[actor] = env.Rewards[slots[actor]];
            rewards[t * width + actor] = env.Rewards[slots[actor]];
            dones[t * width + actor] = env.AllDones[environments[actor]];
            lastDone[actor] = env.AllDones[environments[actor]];
        }
        episodes.Add(stepRewards, env.AllDones, (long)Update * steps * envs + (long)(t + 1) * envs);
    }

    /// <summary>update_epochs x num_minibatches gradient steps; returns per-seed sums of actor loss, value loss, entropy, KL, clip fraction, grad norm.</summary>
    double[][] Learn(double lr)
    {
        var sums = Enumerable.Range(0, 6).Select(_ => new double[seeds]).ToArray();
        var width = seeds * actors;
        var shape = new long[] { steps, seeds, actors };
        var actionTensor = continuous
            ? tensor(continuousActions, device: device).view(steps, seeds, actors, actionSize)
            : tensor(actions.Select(x => (long)x).ToArray(), device: device).view(shape);
        var oldLogProb = tensor(logProbs, device: device).view(shape);
        var oldValue = tensor(values, device: device).view(shape);
        var adv = tensor(advantages, device: device).view(shape);
        var target = tensor(targets, device: device).view(shape);
        var resetMask = tensor(resets, device: device).view(shape);
        // Sequences are replayed from the hidden states the rollout started with.
        var initialActor = rolloutStartActor;
        var initialCritic = rolloutStartCritic;
        for (var epoch = 0; epoch < config.UpdateEpochs; epoch++)
        {
            var order = Shuffle(config.Recurrent ? actors : steps * actors);
            var perMinibatch = order.GetLength(1) / config.NumMinibatches;
            for (var m = 0; m < config.NumMinibatches; m++)
            {
                using var scope = NewDisposeScope();
                var chosen = new long[seeds * perMinibatch];
                for (var s = 0; s < seeds; s++)
                    for (var k = 0; k < perMinibatch; k++)
                    {
                        var p = order[s, m * perMinibatch + k];
                        // Feed-forward: p = t N + n over the seed's T x N transitions; recurrent: p = n, a whole sequence.
                        chosen[s * perMinibatch + k] = config.Recurrent ? s * actors + p : p / actors * width + s * actors + p % actors;
                    }
                var index = tensor(chosen, device: device);
                Tensor Pick(Tensor x)
                {
                    // x is [T, S, N, ...]: the minibatch as [T', S, B, ...] (T' = T, B = sequences; or T' = 1, B = transitions).
                    var rest = x.shape.Skip(3).ToArray();
                    if (config.Recurrent)
                        return x.reshape(new long[] { steps, width }.Concat(rest).ToArray()).index_select(1, index)
                            .view(new long[] { steps, seeds, perMinibatch }.Concat(rest).ToArray());
                    return x.reshape(new long[] { (long)steps * width }.Concat(rest).ToArray()).index_select(0, index)
                        .view(new long[] { 1, seeds, perMinibatch }.Concat(rest).ToArray());
                }
                Tensor? PickHidden(Tensor? h) => h?.reshape(width, -1).index_select(0, index).view(seeds, perMinibatch, -1);
                var output = network.Forward(Pick(obsBuffer), worldBuffer is null ? null : Pick(worldBuffer),
                    config.Recurrent ? Pick(resetMask) : null, PickHidden(initialActor), PickHidden(initialCritic));
                // [T', S, B, ...] -> [S, M, ...] with M = T' x B.
                Tensor Rows(Tensor x) => x.transpose(0, 1).reshape(new long[] { seeds, -1 }.Concat(x.shape.Skip(3)).ToArray());
                var (logProb, entropy) = continuous
                    ? PpoLoss.Gaussian(Rows(output.Policy), network.LogStd, Rows(Pick(actionTensor)))
                    : PpoLoss.Categorical(Rows(output.Policy), Rows(Pick(actionTensor)));
                var loss = PpoLoss.Compute(logProb, entropy, Rows(output.Value), Rows(Pick(oldLogProb)), Rows(Pick(oldValue)), Rows(Pick(adv)), Rows(Pick(target)),
                    config.ClipEps, config.VfCoef, config.EntCoef);
                loss.Total.backward();
                var norms = optimisers.Select(o => o.Step(lr)).ToArray();
                var terms = new[] { loss.Actor, loss.Value, loss.Entropy, loss.ApproxKl, loss.ClipFraction }.Select(x => x.detach().cpu().data<float>().ToArray()).ToArray();
                for (var s = 0; s < seeds; s++)
                {
                    for (var k = 0; k < terms.Length; k++) sums[k][s] += terms[k][s];
                    sums[5][s] += norms[0][s];
                }
            }
        }
        return sums;
    }

    /// <summary>A fresh permutation of 0..n-1 for each seed, from the seed's own stream (Fisher-Yates).</summary>
    long[,] Shuffle(int n)
    {
        var order = new long[seeds, n];
        for (var s = 0; s < seeds; s++)
        {
            for (var k = 0; k < n; k++) order[s, k] = k;
            for (var k = n - 1; k > 0; k--)
            {
                var j = SplitMix64.Below(ref shuffleRng[s], k + 1);
                (order[s, k], order[s, j]) = (order[s, j], order[s, k]);
            }
        }
        return order;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var o in optimisers) o.Dispose();
        network.Dispose();
        env.Dispose();
        obsBuffer.Dispose();
        worldBuffer?.Dispose();
        actorHidden?.Dispose();
        criticHidden?.Dispose();
        rolloutStartActor?.Dispose();
        rolloutStartCritic?.Dispose();
    }
}
