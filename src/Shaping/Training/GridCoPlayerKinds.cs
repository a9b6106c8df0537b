using Hybrid.Shaping.GridCoPlayers;
using Hybrid.Shaping.CoPlayers;
using Hybrid.Shaping.Grid;

namespace Hybrid.Shaping.Training;

/// <summary>
/// Gridworld co-player kinds by name: <c>ppo_gru</c> (the PPO-GRU naive learner, thesis T:950), <c>hardstop:K</c>
/// (PPO-GRU that stops learning after K episodes), <c>random</c> (uniform actions), and in the Coin Game pax's scripted
/// collectors <c>good_greedy</c>, <c>evil_greedy</c>, <c>random_greedy</c>.
/// </summary>
public static class GridCoPlayerKinds
{
    /// <summary>The names accepted by <see cref="Create"/>.</summary>
    public const string Names = "ppo_gru, hardstop:K, random, good_greedy, evil_greedy, random_greedy (coin_game)";

    /// <summary>The PPO settings of a configuration's gridworld co-players: pax's per game (torso, heads, initialisers), the configuration's PPO keys.</summary>
    public static GruPpoConfig Config(ShapeConfig config)
    {
        var basis = config.Env == "storm_2p" ? GruPpoConfig.InTheMatrix : GruPpoConfig.CoinGame;
        return basis with
        {
            Hidden = config.CoplayerHidden, Lr = config.CoplayerLr, Epochs = config.CoplayerEpochs, Minibatches = config.CoplayerMinibatches,
            Gamma = config.CoplayerGamma, GaeLambda = config.CoplayerGaeLambda, EntropyCoef = config.CoplayerEntropy,
        };
    }

    /// <summary>Throws a clear error unless <paramref name="kind"/> names a co-player of the configuration's gridworld with valid settings.</summary>
    public static void Validate(string kind, ShapeConfig config)
    {
        Make(kind, config, new TrialLayout(1, 1), check: true);
        if (kind == "ppo_gru" || kind.StartsWith("hardstop:", StringComparison.Ordinal))
        {
            var samples = config.Envs * config.Inner;
            if (samples % config.CoplayerMinibatches != 0) throw new ArgumentException($"envs x inner = {samples} samples per co-player update do not divide into coplayer_minibatches={config.CoplayerMinibatches}");
            if (samples / config.CoplayerMinibatches < 2) throw new ArgumentException($"envs x inner = {samples} samples in coplayer_minibatches={config.CoplayerMinibatches} leave one sample per minibatch, whose normalised advantage is 0: the co-players would never learn");
        }
    }

    /// <summary>A seat of the named kind for one member's trial batch.</summary>
    public static IGridSeat Create(string kind, ShapeConfig config, TrialLayout layout) => Make(kind, config, layout, check: false);

    static IGridSeat Make(string kind, ShapeConfig config, TrialLayout layout, bool check)
    {
        var coin = config.Env == "coin_game";
        switch (kind)
        {
            case "ppo_gru":
                return check ? Checked(config) : new GruPpoSeat(Config(config), config.GridGame, layout);
            case "random":
                return new UniformGridSeat(config.GridGame.Actions);
            case "good_greedy" or "evil_greedy" or "random_greedy":
                if (!coin) throw new ArgumentException($"co-player '{kind}' collects Coin Game coins; {config.Env} takes {Names}");
                return GreedyCoinSeat.Named(kind);
        }
        if (kind.StartsWith("hardstop:", StringComparison.Ordinal))
        {
            if (!int.TryParse(kind["hardstop:".Length..], out var k) || k < 0) throw new ArgumentException($"co-player '{kind}': hardstop needs a non-negative episode count, e.g. hardstop:2");
            return check ? Checked(config) : new GruPpoSeat(Config(config), config.GridGame, layout, k);
        }
        throw new ArgumentException($"unknown co-player '{kind}' for {config.Env} (available: {Names})");
    }

    static IGridSeat Checked(ShapeConfig config)
    {
        var ppo = Config(config);
        ppo.Validate();
        return new UniformGridSeat(config.GridGame.Actions);
    }
}
