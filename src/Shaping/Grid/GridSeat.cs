namespace Hybrid.Shaping.Grid;

/// <summary>
/// One player of a gridworld trial (the Coin Game, IPD/IMP in the Matrix) over the rows of a <see cref="TrialLayout"/>:
/// a meta-agent, a PPO-GRU naive learner or a scripted collector. Rows are co-player-major (row = o x E + e), as in the
/// matrix games. The trial calls, in order: <see cref="BeginTrial"/>, then per episode <see cref="BeginEpisode"/>, per
/// step <see cref="Act"/> and <see cref="Observe"/>, and <see cref="EndEpisode"/>. Observations are the environment's
/// flat per-agent vectors from the player's own view ([rows, <see cref="GridGame.ObservationSize"/>], row-major);
/// actions are the environment's 5 discrete actions.
/// </summary>
public interface IGridSeat
{
    /// <summary>Starts a trial: memory cleared, learners re-initialised (parameters and optimiser state).</summary>
    /// <param name="noise">The generation's common random numbers: learners draw their initial parameters from
    /// <see cref="TrialNoise.Seed"/> (derived with seat and co-player, so co-player o starts the same for every
    /// population member) and their minibatch permutations from <see cref="TrialNoise.Permutation"/>.</param>
    /// <param name="seat">0 for the row (red) player, 1 for the column (blue) player.</param>
    void BeginTrial(TrialNoise noise, int seat);

    /// <summary>Called before the first step of each episode (recurrent learners reset their memory here).</summary>
    void BeginEpisode(int episode);

    /// <summary>Writes the action probabilities [rows, 5] given the rows' observations [rows, observation size].</summary>
    void Act(ReadOnlySpan<float> observations, Span<float> probabilities);

    /// <summary>The step's outcome for this player: the observations acted on, the actions taken and the rewards.</summary>
    void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards);

    /// <summary>
    /// Called after the last step of each episode with the observations that follow it (learners bootstrap their last
    /// value from them, as pax's GAE does across episode boundaries); co-player updates run here.
    /// </summary>
    void EndEpisode(int episode, ReadOnlySpan<float> nextObservations);
}

/// <summary>The gridworld a trial is played in and the sizes its agents are built for.</summary>
/// <param name="Name">coin_game or storm_2p.</param>
/// <param name="ObservationSize">Floats per observation.</param>
/// <param name="Actions">Discrete actions (5 in both games).</param>
/// <param name="ViewSide">Side of the square egocentric view (3 for the Coin Game, 5 for storm_2p).</param>
/// <param name="ViewChannels">Channels of the view, stored [row, column, channel] (4 for the Coin Game, 10 for storm_2p).</param>
/// <param name="Inventory">Floats after the view (0 for the Coin Game, 6 for storm_2p).</param>
public sealed record GridGame(string Name, int ObservationSize, int Actions, int ViewSide, int ViewChannels, int Inventory)
{
    /// <summary>The egocentric Coin Game: 3 x 3 x 4 one-hot planes, flat.</summary>
    public static GridGame CoinGame { get; } = new("coin_game", 36, 5, 3, 4, 0);

    /// <summary>IPD/IMP in the Matrix (Scaling's <c>Storm2p</c>): a 5 x 5 x 10 view and 6 inventory floats.</summary>
    public static GridGame Storm2p { get; } = new("storm_2p", 256, 5, 5, 10, 6);
}
