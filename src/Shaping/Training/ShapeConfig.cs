using System.Text.Json.Serialization;
using Hybrid.Scaling.Algorithms;
using Hybrid.Shaping.Agents;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Grid;
using Hybrid.Shaping.Trials;
using Hybrid.Scaling.Environments;

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
    /// <summary>M-FOS trained by PPO on the step-level actions of each trial (pax's runner_marl; thesis Table 1's M-FOS (RL)).</summary>
    MfosRl,
}

/// <summary>Names of the methods as the command line and configurations spell them.</summary>
public static class ShapeMethods
{
    /// <summary>shaper, mfos, gs, ctnl, ptnl, mfos_rl.</summary>
    public static string Name(this ShapeMethod method) => method == ShapeMethod.MfosRl ? "mfos_rl" : method.ToString().ToLowerInvariant();
}

/// <summary>
/// Settings of a shaping run in the finite matrix games with snake_case keys (<c>--set key=value</c>). Defaults: the
/// spec's reduced protocol (4 co-players, 2 environments, 50 x 50 steps) with pax's population of 1000 for 300
/// generations instead of 128 for 700 (about 10 minutes on 2 cores; at 128 the Shaper did not extort on any of 3 seeds,
/// at 512 on 1 of 3, at 1000 on 2 of 3: docs/reproduction/shaping.md), pax's ES and co-player settings;
/// <see cref="For"/> applies pax's per-method ES settings (M-FOS: lr 0.01, z-score).
/// </summary>
public sealed record ShapeConfig
{
    /// <summary>The meta-agent.</summary>
    public ShapeMethod Method { get; set; } = ShapeMethod.Shaper;
    /// <summary>The game: ipd, imp (finite matrix games), coin_game (egocentric Coin Game) or storm_2p (IPD/IMP in the Matrix).</summary>
    public string Env { get; set; } = "ipd";
    /// <summary>storm_2p's payoff: ipd (the IPD in the Matrix) or imp (matching pennies in the Matrix).</summary>
    public string StormPayoff { get; set; } = "ipd";
    /// <summary>storm_2p's coins at fixed cells (pax's Shaper/GS IPDitM runs) instead of a random layout per episode (the thesis' text, pax's M-FOS and IMPitM runs).</summary>
    public bool FixedCoins { get; set; }
    /// <summary>GRU units of the gridworld PPO co-players (pax: 16 in the Coin Game, 8 in the Matrix).</summary>
    public int CoplayerHidden { get; set; } = 16;
    /// <summary>Population size (even: antithetic pairs).</summary>
    public int PopSize { get; set; } = 1000;
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
    /// <summary>M-FOS (RL): Adam step size.</summary>
    public double RlLr { get; set; } = 0.005;
    /// <summary>M-FOS (RL): passes over a trial's samples.</summary>
    public int RlEpochs { get; set; } = 2;
    /// <summary>M-FOS (RL): minibatches per pass.</summary>
    public int RlMinibatches { get; set; } = 8;
    /// <summary>M-FOS (RL): discount over the trial.</summary>
    public double RlGamma { get; set; } = 0.96;
    /// <summary>M-FOS (RL): GAE lambda.</summary>
    public double RlGaeLambda { get; set; } = 0.95;
    /// <summary>M-FOS (RL): ratio and value clip.</summary>
    public double RlClip { get; set; } = 0.2;
    /// <summary>M-FOS (RL): value-loss coefficient (pax's loss has no extra 0.5).</summary>
    public double RlValueCoef { get; set; } = 0.5;
    /// <summary>M-FOS (RL): entropy coefficient.</summary>
    public double RlEntropy { get; set; } = 0.1;
    /// <summary>M-FOS (RL): global gradient-norm clip.</summary>
    public double RlMaxGradNorm { get; set; } = 0.5;
    /// <summary>Seed of everything random.</summary>
    public long Seed { get; set; }
    /// <summary>Worker threads (0: every core); results do not depend on it.</summary>
    public int Threads { get; set; }
    /// <summary>Generations between checkpoints.</summary>
    public int CheckpointEvery { get; set; } = 25;
    /// <summary>Fresh co-players of the evaluation after training.</summary>
    public int EvalCoplayers { get; set; } = 20;
    /// <summary>
    /// Episodes of the evaluation trial after training (and of CT-NL's and PT-NL's trials); 0 means <see cref="Outer"/>.
    /// The matrix games' defaults are the thesis' 100 (Figure 8: "evaluation trials composed of 100 episodes"), twice the
    /// reduced protocol's training trials.
    /// </summary>
    public int EvalOuter { get; set; }

    /// <summary>The evaluation trial's episodes: <see cref="EvalOuter"/>, or <see cref="Outer"/> when it is 0.</summary>
    [JsonIgnore]
    public int EvaluationEpisodes => EvalOuter > 0 ? EvalOuter : Outer;

