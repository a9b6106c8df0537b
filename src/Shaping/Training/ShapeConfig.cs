using System.Text.Json.Serialization;
using Hybrid.Scaling.Algorithms;
using Hybrid.Shaping.Agents;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Trials;

namespace Hybrid.Shaping.Training;

/// <summary>The meta-agents (and the co-trained baseline) of chapter 4.</summary>
public enum ShapeMethod
{
    /// <summary>Shaper: a GRU with memory over the whole trial, trained by ES.</summary>
    Shaper,
    /// <summary>M-FOS as pax trains it by ES (meta GRU conditioning the actor per episode).</summary>
    Mfos,
    /// <summary>Good Shepherd: memoryless, trained by ES after whole trials.</summary>
    Gs,
    /// <summary>CT-NL: two tabular-PPO naive learners co-trained by independent learning (no ES).</summary>
    Ctnl,
    /// <summary>PT-NL: a CT-NL learner's final policy, frozen, against a fresh naive learner (no ES).</summary>
    Ptnl,
}

/// <summary>
/// Settings of a shaping run in the finite matrix games with snake_case keys (<c>--set key=value</c>). Defaults: the
/// spec's reduced protocol (4 co-players, 2 environments, 50 x 50 steps) with a population of 512 for 300 generations
/// instead of 128 for 700 (the same order of cost; 512 is in the thesis' search range 128-1000, and at 128 the Shaper
/// did not learn to extort on any of 3 seeds: docs/reproduction/shaping.md), pax's ES and co-player settings;
/// <see cref="For"/> applies pax's per-method ES settings (M-FOS: lr 0.01, z-score).
/// </summary>
public sealed record ShapeConfig
{
    /// <summary>The meta-agent.</summary>
    public ShapeMethod Method { get; set; } = ShapeMethod.Shaper;
    /// <summary>The game: ipd or imp.</summary>
    public string Env { get; set; } = "ipd";
    /// <summary>Population size (even: antithetic pairs).</summary>
    public int PopSize { get; set; } = 512;
    /// <summary>Co-players per member (pax's num_opps).</summary>
    public int Coplayers { get; set; } = 4;
    /// <summary>Environments per co-player (each co-player's update batch).</summary>
    public int Envs { get; set; } = 2;
    /// <summary>Episodes per trial.</summary>
    public int Outer { get; set; } = 50;
    /// <summary>Steps per episode.</summary>
    public int Inner { get; set; } = 50;
    /// <summary>ES generations.</summary>
    public int Generations { get; set; } = 300;
    /// <summary>Hidden units of the meta-agent (Shaper GRU, M-FOS parts, each Good Shepherd layer).</summary>
    public int Hidden { get; set; } = 16;
    /// <summary>Batch averaging of the hidden state: nothing, avg or att (Shaper only).</summary>
    public HiddenAveraging Averaging { get; set; } = HiddenAveraging.Nothing;
    /// <summary>Weight of the mean in avg.</summary>
    public double AvgLambda { get; set; } = 0.5;
    /// <summary>Shaper's memory: trial (the Shaper) or episode (the ablation without context).</summary>
    public MemorySpan Memory { get; set; } = MemorySpan.Trial;
    /// <summary>M-FOS's meta memory: episode (pax, the numbers) or trial (the thesis' FAQ).</summary>
    public MemorySpan MfosMetaMemory { get; set; } = MemorySpan.Episode;
    /// <summary>The co-players trained against (see <see cref="CoPlayerKinds"/>).</summary>
    public string Coplayer { get; set; } = "tabular";
    /// <summary>Co-player Adam step size.</summary>
    public double CoplayerLr { get; set; } = 1.0;
    /// <summary>Co-player PPO epochs.</summary>
    public int CoplayerEpochs { get; set; } = 2;
    /// <summary>Co-player PPO minibatches.</summary>
    public int CoplayerMinibatches { get; set; } = 4;
    /// <summary>Co-player discount.</summary>
    public double CoplayerGamma { get; set; } = 0.96;
    /// <summary>Co-player GAE lambda.</summary>
    public double CoplayerGaeLambda { get; set; } = 0.95;
    /// <summary>Co-player entropy coefficient.</summary>
    public double CoplayerEntropy { get; set; } = 0.02;
    /// <summary>Initial noise scale.</summary>
    public double SigmaInit { get; set; } = 0.04;
    /// <summary>Sigma decay per generation.</summary>
    public double SigmaDecay { get; set; } = 0.999;
    /// <summary>Sigma floor.</summary>
    public double SigmaLimit { get; set; } = 0.01;
    /// <summary>ES Adam learning rate.</summary>
    public double LrateInit { get; set; } = 0.1;
    /// <summary>Learning-rate decay per generation.</summary>
    public double LrateDecay { get; set; } = 0.9999;
    /// <summary>Learning-rate floor.</summary>
    public double LrateLimit { get; set; } = 0.001;
    /// <summary>Fitness by centred ranks.</summary>
    public bool CenteredRank { get; set; }
    /// <summary>Fitness by z-score.</summary>
    public bool ZScore { get; set; }
    /// <summary>L2 penalty on the candidates.</summary>
    public double WDecay { get; set; }
    /// <summary>Subtract the mean shaped fitness.</summary>
    public bool MeanReduce { get; set; } = true;
    /// <summary>Seed of everything random.</summary>
    public long Seed { get; set; }
    /// <summary>Worker threads (0: every core); results do not depend on it.</summary>
    public int Threads { get; set; }
    /// <summary>Generations between checkpoints.</summary>
    public int CheckpointEvery { get; set; } = 25;
    /// <summary>Fresh co-players of the evaluation after training.</summary>
    public int EvalCoplayers { get; set; } = 20;

