using System.Diagnostics;
using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Rollouts;
using Hybrid.Scaling.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>
/// PQN-VDN (Gallici et al. 2024; JaxMARL's pqn_vdn_ff.py) for S training seeds at once on a multi-agent environment with
/// discrete actions, S x num_envs environments that run on across updates. One <see cref="Step"/> reads like its
/// <c>_update_step</c>: collect num_steps epsilon-greedy steps, keeping each step's sum over agents of their greedy
/// values; compute Peng's Q(lambda) returns of the team reward backwards over the rollout (<see cref="QTargets.PengLambda"/>);
/// then num_epochs passes over the shuffled transitions in num_minibatches minibatches, each a step of
/// (sum_i Q_i(s, a_i) - G)^2. No replay buffer, no target network: the network (dense layers with LayerNorm, shared by
/// the agents, inputs as <see cref="AgentInputs"/>) is its own target through the returns of the rollout.
/// </summary>
/// <remarks>Seeds: copy s trains from config.seed + s; its environments are seeded as the PPO family's.</remarks>
public sealed class PqnTrainer : IIterativeTrainer
{
    readonly PqnConfig config;
    readonly VectorEnv env;
    readonly bool ownsEnvironment;
    readonly int seeds, envs, agents, steps;
    readonly IBatchedModule network;
    readonly Adam optimizer;
    readonly ulong[] actionStreams, shuffleStreams;
    readonly float[] now, rolloutObs, rolloutRewards, rolloutValues, statRewards;
    readonly long[] rolloutActions;
    readonly bool[] rolloutDones;
    readonly int[] envActions;

    /// <summary>A trainer on <paramref name="env"/> (S x num_envs environments, reset here, the caller's to dispose).</summary>
    public PqnTrainer(VectorEnv env, PqnConfig config, int seeds = 1, Device? device = null) : this(env, false, config, seeds, device) { }

    /// <summary>A trainer on the registered environment <paramref name="envName"/> (created and disposed here).</summary>
    public PqnTrainer(string envName, PqnConfig config, int seeds = 1, Device? device = null)
        : this(EnvRegistry.Create(envName, checked(Math.Max(1, seeds) * Math.Max(1, config.NumEnvs))), true, config, seeds, device) { }

