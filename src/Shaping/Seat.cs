namespace Hybrid.Shaping;

/// <summary>
/// The batch of one population member's trial: <see cref="CoPlayers"/> co-players, each playing <see cref="Envs"/>
/// environments. Rows are ordered co-player-major (row = o x E + e), so a co-player's update batch and the group a
/// Shaper averages its hidden state over are consecutive rows.
/// </summary>
public readonly record struct TrialLayout(int CoPlayers, int Envs)
{
    /// <summary>Rows of one member: co-players x environments.</summary>
    public int Rows => CoPlayers * Envs;

    /// <summary>Throws with the setting's name when a size is not positive.</summary>
    public void Validate()
    {
        if (CoPlayers < 1) throw new ArgumentOutOfRangeException(nameof(CoPlayers), CoPlayers, "coplayers must be at least 1");
        if (Envs < 1) throw new ArgumentOutOfRangeException(nameof(Envs), Envs, "envs must be at least 1");
    }
}

/// <summary>
/// One player of a finite iterated matrix game over the rows of a <see cref="TrialLayout"/>: a meta-agent (Shaper,
/// M-FOS, Good Shepherd), a learning co-player (tabular PPO) or a fixed strategy. The trial calls, in order:
/// <see cref="BeginTrial"/>, then per episode <see cref="BeginEpisode"/>, per step <see cref="Act"/> and
/// <see cref="Observe"/>, and <see cref="EndEpisode"/>. Observations are state indices CC, CD, DC, DD, START (0-4)
/// from the player's own view; actions 0 = cooperate, 1 = defect.
/// </summary>
public interface ISeat
{
    /// <summary>Starts a trial: memory cleared, learners re-initialised (parameters and optimiser state).</summary>
    /// <param name="noise">The generation's common random numbers (permutations of learners come from it).</param>
    /// <param name="seat">0 for the row player, 1 for the column player: the two seats draw from distinct streams.</param>
    void BeginTrial(TrialNoise noise, int seat);

    /// <summary>Called before the first step of each episode.</summary>
    void BeginEpisode(int episode);

    /// <summary>Writes P(cooperate) for every row given the rows' observations.</summary>
    void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate);

    /// <summary>The step's outcome for this player: the observation acted on, the action taken and the reward.</summary>
    void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards);

    /// <summary>Called after the last step of each episode (the next observation of every row is START).</summary>
    void EndEpisode(int episode);
}