    /// <summary>The defaults for a method and game: pax's ES settings per method at the reduced scale.</summary>
    public static ShapeConfig For(ShapeMethod method, string env)
    {
        var config = new ShapeConfig { Method = method, Env = env };
        if (method == ShapeMethod.Mfos) { config.LrateInit = 0.01; config.ZScore = true; }
        return config;
    }

    /// <summary>Throws with the key's name when a setting is invalid.</summary>
    public void Validate()
    {
        MatrixPayoff.Named(Env);
        if (Coplayers < 1 || Envs < 1 || Outer < 1 || Inner < 1) throw new ArgumentException("coplayers, envs, outer and inner must be at least 1");
        if (Generations < 0) throw new ArgumentException($"generations={Generations}: must be non-negative");
        if (Hidden is < 1 or > 1024) throw new ArgumentException($"hidden={Hidden}: must lie in 1..1024");
        if (!(AvgLambda is >= 0 and <= 1)) throw new ArgumentException($"avg_lambda={AvgLambda}: must lie in [0, 1]");
        if (Threads < 0) throw new ArgumentException($"threads={Threads}: must be non-negative (0 = every core)");
        if (CheckpointEvery < 1) throw new ArgumentException($"checkpoint_every={CheckpointEvery}: must be at least 1");
        if (EvalCoplayers < 1) throw new ArgumentException($"eval_coplayers={EvalCoplayers}: must be at least 1");
        if ((long)PopSize * Coplayers * Envs > 100_000_000) throw new ArgumentException("pop_size x coplayers x envs is too large");
        CoPlayerKinds.Validate(Coplayer);
        CoPlayerConfig.Validate();
        if (Coplayer == "tabular" || Coplayer.StartsWith("hardstop:", StringComparison.Ordinal))
        {
            if (Envs * Inner % CoplayerMinibatches != 0) throw new ArgumentException($"envs x inner = {Envs * Inner} samples per co-player update do not divide into coplayer_minibatches={CoplayerMinibatches}");
            // pax normalises advantages per minibatch: a minibatch of one sample has advantage 0, so the policy never learns.
            if (Envs * Inner / CoplayerMinibatches < 2)
                throw new ArgumentException($"envs x inner = {Envs * Inner} samples in coplayer_minibatches={CoplayerMinibatches} leave one sample per minibatch, whose normalised advantage is 0: the co-players would never change their policy (use fewer minibatches or more envs)");
        }
        if (Method is not (ShapeMethod.Ctnl or ShapeMethod.Ptnl)) EsConfig.Validate();
    }

    /// <summary>The co-players' PPO settings.</summary>
    [JsonIgnore]
    public TabularPpoConfig CoPlayerConfig => new()
    {
        Lr = CoplayerLr, Epochs = CoplayerEpochs, Minibatches = CoplayerMinibatches, Gamma = CoplayerGamma, GaeLambda = CoplayerGaeLambda, EntropyCoef = CoplayerEntropy,
    };

    /// <summary>The OpenES settings.</summary>
    [JsonIgnore]
    public OpenEsConfig EsConfig => new()
    {
        PopSize = PopSize, SigmaInit = SigmaInit, SigmaDecay = SigmaDecay, SigmaLimit = SigmaLimit, LrateInit = LrateInit, LrateDecay = LrateDecay,
        LrateLimit = LrateLimit, CenteredRank = CenteredRank, ZScore = ZScore, WDecay = WDecay, MeanReduce = MeanReduce,
    };

    /// <summary>The meta-agent architecture.</summary>
    public IMetaAgent Agent() => Method switch
    {
        ShapeMethod.Shaper => new ShaperAgent(Hidden, Averaging, (float)AvgLambda, Memory),
        ShapeMethod.Mfos => new MfosAgent(Hidden, Averaging, (float)AvgLambda, MfosMetaMemory),
        ShapeMethod.Gs => new GoodShepherdAgent(Hidden, Hidden),
        _ => throw new InvalidOperationException($"{Method} has no meta-agent: its players are naive learners"),
    };

    /// <summary>The game.</summary>
    [JsonIgnore]
    public MatrixPayoff Game => MatrixPayoff.Named(Env);

    /// <summary>The population evaluation of this method, game and co-player.</summary>
    public IShapeTrials Trials()
    {
        var agent = Agent();
        var coPlayerConfig = CoPlayerConfig;
        var trials = new PopulationTrials(agent, layout => CoPlayerKinds.Create(Coplayer, coPlayerConfig, layout), Game,
            new TrialLayout(Coplayers, Envs), Outer, Inner, Threads);
        return new MatrixShapeTrials(trials, agent.ParameterCount);
    }

    /// <summary>Length of the meta-agent's parameter vector.</summary>
    public int ParameterCount() => Agent().ParameterCount;
}