    PqnTrainer(VectorEnv env, bool ownsEnvironment, PqnConfig config, int seeds, Device? device)
    {
        try
        {
            if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "at least one training seed is needed");
            config.Validate();
            (this.env, this.ownsEnvironment, this.config, this.seeds) = (env, ownsEnvironment, config, seeds);
            (envs, agents, steps) = (config.NumEnvs, env.Agents.Count, config.NumSteps);
            if (agents < 2)
                throw new ArgumentException($"{Algo} learns the values of several agents; {env.Name} has one agent ({env.Agents[0]}): use dqn, rainbow, der or drq_eps");
            if (env.ActionSpaces.Any(s => s is not Discrete))
                throw new ArgumentException($"{Algo} needs discrete actions; {env.Name} has {string.Join(", ", env.ActionSpaces)}");
            if (env.NumEnvs != seeds * envs)
                throw new ArgumentException($"{env.Name} has {env.NumEnvs} environments; {seeds} seeds x num_envs {envs} need {seeds * envs}");
            Device = device ?? CPU;
            Inputs = AgentInputs.For(env, Device);
            var layout = new ParameterLayout();
            var modules = new List<IBatchedModule>();
            var width = Inputs.InputSize;
            for (var l = 0; l < config.NumLayers; l++)
            {
                modules.Add(new Dense(layout, $"hidden.{l}", width, config.HiddenSize, init: Inits.LecunNormal));
                if (config.NormType == PqnNorm.LayerNorm) modules.Add(new LayerNorm(layout, $"norm.{l}", config.HiddenSize));
                modules.Add(new ActivationLayer(Activation.Relu));
                width = config.HiddenSize;
            }
            modules.Add(new Dense(layout, "q", width, Inputs.Actions, init: Inits.LecunNormal));
            network = new Sequential("pqn", modules.ToArray());
            var runSeeds = Enumerable.Range(0, seeds).Select(k => config.Seed + k).ToArray();
            Parameters = layout.Build(runSeeds, Device);
            optimizer = new Adam(Parameters, config.MaxGradNorm > 0 ? config.MaxGradNorm : null, rectified: config.Optimizer == MarlQOptimizer.Radam);
            actionStreams = runSeeds.Select(s => SplitMix64.Start((ulong)s ^ 0x90E5_AC71_0000_0001UL)).ToArray();
            shuffleStreams = runSeeds.Select(s => SplitMix64.Start((ulong)s ^ 0x5A0F_F1E5_0000_0001UL)).ToArray();
            Episodes = new EpisodeStats(seeds, agents, envs);
            var n = seeds * envs;
            now = new float[n * Inputs.StateSize];
            rolloutObs = new float[seeds * steps * envs * Inputs.StateSize];    // [C, T, E, S]
            rolloutActions = new long[seeds * steps * envs * agents];            // [C, T, E, n]
            rolloutRewards = new float[seeds * steps * envs];                    // [C, T, E], team reward (scaled)
            rolloutDones = new bool[seeds * steps * envs];
            rolloutValues = new float[seeds * steps * envs];
            statRewards = new float[seeds * agents * envs];
            envActions = new int[agents * n];
            TrainingRun.ResetEnvironments(env, runSeeds, envs);
        }
        catch
        {
            if (ownsEnvironment) env.Dispose();
            throw;
        }
    }

    /// <summary>The algorithm's name.</summary>
    public string Algo => "pqn_vdn";

    /// <summary>The settings.</summary>
    public PqnConfig Config => config;

    /// <summary>Where the network lives.</summary>
    public Device Device { get; }

    /// <summary>The agents' input layout.</summary>
    public AgentInputs Inputs { get; }

    /// <summary>The network's parameters [S, P].</summary>
    public ParameterStore Parameters { get; }

    /// <summary>Training seeds S.</summary>
    public int Seeds => seeds;

    /// <summary>Finished training episodes per seed.</summary>
    public EpisodeStats Episodes { get; }

    /// <summary>The environment batch (S x E).</summary>
    public VectorEnv Environment => env;

    /// <summary>Updates done.</summary>
    public int Iteration { get; private set; }

    /// <summary>Environment steps of each seed so far.</summary>
    public long EnvSteps { get; private set; }

    /// <summary>Gradient steps taken.</summary>
    public long GradSteps => optimizer.Steps;

    /// <summary>The trainer of the PQN-VDN run in <paramref name="directory"/> as its checkpoint left it (nothing is written).</summary>
    public static PqnTrainer Open(string directory, Device? device = null)
    {
        var (algo, env, seeds, settings) = TrainingRun.ReadConfigJson(directory);
        if (algo != "pqn_vdn") throw new InvalidDataException($"{Path.Combine(directory, "config.json")}: '{algo}' is not pqn_vdn");
        var config = TrainingRun.BindSettings<PqnConfig>(directory, settings);
        return TrainingRun.OpenTrainer(directory, () => new PqnTrainer(env, config, seeds, device));
    }

    /// <summary>Epsilon-greedy actions [C, X, n] at states [C, X, S] with the uniform draws from <paramref name="streams"/> (one per copy): an evaluation's, the trainer's own streams are not touched.</summary>
    public int[] Act(Tensor states, double epsilon, ulong[] streams)
    {
        if (streams.Length != seeds) throw new ArgumentException($"{streams.Length} action streams for {seeds} seeds", nameof(streams));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Inputs.EpsilonGreedy(Values(states), epsilon, streams);
    }

    /// <summary>Action values [C, X n, A] at states [C, X, S].</summary>
    public Tensor Values(Tensor states) => network.Forward(Parameters, Inputs.From(states), new ForwardContext()).Value;

    /// <summary>Sum over agents of each agent's greedy valid value [C, X] from values [C, X n, A].</summary>
    Tensor TeamGreedyValue(Tensor values) =>
        (values.view(values.shape[0], -1, agents, Inputs.Actions) - Inputs.InvalidPenalty).amax(new long[] { -1 }).sum(-1);

    /// <summary>Runs one update: rollout, Q(lambda) returns, epochs of minibatch steps.</summary>
    public UpdateMetrics Step()
    {
        if (Iteration >= config.NumUpdates) throw new InvalidOperationException($"all {config.NumUpdates} updates are done");
        var clock = Stopwatch.StartNew();
        var before = Episodes.Counts();
        var epsilon = config.Epsilon(Iteration);
        var lastValue = Collect(epsilon);
        var targets = QTargets.PengLambda(rolloutRewards, rolloutDones, rolloutValues, lastValue, seeds, steps, envs, config.Gamma, config.Lambda);
        var (loss, q) = Learn(targets);
        Iteration++;
        var result = new UpdateMetrics(Iteration, EnvSteps, seeds);
        var (counts, returns) = Episodes.Since(before);
        result.Add("return", returns).Add("episodes", counts).Add("loss", loss).Add("q", q);
        var seconds = clock.Elapsed.TotalSeconds;
        result.Add("epsilon", epsilon).Add("lr", config.LearningRateAt(GradSteps))
            .Add("steps_per_second", seconds > 0 ? (double)steps * envs * seeds / seconds : 0).Add("seconds", seconds);
        return result;
    }

    /// <summary>The rollout into the rollout arrays; returns the team greedy value after the last step [C, E].</summary>
    float[] Collect(double epsilon)
    {
        var n = seeds * envs;
        var stateSize = Inputs.StateSize;
        var scale = (float)config.RewScale;
        for (var t = 0; t < steps; t++)
        {
            Inputs.ReadStates(env, now);
            for (var r = 0; r < n; r++)
                now.AsSpan(r * stateSize, stateSize).CopyTo(rolloutObs.AsSpan(Row(r, t) * stateSize, stateSize));
            int[] actions;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var values = Values(tensor(now, new long[] { seeds, envs, stateSize }).to(Device));
                actions = Inputs.EpsilonGreedy(values, epsilon, actionStreams, out var greedy);
                var team = greedy.sum(-1).cpu().data<float>().ToArray();
                for (var r = 0; r < n; r++) rolloutValues[Row(r, t)] = team[r];
            }
            for (var r = 0; r < n; r++)
                for (var a = 0; a < agents; a++)
                {
                    envActions[a * n + r] = actions[r * agents + a];
                    rolloutActions[Row(r, t) * agents + a] = actions[r * agents + a];
                }
            env.Step(envActions);
            for (var s = 0; s < seeds; s++)
                for (var e = 0; e < envs; e++)
                {
                    var r = s * envs + e;
                    var team = 0f;
                    for (var a = 0; a < agents; a++)
                    {
                        var reward = env.Rewards[a * n + r];
                        statRewards[(s * agents + a) * envs + e] = reward;
                        team += reward;
                    }
                    rolloutRewards[Row(r, t)] = scale * team;
                    rolloutDones[Row(r, t)] = env.AllDones[r];
                }
            EnvSteps += envs;
            Episodes.Add(statRewards, env.AllDones, EnvSteps);
        }
        Inputs.ReadStates(env, now);
        using var final = NewDisposeScope();
        using var _ = no_grad();
        return TeamGreedyValue(Values(tensor(now, new long[] { seeds, envs, stateSize }).to(Device))).cpu().data<float>().ToArray();
    }

    /// <summary>Flat index of environment row r (= s E + e) at step t in the [C, T, E] layout.</summary>
    int Row(int r, int t) => (r / envs * steps + t) * envs + r % envs;

    /// <summary>The epochs of minibatch steps on the rollout; returns the per-seed mean loss and mean chosen value.</summary>
    (double[] Loss, double[] Q) Learn(float[] targets)
    {
        using var scope = NewDisposeScope();
        var transitions = steps * envs;
        var size = transitions / config.NumMinibatches;
        var stateSize = Inputs.StateSize;
        var obs = tensor(rolloutObs, new long[] { seeds, transitions, stateSize }).to(Device);
        var acts = tensor(rolloutActions, new long[] { seeds, transitions, agents }).to(Device);
        var goal = tensor(targets, new long[] { seeds, transitions }).to(Device);
        var loss = new double[seeds];
        var q = new double[seeds];
        var order = new long[seeds * transitions];
        for (var epoch = 0; epoch < config.NumEpochs; epoch++)
        {
            for (var s = 0; s < seeds; s++) Shuffle(order.AsSpan(s * transitions, transitions), ref shuffleStreams[s]);
            using var permutation = tensor(order, new long[] { seeds, transitions }).to(Device);
            for (var m = 0; m < config.NumMinibatches; m++)
            {
                using var step = NewDisposeScope();
                var index = permutation.narrow(1, m * size, size);
                var states = obs.gather(1, index.unsqueeze(-1).expand(-1, -1, stateSize));
                var chosenActions = acts.gather(1, index.unsqueeze(-1).expand(-1, -1, agents));
                var values = Values(states).view(seeds, size, agents, Inputs.Actions);
                var chosen = values.gather(-1, chosenActions.unsqueeze(-1)).squeeze(-1);             // [C, mb, n]
                var perCopy = (chosen.sum(-1) - goal.gather(1, index)).Squared().mean(new long[] { 1 });
                perCopy.sum().backward();
                optimizer.Step(config.LearningRateAt(GradSteps));
                var l = perCopy.detach().to_type(ScalarType.Float64).cpu().data<double>().ToArray();
                var v = chosen.detach().mean(new long[] { 1, 2 }).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
                for (var s = 0; s < seeds; s++) { loss[s] += l[s]; q[s] += v[s]; }
            }
        }
        var count = config.NumEpochs * config.NumMinibatches;
        return (loss.Select(x => x / count).ToArray(), q.Select(x => x / count).ToArray());
    }

    /// <summary>A uniform permutation of 0 .. n - 1 (Fisher-Yates) from <paramref name="stream"/>.</summary>
    static void Shuffle(Span<long> order, ref ulong stream)
    {
        for (var i = 0; i < order.Length; i++) order[i] = i;
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = SplitMix64.Below(ref stream, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
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

    /// <summary>What a checkpoint of this run says about itself.</summary>
    public StateHeader CheckpointHeader() => TrainerCheckpoint.Header(Kind, 1, "PQN-VDN", Algo, env, seeds, ConfigBinder.ToJson(config));

    /// <summary>The checkpoint kind.</summary>
    public const string Kind = "pqn-checkpoint";

    /// <summary>Writes counters, parameters, optimiser, streams, environments and episode statistics.</summary>
    public void Save(StateWriter writer)
    {
        writer.Section("pqn");
        writer.Write(Iteration);
        writer.Write(EnvSteps);
        writer.WriteTensor(Parameters.Values);
        optimizer.Save(writer);
        writer.WriteArray(actionStreams);
        writer.WriteArray(shuffleStreams);
        env.SaveState(writer);
        Episodes.Save(writer);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public void Load(StateReader reader)
    {
        reader.Section("pqn");
        var (iteration, envSteps) = reader.Guard(() => (reader.ReadInt32(), reader.ReadInt64()));
        if (iteration < 0 || iteration > config.NumUpdates) throw new InvalidDataException($"{reader.Name} is at update {iteration}, this run has {config.NumUpdates}");
        using (no_grad()) reader.ReadInto(Parameters.Values, "the network's parameters");
        optimizer.Load(reader);
        reader.ReadArray(actionStreams, "the action streams");
        reader.ReadArray(shuffleStreams, "the shuffle streams");
        reader.Guard(() => { env.LoadState(reader); return 0; });
        reader.Guard(() => { Episodes.Load(reader); return 0; });
        (Iteration, EnvSteps) = (iteration, envSteps);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        optimizer.Dispose();
        Parameters.Dispose();
        Inputs.Dispose();
        if (ownsEnvironment) env.Dispose();
    }
}
