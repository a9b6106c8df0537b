namespace Hybrid.Scaling.Environments;

/// <summary>Settings of a finite iterated two-player matrix game.</summary>
/// <param name="InnerSteps">Steps of one inner episode (one game against the same co-player policy); START is observed after it.</param>
/// <param name="OuterSteps">Inner episodes per episode; the episode ends (dones) after InnerSteps x OuterSteps steps.</param>
public sealed record MatrixGameOptions(int InnerSteps = 100, int OuterSteps = 1)
{
    /// <summary>Throws a clear error for nonsensical settings.</summary>
    public void Validate()
    {
        if (InnerSteps < 1) throw new ArgumentOutOfRangeException(nameof(InnerSteps), InnerSteps, "inner episodes need at least one step");
        if (OuterSteps < 1) throw new ArgumentOutOfRangeException(nameof(OuterSteps), OuterSteps, "an episode needs at least one inner episode");
    }
}

/// <summary>
/// Finite iterated matrix games with pax's semantics (ucl-dark/pax, iterated_matrix_game.py, v2): two players,
/// action 0 = cooperate (first row/column), 1 = defect; the observation is one-hot(5) of the previous joint
/// action CC, CD, DC, DD from the observer's own view (own action first), or START (index 4) at reset and after
/// every inner-episode boundary. The boundary step's reward is not zeroed (unlike the Coin Game).
/// </summary>
public sealed class IteratedMatrixGame : VectorEnv
{
    /// <summary>The iterated Prisoner's Dilemma, payoffs (row player, column player) for CC, CD, DC, DD as in pax's configs.</summary>
    public static readonly float[,] PrisonersDilemma = { { -1, -1 }, { -3, 0 }, { 0, -3 }, { -2, -2 } };

    /// <summary>Iterated Matching Pennies: player 1 wins when the actions match.</summary>
    public static readonly float[,] MatchingPennies = { { 1, -1 }, { -1, 1 }, { -1, 1 }, { 1, -1 } };

    const int Start = 4;
    readonly string name;
    readonly float[,] payoff;
    readonly int[] innerStep;
    readonly int[] outerStep;

    /// <summary>Creates N games with payoffs [CC, CD, DC, DD] x (player 1, player 2).</summary>
    public IteratedMatrixGame(string name, float[,] payoff, int numEnvs, MatrixGameOptions? options = null)
        : base(numEnvs, new[] { "agent_0", "agent_1" }, new Space[] { new Box(0, 1, new[] { 5 }), new Box(0, 1, new[] { 5 }) },
            new Space[] { new Discrete(2), new Discrete(2) })
    {
        if (payoff.GetLength(0) != 4 || payoff.GetLength(1) != 2) throw new ArgumentException("the payoff table must be 4 x 2 (CC, CD, DC, DD) x (player 1, player 2)", nameof(payoff));
        Options = options ?? new MatrixGameOptions();
        Options.Validate();
        this.name = name;
        this.payoff = (float[,])payoff.Clone();
        innerStep = new int[numEnvs];
        outerStep = new int[numEnvs];
        InnerEpisodeDone = new bool[numEnvs];
    }

    /// <inheritdoc/>
    public override string Name => name;

    /// <summary>The game's settings.</summary>
    public MatrixGameOptions Options { get; }

    /// <summary>Whether environment e's last step ended an inner episode (JaxMARL's info "inner_episode_done").</summary>
    public bool[] InnerEpisodeDone { get; }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        innerStep[env] = 0;
        outerStep[env] = 0;
        WriteOneHot(env, Start, Start);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var a1 = actions[env];
        var a2 = actions[NumEnvs + env];
        var joint = 2 * a1 + a2;
        Reward(0, env) = payoff[joint, 0];
        Reward(1, env) = payoff[joint, 1];
        var boundary = ++innerStep[env] == Options.InnerSteps;
        InnerEpisodeDone[env] = boundary;
        if (boundary)
        {
            innerStep[env] = 0;
            AllDones[env] = ++outerStep[env] == Options.OuterSteps;
            WriteOneHot(env, Start, Start);
        }
        else
        {
            AllDones[env] = false;
            WriteOneHot(env, joint, 2 * a2 + a1);
        }
    }

    void WriteOneHot(int env, int first, int second)
    {
        var o1 = Observation(0, env); o1.Clear(); o1[first] = 1;
        var o2 = Observation(1, env); o2.Clear(); o2[second] = 1;
    }
}
