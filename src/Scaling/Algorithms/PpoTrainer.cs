using Hybrid.Scaling.Catalog;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Hybrid.Scaling.Distributions;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Networks;
using Hybrid.Scaling.Rollouts;
using Hybrid.Scaling.Training;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>Who controls which agents in a training run.</summary>
/// <param name="Agents">Agent names of the environment.</param>
public abstract record AgentControl(IReadOnlyList<string> Agents)
{
    /// <summary>The agents are trained by one PPO learner: one network (with its own optimiser) shared by these agents.</summary>
    public static AgentControl Learner(params string[] agents) => new LearnerControl(agents);

    /// <summary>The agents are played by <paramref name="actor"/> (a fixed strategy, scripted policy or callback) and not trained.</summary>
    public static AgentControl Fixed(IActor actor, params string[] agents) => new FixedControl(agents, actor);
}

/// <summary>Agents trained by one PPO learner.</summary>
/// <param name="Agents">Agent names.</param>
public sealed record LearnerControl(IReadOnlyList<string> Agents) : AgentControl(Agents);

/// <summary>Agents played by a given actor.</summary>
/// <param name="Agents">Agent names.</param>
/// <param name="Actor">The controller.</param>
public sealed record FixedControl(IReadOnlyList<string> Agents, IActor Actor) : AgentControl(Agents);

/// <summary>Builds the network of a learner: its inputs and outputs, one copy per seed, the device.</summary>
public delegate ActorCritic NetworkFactory(NetworkShape shape, IReadOnlyList<long> seeds, Device device);

/// <summary>
/// PPO, IPPO and MAPPO (PureJaxRL / JaxMARL semantics) for S training seeds at once, on an environment batch given as
/// an instance of S x num_envs environments: seed s owns environments s E .. s E + E - 1. Each update reads like
/// PureJaxRL's ppo.py: collect a rollout of T steps with the joint policy, compute GAE targets, update every learner.
/// </summary>
/// <remarks>
/// <para>Control: by default one learner drives every agent with one shared network (PPO on single-agent
/// environments, IPPO, and MAPPO with a centralised critic on the world state); agents whose action spaces differ
/// (MPE speaker-listener) get one shared network per action space (<see cref="DefaultControl"/>). <see cref="AgentControl"/> gives each
/// agent its own learner (own network and optimiser) or a fixed controller; only learners are trained.</para>
/// <para>Seeds: copy s of learner 0 trains from seed config.seed + s (initial values, action and minibatch streams);
/// learner l &gt; 0 from a seed derived from it and l. The trainer resets the environments: seed s's environment e
/// gets seed SplitMix64.Start(seed + s) + e. The learning rate of update u (from 0) is lr (1 - u / NUM_UPDATES) with
/// annealing.</para>
/// </remarks>
public sealed class PpoTrainer : IIterativeTrainer
{
    readonly PpoConfig config;
    readonly VectorEnv env;
    readonly bool ownsEnvironment;
    readonly PpoLearner[] learners;
    readonly int[] learnerController;     // per learner, its controller index in the joint policy
    readonly RolloutCollector collector;
    readonly Rollout rollout;
    readonly int seeds, envs, steps;

    /// <summary>
    /// A trainer on <paramref name="env"/>, which must hold <paramref name="seeds"/> x num_envs environments (it is reset
    /// here and stays the caller's to dispose). <paramref name="control"/> assigns the agents (default: one learner for
    /// all); <paramref name="network"/> builds each learner's network (default: the one <see cref="PpoConfig.NetworkOptions"/> describes).
    /// </summary>
    public PpoTrainer(PpoVariant variant, VectorEnv env, PpoConfig config, int seeds = 1, Device? device = null,
        IReadOnlyList<AgentControl>? control = null, NetworkFactory? network = null)
        : this(variant, env, false, config, seeds, device, control, network) { }