    /// <summary>Whether the game is a gridworld (coin_game, storm_2p) rather than a finite matrix game.</summary>
    [JsonIgnore]
    public bool IsGrid => Env is "coin_game" or "storm_2p";

    /// <summary>
    /// The defaults for a method and game: pax's ES settings per method at the reduced scale. Matrix games: the spec's
    /// reduced protocol (above). Coin Game: the spec's reduced protocol (population 64, 1 co-player x 16 environments,
    /// 100 episodes of 16 steps, 300 generations) with pax's cg settings (centred ranks, w_decay 0.1; PPO-GRU
    /// co-players with lr 0.005, 8 minibatches, entropy 0.1, GRU 16). storm_2p: a pipeline-scale run (population 32,
    /// 1 x 8 environments, 10 episodes of 152 steps, 30 generations; the thesis' runs take 5 GPU-days each) with pax's
    /// ipditm ES settings (sigma 0.075, lr 0.05, decays 0.999, centred ranks, w_decay 0.1, no mean subtraction) and
    /// co-players with GRU 8.
    /// </summary>
    public static ShapeConfig For(ShapeMethod method, string env)
    {
        var config = new ShapeConfig { Method = method, Env = env, EvalOuter = env is "ipd" or "imp" ? 100 : 0 };
        if (env is "coin_game" or "storm_2p")
        {
            config.Coplayer = "ppo_gru";
            config.CoplayerLr = 0.005;
            config.CoplayerMinibatches = 8;
            config.CoplayerEntropy = 0.1;
            config.Coplayers = 1;
            config.CenteredRank = true;
            config.WDecay = 0.1;
            if (env == "coin_game")
            {
                (config.PopSize, config.Envs, config.Outer, config.Inner, config.Generations) = (64, 16, 100, 16, 300);
                config.CoplayerHidden = 16;
            }
            else
            {
                (config.PopSize, config.Envs, config.Outer, config.Inner, config.Generations) = (32, 8, 10, 152, 30);
                config.CoplayerHidden = 8;
                if (method == ShapeMethod.Shaper) config.Hidden = 32; // pax's CNN_ipditm Shaper: GRU 32
                (config.SigmaInit, config.SigmaDecay, config.LrateInit, config.LrateDecay, config.MeanReduce) = (0.075, 0.999, 0.05, 0.999, false);
                if (method == ShapeMethod.Mfos) config.LrateInit = 0.005;
            }
            return config;
        }
        if (method == ShapeMethod.Mfos) { config.LrateInit = 0.01; config.ZScore = true; }
        return config;
    }

    /// <summary>Throws with the key's name when a setting is invalid.</summary>
    public void Validate()
    {
        if (IsGrid) { ValidateGrid(); return; }
        MatrixPayoff.Named(Env);
        if (Coplayers < 1 || Envs < 1 || Outer < 1 || Inner < 1) throw new ArgumentException("coplayers, envs, outer and inner must be at least 1");
        if (Generations < 0) throw new ArgumentException($"generations={Generations}: must be non-negative");
        if (Hidden is < 1 or > 1024) throw new ArgumentException($"hidden={Hidden}: must lie in 1..1024");
        if (!(AvgLambda is >= 0 and <= 1)) throw new ArgumentException($"avg_lambda={AvgLambda}: must lie in [0, 1]");
        if (Threads < 0) throw new ArgumentException($"threads={Threads}: must be non-negative (0 = every core)");
        if (CheckpointEvery < 1) throw new ArgumentException($"checkpoint_every={CheckpointEvery}: must be at least 1");
        if (EvalCoplayers < 1) throw new ArgumentException($"eval_coplayers={EvalCoplayers}: must be at least 1");
        if (EvalOuter is < 0 or > 100_000) throw new ArgumentException($"eval_outer={EvalOuter}: must lie in 0..100000 (0: the training trial's outer)");
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
        if (Method == ShapeMethod.MfosRl) RlConfig.Validate();
        else if (Method is not (ShapeMethod.Ctnl or ShapeMethod.Ptnl)) EsConfig.Validate();
    }

