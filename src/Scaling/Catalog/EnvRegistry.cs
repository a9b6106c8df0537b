using Hybrid.Scaling.Environments;

namespace Hybrid.Scaling.Catalog;

/// <summary>The built-in vectorised environments by name, with their default settings.</summary>
/// <remarks>
/// Library users who need other settings construct the environment type directly (e.g. <c>new CoinGame(n, new
/// CoinGameOptions(Egocentric: true))</c>); the registry serves the CLI and experiment configs.
/// </remarks>
public static class EnvRegistry
{
    static readonly Dictionary<string, (string Description, Func<int, VectorEnv> Create)> factories = new(StringComparer.Ordinal)
    {
        ["ipd"] = ("iterated Prisoner's Dilemma, 100-step episodes (pax)", n => new IteratedMatrixGame("ipd", IteratedMatrixGame.PrisonersDilemma, n)),
        ["imp"] = ("iterated Matching Pennies, 100-step episodes (pax)", n => new IteratedMatrixGame("imp", IteratedMatrixGame.MatchingPennies, n)),
        ["coin_game"] = ("Coin Game, 3x3 torus, 10 inner games of 10 steps (JaxMARL)", n => new CoinGame(n)),
        ["switch_riddle"] = ("Switch Riddle, 3 prisoners (JaxMARL)", n => new SwitchRiddle(n)),
        ["storm_2p"] = ("STORM, IPD in the Matrix: 8x8 grid, 152 steps, freeze 5 (JaxMARL storm_2p)", n => new Storm2p(n)),
        ["storm"] = ("STORM for n players (3 here; JaxMARL InTheMatrix, intended semantics): 8 actions, per-pair freezes, 152 steps", n => new StormN(n)),
        ["MPE_simple_v3"] = ("MPE simple: one agent, one landmark, 25 steps", n => new Environments.Mpe.Simple(n)),
        ["MPE_simple_spread_v3"] = ("MPE simple spread: 3 agents cover 3 landmarks, 25 steps", n => new Environments.Mpe.SimpleSpread(n)),
        ["MPE_simple_tag_v3"] = ("MPE simple tag: 3 adversaries chase 1 good agent among 2 obstacles, 25 steps", n => new Environments.Mpe.SimpleTag(n)),
        ["MPE_simple_adversary_v3"] = ("MPE simple adversary: 2 good agents hide the goal landmark from 1 adversary, 25 steps", n => new Environments.Mpe.SimpleAdversary(n)),
        ["minatar_breakout"] = ("MinAtar Breakout (gymnax: no sticky actions, 1,000-step limit)", n => new Environments.MinAtar.Breakout(n)),
        ["minatar_space_invaders"] = ("MinAtar Space Invaders (gymnax settings; MinAtar's 24-alien waves)", n => new Environments.MinAtar.SpaceInvaders(n)),
        ["MPE_simple_push_v3"] = ("MPE simple push: an adversary keeps the good agent from its goal landmark, 25 steps", n => new Environments.Mpe.SimplePush(n)),
        ["MPE_simple_speaker_listener_v4"] = ("MPE speaker-listener: a speaker guides a listener to the goal landmark, 25 steps", n => new Environments.Mpe.SimpleSpeakerListener(n)),
        ["MPE_simple_reference_v3"] = ("MPE reference: two agents tell each other their goals while moving, 25 steps", n => new Environments.Mpe.SimpleReference(n)),
        ["MPE_simple_crypto_v3"] = ("MPE crypto: alice encrypts a colour for bob with a key eve lacks, 25 steps", n => new Environments.Mpe.SimpleCrypto(n)),
        ["minatar_freeway"] = ("MinAtar Freeway (gymnax: no sticky actions, 2,500-step episodes)", n => new Environments.MinAtar.Freeway(n)),
        ["minatar_asterix"] = ("MinAtar Asterix (gymnax settings; MinAtar's spawn rule)", n => new Environments.MinAtar.Asterix(n)),
        ["MPE_simple_world_comm_v3"] = ("MPE world comm: a talking leader's team hunts two agents among forests and food (continuous, as JaxMARL), 25 steps", n => new Environments.Mpe.SimpleWorldComm(n)),
        ["MPE_simple_world_comm_discrete_v3"] = ("MPE world comm with discrete actions (leader Discrete(20))", n => new Environments.Mpe.SimpleWorldComm(n, actions: Environments.Mpe.MpeActions.Discrete)),
        ["minatar_seaquest"] = ("MinAtar Seaquest (MinAtar semantics, gymnax settings)", n => new Environments.MinAtar.Seaquest(n)),
        // MinAtar's sticky actions (0.1: with that probability the previous action repeats) on gymnax's settings otherwise,
        // as thesis chapter 6's MinAtar protocol runs them.
        ["minatar_breakout_sticky"] = ("MinAtar Breakout with sticky actions 0.1 (the original MinAtar's), 1,000-step limit", n => new Environments.MinAtar.Breakout(n, Sticky)),
        ["minatar_space_invaders_sticky"] = ("MinAtar Space Invaders with sticky actions 0.1, 1,000-step limit", n => new Environments.MinAtar.SpaceInvaders(n, Sticky)),
        ["minatar_asterix_sticky"] = ("MinAtar Asterix with sticky actions 0.1, 1,000-step limit", n => new Environments.MinAtar.Asterix(n, Sticky)),
        ["minatar_freeway_sticky"] = ("MinAtar Freeway with sticky actions 0.1, 2,500-step episodes", n => new Environments.MinAtar.Freeway(n, Sticky with { MaxSteps = 2500 })),
        ["minatar_seaquest_sticky"] = ("MinAtar Seaquest with sticky actions 0.1, 1,000-step limit", n => new Environments.MinAtar.Seaquest(n, Sticky)),
        ["MPE_simple_continuous_v3"] = ("MPE simple with continuous actions (Box(0, 1, [5]))", n => new Environments.Mpe.Simple(n, actions: Environments.Mpe.MpeActions.Continuous)),
        ["MPE_simple_spread_continuous_v3"] = ("MPE simple spread with continuous actions", n => new Environments.Mpe.SimpleSpread(n, actions: Environments.Mpe.MpeActions.Continuous)),
    };

    static Environments.MinAtar.MinAtarOptions Sticky => Environments.MinAtar.MinAtarOptions.Gymnax with { StickyActionProbability = Environments.MinAtar.MinAtarOptions.MinAtarSticky };

    /// <summary>The registered names.</summary>
    public static IReadOnlyList<string> Names => factories.Keys.ToList();

    /// <summary>One line describing <paramref name="name"/>.</summary>
    public static string Describe(string name) => Lookup(name).Description;

    /// <summary>Creates <paramref name="numEnvs"/> environments called <paramref name="name"/>; unknown names throw with the list of known ones.</summary>
    public static VectorEnv Create(string name, int numEnvs = 1) => Lookup(name).Create(numEnvs);

    /// <summary>A single environment with the dictionary API.</summary>
    public static MultiAgentEnv CreateSingle(string name) => new(Create(name, 1));

    static (string Description, Func<int, VectorEnv> Create) Lookup(string name) =>
        factories.TryGetValue(name, out var entry)
            ? entry
            : throw new ArgumentException($"unknown environment '{name}' (known: {string.Join(", ", Names)})", nameof(name));
}