    /// <summary>A trainer on the registered environment <paramref name="envName"/> with its default settings (created here with seeds x num_envs environments, disposed with the trainer).</summary>
    public PpoTrainer(PpoVariant variant, string envName, PpoConfig config, int seeds = 1, Device? device = null)
        : this(variant, EnvRegistry.Create(envName, checked(Math.Max(1, seeds) * Math.Max(1, config.NumEnvs))), true, config, seeds, device, null, null) { }

    PpoTrainer(PpoVariant variant, VectorEnv env, bool ownsEnvironment, PpoConfig config, int seeds, Device? device, IReadOnlyList<AgentControl>? control, NetworkFactory? network)
    {
        try
        {
            if (seeds < 1) throw new ArgumentOutOfRangeException(nameof(seeds), seeds, "at least one training seed is needed");
            this.env = env;
            this.ownsEnvironment = ownsEnvironment;
            this.config = config;
            this.seeds = seeds;
            Device = device ?? CPU;
            Variant = variant;
            envs = config.NumEnvs;
            steps = config.NumSteps;
            if (env.NumEnvs != seeds * envs)
                throw new ArgumentException($"{env.Name} has {env.NumEnvs} environments; {seeds} seeds x num_envs {envs} need {seeds * envs}");
            var agents = env.Agents.Count;
            if (control is null && variant == PpoVariant.Ppo && agents != 1)
                throw new ArgumentException($"ppo trains single-agent environments; {env.Name} has {agents} agents ({string.Join(", ", env.Agents)}): use ippo or mappo");
            config.Validate(agents);
            control ??= DefaultControl(env);
            var runSeeds = Enumerable.Range(0, seeds).Select(k => config.Seed + k).ToArray();
            var controllers = new List<Controller>();
            var built = new List<PpoLearner>();
            var owners = new List<int>();
            foreach (var c in control)
            {
                var indices = c.Agents.Select(env.AgentIndex).ToArray();
                if (c is FixedControl f)
                {
                    controllers.Add(new Controller(new AgentGroup(env, indices, f.Actor.Copies, device: Device), f.Actor, RecordObservations: false));
                    continue;
                }
                // One network per learner: its agents share one action space (the group checks it).
                var group = new AgentGroup(env, indices, seeds, config.AgentId, variant == PpoVariant.Mappo, Device);
                var space = group.ActionSpace;
                ActionDistribution distribution = space switch
                {
                    Discrete d => new Categorical(d.N),
                    Box b => new DiagonalGaussian(b.FlatSize),
                    _ => throw new ArgumentException($"{env.Name}: action space {space} is neither Discrete nor Box"),
                };
                var index = built.Count;
                var learnerSeeds = index == 0 ? runSeeds : runSeeds.Select(s => (long)(SplitMix64.Derive((ulong)s, (ulong)index) >> 1)).ToArray();
                var shape = new NetworkShape(group.ObservationShape, distribution, variant == PpoVariant.Mappo ? group.WorldSize : null);
                var net = network?.Invoke(shape, learnerSeeds, Device) ?? ActorCritic.Create(shape, config.NetworkOptions(), learnerSeeds, Device);
                if (net.Copies != seeds) throw new ArgumentException($"the network factory built {net.Copies} copies for {seeds} seeds");
                var learner = new PpoLearner(string.Join("+", c.Agents), net, config, learnerSeeds);
                built.Add(learner);
                owners.Add(controllers.Count);
                controllers.Add(new Controller(group, learner.Actor, RecordObservations: true));
            }
            if (built.Count == 0) throw new ArgumentException("no agent is trained: give at least one learner");
            learners = built.ToArray();
            learnerController = owners.ToArray();
            Policy = new JointPolicy(env, controllers);
            collector = new RolloutCollector(Policy, seeds);
            rollout = collector.NewRollout(steps);
            TrainingRun.ResetEnvironments(env, runSeeds, envs);
        }
        catch
        {
            if (ownsEnvironment) env.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The default assignment: one learner per distinct action space, in the order of the agents, so homogeneous agents
    /// share a network (JaxMARL's parameter sharing) and a speaker and a listener with 3 and 5 actions each get their
    /// own instead of one network acting in a space that is not theirs.
    /// </summary>
    public static IReadOnlyList<AgentControl> DefaultControl(VectorEnv env) =>
        Enumerable.Range(0, env.Agents.Count).GroupBy(a => env.ActionSpaces[a])   // groups in order of first appearance
            .Select(g => AgentControl.Learner(g.Select(a => env.Agents[a]).ToArray())).ToArray();

    /// <summary>The algorithm.</summary>
    public PpoVariant Variant { get; }

    /// <summary>The settings.</summary>
    public PpoConfig Config => config;

    /// <summary>Training seeds S.</summary>
    public int Seeds => seeds;

    /// <summary>Where the networks live.</summary>
    public Device Device { get; }

    /// <summary>The learners, in the order of the control list.</summary>
    public IReadOnlyList<PpoLearner> Learners => learners;

    /// <summary>The first learner's network (copy k belongs to seed config.seed + k).</summary>
    public ActorCritic Network => learners[0].Network;

    /// <summary>Who controls which agents.</summary>
    public JointPolicy Policy { get; }

    /// <summary>The collector (its episodes, its step count).</summary>
    public RolloutCollector Collector => collector;

    /// <summary>Updates done.</summary>
    public int Update { get; private set; }

    /// <summary>Environment steps of each seed so far.</summary>
    public long EnvSteps => (long)Update * steps * envs;

    /// <summary>Finished episodes per seed.</summary>
    public EpisodeStats Episodes => collector.Episodes;

    /// <summary>The environment batch (S x E).</summary>
    public VectorEnv Environment => env;

    /// <summary>Runs one update: collect a rollout, compute targets, update every learner.</summary>
    public UpdateMetrics Step()
    {
        if (Update >= config.NumUpdates) throw new InvalidOperationException($"all {config.NumUpdates} updates are done");
        var clock = Stopwatch.StartNew();
        var before = Episodes.Counts();
        collector.Collect(rollout);
        var rolloutSeconds = clock.Elapsed.TotalSeconds;
        var lr = config.AnnealLr ? config.LearningRate * (1 - (double)Update / config.NumUpdates) : config.LearningRate;
        var learned = learners.Select((l, k) => l.Update(rollout.Groups[learnerController[k]], lr)).ToArray();
        Update++;
        var metrics = new UpdateMetrics(Update, EnvSteps, seeds);
        var (counts, returns) = Episodes.Since(before);
        metrics.Add("return", returns).Add("episodes", counts);
        if (Policy.Controllers.Count > 1)
            for (var a = 0; a < env.Agents.Count; a++)
                metrics.Add("return_" + env.Agents[a], Enumerable.Range(0, seeds).Select(s =>
                    counts[s] == 0 ? double.NaN : Episodes.Finished(s).Skip(before[s]).Average(ep => (double)ep.AgentReturns[a])).ToArray());
        for (var k = 0; k < learners.Length; k++)
            for (var m = 0; m < PpoLearner.MetricNames.Length; m++)
                metrics.Add(learners.Length == 1 ? PpoLearner.MetricNames[m] : $"{learners[k].Name}/{PpoLearner.MetricNames[m]}", learned[k][m]);
        var seconds = clock.Elapsed.TotalSeconds;
        metrics.Add("lr", lr).Add("steps_per_second", seconds > 0 ? (double)steps * envs * seeds / seconds : 0).Add("seconds", seconds).Add("rollout_seconds", rolloutSeconds);
        return metrics;
    }

    /// <summary>Runs the remaining updates, reporting each.</summary>
    public void Train(Action<UpdateMetrics>? onUpdate = null)
    {
        while (Update < config.NumUpdates)
        {
            var metrics = Step();
            onUpdate?.Invoke(metrics);
        }
    }

    string IIterativeTrainer.Algo => Variant.ToString().ToLowerInvariant();
    long IIterativeTrainer.FirstSeed => config.Seed;
    int IIterativeTrainer.Iteration => Update;
    int IIterativeTrainer.Iterations => config.NumUpdates;
    int IIterativeTrainer.CheckpointEvery => config.CheckpointEvery;
    long IIterativeTrainer.StepsPerIteration => (long)steps * envs;
    string IIterativeTrainer.ConfigJson() => PpoRun.ResolvedConfigJson(Variant, env.Name, config, seeds);

    /// <summary>Each seed's mean return over the last 10% of its finished episodes.</summary>
    public double[] FinalReturns() => Enumerable.Range(0, seeds).Select(s => Episodes.FinalReturn(s)).ToArray();

    /// <summary>What a checkpoint of this run says about itself: algorithm, environment, seeds, settings and controllers must match on resume.</summary>
    public StateHeader CheckpointHeader() => StateHeader.Of(PpoCheckpoint.Kind, PpoCheckpoint.Version,
        $"{Variant.ToString().ToUpperInvariant()} on {env.Name} with {seeds} seed{(seeds == 1 ? "" : "s")}",
        new Dictionary<string, JsonNode?>
        {
            ["algo"] = Variant.ToString().ToLowerInvariant(),
            ["env"] = env.Name,
            ["environments"] = env.NumEnvs,
            ["seeds"] = seeds,
            ["control"] = Policy.Describe(),
            ["config"] = TrainingRun.ResumeSettings(ConfigBinder.ToJson(config)),
        });

    /// <summary>
    /// Writes everything the next update depends on: the update count, every learner's parameters, optimiser moments,
    /// random streams and recurrent states, the environments' state, the start flags and the episode statistics.
    /// </summary>
    public void Save(StateWriter writer)
    {
        writer.Section("ppo");
        writer.Write(Update);
        collector.Save(writer);
        for (var k = 0; k < learners.Length; k++) learners[k].Save(writer, Policy.Controllers[learnerController[k]].Group.Rows);
    }

    /// <summary>Restores what <see cref="Save"/> wrote (the header's identity is checked by the reader's owner, see <see cref="PpoCheckpoint"/>).</summary>
    public void Load(StateReader reader)
    {
        reader.Section("ppo");
        var update = reader.ReadInt32();
        if (update < 0 || update > config.NumUpdates) throw new InvalidDataException($"{reader.Name} is at update {update}, this run has {config.NumUpdates}");
        Update = update;
        collector.Load(reader);
        for (var k = 0; k < learners.Length; k++) learners[k].Load(reader, Policy.Controllers[learnerController[k]].Group.Rows);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var l in learners) l.Dispose();
        rollout.Dispose();
        if (ownsEnvironment) env.Dispose();
    }
}

/// <summary>PPO checkpoints in the state format: kind "ppo-checkpoint", the trainer's identity, its state.</summary>
public static class PpoCheckpoint
{
    /// <summary>The kind written in the header.</summary>
    public const string Kind = "ppo-checkpoint";

    /// <summary>Layout version.</summary>
    public const int Version = 1;

    /// <summary>Writes the trainer's state to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, PpoTrainer trainer) => TrainerCheckpoint.Write(path, trainer);

    /// <summary>The checkpoint as bytes.</summary>
    public static byte[] ToBytes(PpoTrainer trainer) => TrainerCheckpoint.ToBytes(trainer);

    /// <summary>Restores <paramref name="trainer"/> from <paramref name="path"/>; a file of another run is refused naming the difference.</summary>
    public static void Read(string path, PpoTrainer trainer) => TrainerCheckpoint.Read(path, trainer);

    /// <summary>The same from bytes named <paramref name="name"/> in messages.</summary>
    public static void Read(byte[] data, string name, PpoTrainer trainer) => TrainerCheckpoint.Read(data, name, trainer);
}