    void ValidateGrid()
    {
        if (Coplayers < 1 || Envs < 1 || Outer < 1 || Inner < 1) throw new ArgumentException("coplayers, envs, outer and inner must be at least 1");
        if (Generations < 0) throw new ArgumentException($"generations={Generations}: must be non-negative");
        if (Hidden is < 1 or > 1024 || CoplayerHidden is < 1 or > 1024) throw new ArgumentException("hidden and coplayer_hidden must lie in 1..1024");
        if (!(AvgLambda is >= 0 and <= 1)) throw new ArgumentException($"avg_lambda={AvgLambda}: must lie in [0, 1]");
        if (Averaging == HiddenAveraging.Att) throw new ArgumentException("averaging=att is implemented for the matrix games only (pax's make_GRU_ipd_att_network); the gridworld agents take nothing or avg");
        if (Threads < 0) throw new ArgumentException($"threads={Threads}: must be non-negative (0 = every core)");
        if (CheckpointEvery < 1) throw new ArgumentException($"checkpoint_every={CheckpointEvery}: must be at least 1");
        if (EvalCoplayers < 1) throw new ArgumentException($"eval_coplayers={EvalCoplayers}: must be at least 1");
        if (EvalOuter is < 0 or > 100_000) throw new ArgumentException($"eval_outer={EvalOuter}: must lie in 0..100000 (0: the training trial's outer)");
        if ((long)PopSize * Coplayers * Envs > 10_000_000) throw new ArgumentException("pop_size x coplayers x envs is too large");
        if (Method == ShapeMethod.MfosRl && Env != "coin_game") throw new ArgumentException($"mfos_rl is implemented for ipd, imp and coin_game (pax's CNN M-FOS of {Env} is not); there M-FOS trains by ES (--method mfos)");
        if (Method == ShapeMethod.MfosRl && Averaging != HiddenAveraging.Nothing) throw new ArgumentException("mfos_rl takes averaging=nothing (pax's M-FOS in the Coin Game has no averaging)");
        if (Method == ShapeMethod.Ptnl) throw new ArgumentException("ptnl is implemented for the matrix games; in the gridworlds use the competency check (hybrid shape competency)");
        if (Env == "storm_2p") StormOptions.Validate();
        else if (StormPayoff != "ipd" || FixedCoins) throw new ArgumentException("storm_payoff and fixed_coins are settings of storm_2p");
        GridCoPlayerKinds.Validate(Coplayer, this);
        if (Method == ShapeMethod.MfosRl) RlConfig.Validate();
        else if (Method != ShapeMethod.Ctnl) EsConfig.Validate();
    }

    /// <summary>storm_2p's settings (payoff, coin layouts; the episode length is <see cref="Inner"/>).</summary>
    [JsonIgnore]
    public Storm2pOptions StormOptions => new(FixedCoins, StormPayoff, Inner);

    /// <summary>The gridworld.</summary>
    [JsonIgnore]
    public GridGame GridGame => Env == "coin_game" ? GridGame.CoinGame : Env == "storm_2p" ? GridGame.Storm2p : throw new InvalidOperationException($"{Env} is not a gridworld");

    /// <summary>The gridworld meta-agent architecture.</summary>
    public IGridMetaAgent GridAgent() => GridAgents.Create(this);

    /// <summary>The gridworld co-players' PPO settings.</summary>
    [JsonIgnore]
    public GruPpoConfig GridCoPlayerConfig => GridCoPlayerKinds.Config(this);

    /// <summary>M-FOS (RL)'s PPO settings (pax's cg/ipditm train_mfos_rl values by default).</summary>
    [JsonIgnore]
    public MfosRlConfig RlConfig => new()
    {
        Lr = RlLr, Epochs = RlEpochs, Minibatches = RlMinibatches, Gamma = RlGamma, GaeLambda = RlGaeLambda, Clip = RlClip, ValueCoef = RlValueCoef,
        EntropyCoef = RlEntropy, MaxGradNorm = RlMaxGradNorm,
    };

    /// <summary>The trainer of this method: PPO for mfos_rl (the Coin Game's or the matrix games'), OpenES otherwise.</summary>
    public IShapeTrainer Trainer() => Method != ShapeMethod.MfosRl ? new ShapeTrainer(this) : IsGrid ? new GridMfosRlTrainer(this) : new MfosRlTrainer(this);

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
        ShapeMethod.MfosRl => new MfosAgent(Hidden, HiddenAveraging.Nothing, (float)AvgLambda, MfosMetaMemory),
        ShapeMethod.Gs => new GoodShepherdAgent(Hidden, Hidden),
        _ => throw new InvalidOperationException($"{Method} has no meta-agent: its players are naive learners"),
    };

    /// <summary>The game.</summary>
    [JsonIgnore]
    public MatrixPayoff Game => MatrixPayoff.Named(Env);

    /// <summary>The population evaluation of this method, game and co-player.</summary>
    public IShapeTrials Trials()
    {
        if (IsGrid)
        {
            var gridAgent = GridAgent();
            return new GridPopulationTrials(gridAgent, layout => GridCoPlayerKinds.Create(Coplayer, this, layout), GridGame, new TrialLayout(Coplayers, Envs), Outer, Inner,
                Env == "storm_2p" ? StormOptions : null, Threads);
        }
        var agent = Agent();
        var coPlayerConfig = CoPlayerConfig;
        var trials = new PopulationTrials(agent, layout => CoPlayerKinds.Create(Coplayer, coPlayerConfig, layout), Game,
            new TrialLayout(Coplayers, Envs), Outer, Inner, Threads);
        return new MatrixShapeTrials(trials, agent.ParameterCount);
    }

    /// <summary>Length of the meta-agent's parameter vector.</summary>
    public int ParameterCount() => IsGrid ? GridAgent().ParameterCount : Agent().ParameterCount;
}
