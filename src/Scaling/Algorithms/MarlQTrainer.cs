using System.Diagnostics;
using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Replay;
using Hybrid.Scaling.Training;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// IQL, VDN and QMIX (JaxMARL's value-based baselines) for S training seeds at once on a multi-agent environment with
/// discrete actions, given as S x num_envs environments (seed s owns environments s E .. s E + E - 1). One
/// <see cref="Step"/> is one of JaxMARL's updates and reads like its <c>_update_step</c>: reset the environments and
/// the GRU states, roll num_steps epsilon-greedy steps, add the rollout to the episode replay as one chunk per
/// environment, take num_epochs gradient steps on fresh samples once the replay can be sampled and more than
/// learning_starts steps were taken, and refresh the target network every target_update_interval updates.
/// </summary>
/// <remarks>
/// Seeds: copy s trains from config.seed + s (network, actions, replay); the environments of update u get seeds
/// SplitMix64.Start(seed + s) + u E + e. Returns are the training (epsilon-greedy) episodes', averaged over agents, as
/// the PPO family reports them; the one partial episode a rollout cuts off is dropped.
/// </remarks>
public sealed class MarlQTrainer : IIterativeTrainer
{
    readonly MarlQConfig config;
    readonly VectorEnv env;
    readonly bool ownsEnvironment;
    readonly int seeds, envs, agents, steps, stateSize;
    readonly float[] now, chunkObs, chunkRewards, statRewards;
    readonly int[] chunkActions, envActions;
    readonly bool[] chunkDones, starts;
    readonly ulong[] envSeedStarts;

    /// <summary>A trainer on <paramref name="env"/> (S x num_envs environments, the caller's to dispose).</summary>
    public MarlQTrainer(string algo, VectorEnv env, MarlQConfig config, int seeds = 1, Device? device = null) : this(algo, env, false, config, seeds, device) { }

    /// <summary>A trainer on the registered environment <paramref name="envName"/> (created and disposed here).</summary>
    public MarlQTrainer(string algo, string envName, MarlQConfig config, int seeds = 1, Device? device = null)
        : this(algo, EnvRegistry.Create(envName, checked(Math.Max(1, seeds) * Math.Max(1, config.NumEnvs))), true, config, seeds, device) { }

    MarlQTrainer(string algo, VectorEnv env, bool ownsEnvironment, MarlQConfig config, int seeds, Device? device)
    {
        try
        {
            if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "at least one training seed is needed");
            var mixing = MarlQConfig.MixingOf(algo);
            config.Validate();
            (Algo, this.env, this.ownsEnvironment, this.config, this.seeds) = (algo, env, ownsEnvironment, config, seeds);
            (envs, agents, steps) = (config.NumEnvs, env.Agents.Count, config.NumSteps);
            if (agents < 2)
                throw new ArgumentException($"{algo} learns the values of several agents; {env.Name} has one agent ({env.Agents[0]}): use dqn, rainbow, der or drq_eps");
            var discrete = env.ActionSpaces.Select(s => s as Discrete).ToArray();
            if (discrete.Any(d => d is null))
                throw new ArgumentException($"{algo} needs discrete actions; {env.Name} has {string.Join(", ", env.ActionSpaces)}");
            if (env.NumEnvs != seeds * envs)
                throw new ArgumentException($"{env.Name} has {env.NumEnvs} environments; {seeds} seeds x num_envs {envs} need {seeds * envs}");
            var runSeeds = Enumerable.Range(0, seeds).Select(k => config.Seed + k).ToArray();
            Learner = new MarlQLearner(mixing, Enumerable.Range(0, agents).Select(env.ObservationSize).ToArray(), discrete.Select(d => d!.N).ToArray(), config, runSeeds, device);
            stateSize = Learner.StateSize;
            Replay = new ChunkReplay(seeds, envs, steps, agents, stateSize, config.BufferSize, runSeeds);
            Episodes = new EpisodeStats(seeds, agents, envs);
            envSeedStarts = runSeeds.Select(s => SplitMix64.Start((ulong)s)).ToArray();
            now = new float[seeds * envs * stateSize];
            chunkObs = new float[seeds * envs * steps * stateSize];
            chunkActions = new int[seeds * envs * steps * agents];
            chunkRewards = new float[chunkActions.Length];
            chunkDones = new bool[seeds * envs * steps];
            statRewards = new float[seeds * agents * envs];
            envActions = new int[agents * seeds * envs];
            starts = new bool[seeds * envs];
        }
        catch
        {
            if (ownsEnvironment) env.Dispose();
            throw;
        }
    }

    /// <summary>The algorithm's name (iql, vdn or qmix).</summary>
    public string Algo { get; }

    /// <summary>The settings.</summary>
    public MarlQConfig Config => config;

    /// <summary>Training seeds S.</summary>
    public int Seeds => seeds;

    /// <summary>The learner (networks, optimiser, acting).</summary>
    public MarlQLearner Learner { get; }

    /// <summary>The episode replay.</summary>
    public ChunkReplay Replay { get; }

    /// <summary>Finished training episodes per seed.</summary>
    public EpisodeStats Episodes { get; }

    /// <summary>The environment batch (S x E).</summary>
    public VectorEnv Environment => env;

    /// <summary>Updates (rollouts) done.</summary>
    public int Iteration { get; private set; }

    /// <summary>Environment steps of each seed so far (all its environments).</summary>
    public long EnvSteps { get; private set; }

    /// <summary>Runs one update: a rollout of num_steps in every environment, its gradient steps and the target refresh.</summary>
    public UpdateMetrics Step()
    {
        if (Iteration >= config.NumUpdates) throw new InvalidOperationException($"all {config.NumUpdates} updates are done");
        var clock = Stopwatch.StartNew();
        var before = Episodes.Counts();
        var epsilon = config.Epsilon(Iteration);
        Collect(epsilon);
        EnvSteps += (long)steps * envs;
        Replay.Add(chunkObs, chunkActions, chunkRewards, chunkDones);
        var sums = MarlQLearner.MetricNames.Select(_ => new double[seeds]).ToArray();
        var gradSteps = 0;
        var learningRate = config.LearningRateAt(Learner.GradSteps);
        if (Replay.CanSample(config.BufferBatchSize) && EnvSteps > config.LearningStarts)
            for (var k = 0; k < config.NumEpochs; k++)
            {
                learningRate = config.LearningRateAt(Learner.GradSteps);
                using var batch = Replay.Sample(config.BufferBatchSize, Learner.Online.Values.device);
                var metrics = Learner.Update(batch, learningRate);
                for (var m = 0; m < sums.Length; m++)
                    for (var s = 0; s < seeds; s++) sums[m][s] += metrics[m][s];
                gradSteps++;
            }
        if (Iteration % config.TargetUpdateInterval == 0) Learner.UpdateTarget();
        Iteration++;
        var result = new UpdateMetrics(Iteration, EnvSteps, seeds);
        var (counts, returns) = Episodes.Since(before);
        result.Add("return", returns).Add("episodes", counts);
        for (var m = 0; m < sums.Length; m++)
            result.Add(MarlQLearner.MetricNames[m], sums[m].Select(x => gradSteps == 0 ? double.NaN : x / gradSteps).ToArray());
        var seconds = clock.Elapsed.TotalSeconds;
        result.Add("epsilon", epsilon).Add("lr", learningRate).Add("grad_steps", gradSteps)
            .Add("steps_per_second", seconds > 0 ? (double)steps * envs * seeds / seconds : 0).Add("seconds", seconds);
        return result;
    }

    /// <summary>The rollout of one update into the chunk arrays (layout [S, E, T, ...]).</summary>
    void Collect(double epsilon)
    {
        var envSeeds = new ulong[seeds * envs];
        for (var s = 0; s < seeds; s++)
            for (var e = 0; e < envs; e++) envSeeds[s * envs + e] = envSeedStarts[s] + (ulong)Iteration * (ulong)envs + (ulong)e;
        env.Reset(envSeeds);
        Episodes.ClearRunning();
        Array.Clear(starts);
        Tensor? hidden = null;
        var n = seeds * envs;
        try
        {
            for (var t = 0; t < steps; t++)
            {
                Learner.Inputs.ReadStates(env, now);
                for (var r = 0; r < n; r++) now.AsSpan(r * stateSize, stateSize).CopyTo(chunkObs.AsSpan((r * steps + t) * stateSize, stateSize));
                int[] actions;
                using (var states = tensor(now, new long[] { seeds, envs, stateSize }).to(Learner.Online.Values.device))
                    actions = Learner.Act(states, ref hidden, starts, epsilon);
                for (var r = 0; r < n; r++)
                    for (var a = 0; a < agents; a++)
                    {
                        envActions[a * n + r] = actions[r * agents + a];
                        chunkActions[(r * steps + t) * agents + a] = actions[r * agents + a];
                    }
                env.Step(envActions);
                var scale = (float)config.RewScale;
                for (var s = 0; s < seeds; s++)
                    for (var a = 0; a < agents; a++)
                        for (var e = 0; e < envs; e++)
                        {
                            var r = s * envs + e;
                            var reward = env.Rewards[a * n + r];
                            statRewards[(s * agents + a) * envs + e] = reward;
                            chunkRewards[(r * steps + t) * agents + a] = scale * reward;
                        }
                for (var r = 0; r < n; r++) chunkDones[r * steps + t] = starts[r] = env.AllDones[r];
                Episodes.Add(statRewards, env.AllDones, EnvSteps + (long)(t + 1) * envs);
            }
        }
        finally { hidden?.Dispose(); }
    }

    /// <summary>Runs the remaining updates, reporting each.</summary>
    public void Train(Action<UpdateMetrics>? onIteration = null) => TrainingRun.TrainAll(this, onIteration);

    long IIterativeTrainer.FirstSeed => config.Seed;
    int IIterativeTrainer.Iterations => config.NumUpdates;
    int IIterativeTrainer.CheckpointEvery => config.CheckpointEvery;
    long IIterativeTrainer.StepsPerIteration => (long)steps * envs;
    string IIterativeTrainer.ConfigJson() => TrainingRun.ConfigJson(Algo, env.Name, seeds, ConfigBinder.ToJson(config));

    /// <summary>Each seed's mean return over the last 10% of its finished episodes.</summary>
    public double[] FinalReturns() => Enumerable.Range(0, seeds).Select(s => Episodes.FinalReturn(s)).ToArray();

    /// <summary>What a checkpoint of this run says about itself: algorithm, environment, seeds and settings must match on resume.</summary>
    public StateHeader CheckpointHeader() => TrainerCheckpoint.Header(MarlQCheckpoint.Kind, MarlQCheckpoint.Version, Algo.ToUpperInvariant(), Algo, env, seeds, ConfigBinder.ToJson(config));

    /// <summary>Writes everything the next update depends on: counters, learner, replay and episode statistics (the environments are reset by every update).</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("marl q");
        writer.Write(Iteration);
        writer.Write(EnvSteps);
        Learner.Save(writer);
        Replay.Save(writer);
        Episodes.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("marl q");
        var (iteration, envSteps) = reader.Guard(() => (reader.ReadInt32(), reader.ReadInt64()));
        if (iteration < 0 || iteration > config.NumUpdates) throw new InvalidDataException($"{reader.Name} is at update {iteration}, this run has {config.NumUpdates}");
        Learner.Load(reader);
        Replay.Load(reader);
        reader.Guard(() => { Episodes.Load(reader); return 0; });
        (Iteration, EnvSteps) = (iteration, envSteps);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Learner.Dispose();
        if (ownsEnvironment) env.Dispose();
    }
}

/// <summary>IQL/VDN/QMIX checkpoints in the state format: kind "marl-q-checkpoint", the trainer's identity, its state (replay included).</summary>
public static class MarlQCheckpoint
{
    /// <summary>The kind written in the header.</summary>
    public const string Kind = "marl-q-checkpoint";

    /// <summary>Layout version.</summary>
    public const int Version = 1;
}
