using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments;

/// <summary>Settings of the Coin Game.</summary>
/// <param name="InnerSteps">Steps of one inner game; its last step gives zero reward and shows the next game's first observation.</param>
/// <param name="OuterSteps">Inner games per episode (dones after InnerSteps x OuterSteps steps).</param>
/// <param name="Egocentric">Centre every observation on the observing agent.</param>
/// <param name="Cnn">Observations of shape [3, 3, 4] instead of flat [36].</param>
/// <param name="SharedRewards">Both agents receive the sum of the rewards.</param>
/// <param name="OwnCoin">Reward for collecting one's own coin.</param>
/// <param name="OtherCoin">Reward for collecting the other agent's coin.</param>
/// <param name="Stolen">Reward to a coin's owner when the other agent collects it.</param>
public sealed record CoinGameOptions(int InnerSteps = 10, int OuterSteps = 10, bool Egocentric = false, bool Cnn = false, bool SharedRewards = false,
    float OwnCoin = 1, float OtherCoin = 1, float Stolen = -2)
{
    /// <summary>Throws a clear error for nonsensical settings.</summary>
    public void Validate()
    {
        if (InnerSteps < 1) throw new ArgumentOutOfRangeException(nameof(InnerSteps), InnerSteps, "inner games need at least one step");
        if (OuterSteps < 1) throw new ArgumentOutOfRangeException(nameof(OuterSteps), OuterSteps, "an episode needs at least one inner game");
    }
}

/// <summary>
/// The Coin Game (Lerer and Peysakhovich 2017) with JaxMARL's semantics (coin_game.py): a 3 x 3 torus with a red
/// (agent 0) and a blue (agent 1) agent and one coin of each colour. Actions 0 right [0, +1], 1 left [0, -1],
/// 2 up [+1, 0], 3 down [-1, 0], 4 stay; agents and coins may share cells. Pickups compare the agents' new positions
/// with the coins' old positions; any coin gives its collector +1 and its owner -2 if the other agent took it;
/// simultaneous pickups add up; a collected coin respawns uniformly on the board. Observation: one-hot planes
/// [own agent, other agent, own coin, other coin] of shape 3 x 3 x 4 (flattened row-major unless Cnn), the blue
/// agent's with channels swapped so that each agent sees itself as "own".
/// </summary>
public sealed class CoinGame : VectorEnv, IRenderable
{
    static readonly int[] MoveRow = { 0, 0, 1, -1, 0 };
    static readonly int[] MoveCol = { 1, -1, 0, 0, 0 };

    readonly CoinGameOptions options;
    // Cells are row * 3 + column, one byte each: red agent, blue agent, red coin, blue coin.
    readonly byte[] red, blue, redCoin, blueCoin;
    readonly int[] innerStep, outerStep;

    /// <summary>Creates N games.</summary>
    public CoinGame(int numEnvs, CoinGameOptions? options = null)
        : base(numEnvs, new[] { "agent_0", "agent_1" }, Spaces(options ?? new CoinGameOptions()), new Space[] { new Discrete(5), new Discrete(5) })
    {
        this.options = options ?? new CoinGameOptions();
        this.options.Validate();
        red = new byte[numEnvs]; blue = new byte[numEnvs]; redCoin = new byte[numEnvs]; blueCoin = new byte[numEnvs];
        innerStep = new int[numEnvs]; outerStep = new int[numEnvs];
        InnerEpisodeDone = new bool[numEnvs];
        OwnCoins = new int[2 * numEnvs]; OtherCoins = new int[2 * numEnvs];
        Pickups = new byte[numEnvs];
    }

    static Space[] Spaces(CoinGameOptions o)
    {
        var space = new Box(0, 1, o.Cnn ? new[] { 3, 3, 4 } : new[] { 36 });
        return new Space[] { space, space };
    }

    /// <inheritdoc/>
    public override string Name => "coin_game";

    /// <summary>The game's settings.</summary>
    public CoinGameOptions Options => options;

    /// <summary>Whether environment e's last step ended an inner game.</summary>
    public bool[] InnerEpisodeDone { get; }

    /// <summary>Own-coin pickups per agent in the current episode, [2 * N] agent-major (JaxMARL's red_coop / blue_coop).</summary>
    public int[] OwnCoins { get; }

    /// <summary>Other-coin pickups per agent in the current episode (red_defect / blue_defect); counts pickups on zero-reward boundary steps too.</summary>
    public int[] OtherCoins { get; }

    /// <summary>
    /// The pickups of environment e's last step as bits: 1 red took its own coin, 2 red took blue's, 4 blue took its own,
    /// 8 blue took red's (also on the zero-reward boundary step, like <see cref="OwnCoins"/>); survives the auto-reset.
    /// </summary>
    public byte[] Pickups { get; }

    /// <summary>Positions in environment e as cells row * 3 + column: red agent, blue agent, red coin, blue coin.</summary>
    public (int Red, int Blue, int RedCoin, int BlueCoin) Positions(int env) => (red[env], blue[env], redCoin[env], blueCoin[env]);

    /// <summary>Places agents and coins in environment e (for hand-worked tests), then rewrites its observations.</summary>
    public void SetPositions(int env, int redCell, int blueCell, int redCoinCell, int blueCoinCell)
    {
        foreach (var c in new[] { redCell, blueCell, redCoinCell, blueCoinCell })
            if ((uint)c > 8) throw new ArgumentOutOfRangeException(nameof(redCell), c, "cells are 0..8 (row * 3 + column)");
        (red[env], blue[env], redCoin[env], blueCoin[env]) = ((byte)redCell, (byte)blueCell, (byte)redCoinCell, (byte)blueCoinCell);
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        innerStep[env] = 0;
        outerStep[env] = 0;
        OwnCoins[env] = OwnCoins[NumEnvs + env] = 0;
        OtherCoins[env] = OtherCoins[NumEnvs + env] = 0;
        PlaceAll(env);
    }

    void PlaceAll(int env)
    {
        // Each coordinate uniform and independent, as JaxMARL's randint((4, 2), 0, 3): coincidences allowed.
        ref var rng = ref Random[env];
        red[env] = Cell(ref rng); blue[env] = Cell(ref rng); redCoin[env] = Cell(ref rng); blueCoin[env] = Cell(ref rng);
        WriteObservations(env);
    }

    static byte Cell(ref ulong rng)
    {
        var row = SplitMix64.Below(ref rng, 3);
        return (byte)(row * 3 + SplitMix64.Below(ref rng, 3));
    }

    /// <summary>Next cell by (cell, action), cell * 5 + action: the torus moves without divisions.</summary>
    static readonly byte[] Moves = Enumerable.Range(0, 45).Select(k =>
    {
        var (cell, action) = (k / 5, k % 5);
        return (byte)((cell / 3 + MoveRow[action] + 3) % 3 * 3 + (cell % 3 + MoveCol[action] + 3) % 3);
    }).ToArray();

    static byte Move(byte cell, int action) => Moves[cell * 5 + action];

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var newRed = Move(red[env], actions[env]);
        var newBlue = Move(blue[env], actions[NumEnvs + env]);
        bool rr = newRed == redCoin[env], rb = newRed == blueCoin[env], br = newBlue == redCoin[env], bb = newBlue == blueCoin[env];
        float redReward = 0, blueReward = 0;
        if (rr) redReward += options.OwnCoin;
        if (rb) { redReward += options.OtherCoin; blueReward += options.Stolen; }
        if (br) { blueReward += options.OtherCoin; redReward += options.Stolen; }
        if (bb) blueReward += options.OwnCoin;
        OwnCoins[env] += rr ? 1 : 0; OwnCoins[NumEnvs + env] += bb ? 1 : 0;
        OtherCoins[env] += rb ? 1 : 0; OtherCoins[NumEnvs + env] += br ? 1 : 0;
        Pickups[env] = (byte)((rr ? 1 : 0) | (rb ? 2 : 0) | (bb ? 4 : 0) | (br ? 8 : 0));
        // Both respawn candidates are always drawn (as JaxMARL does), used only for collected coins.
        ref var rng = ref Random[env];
        var newRedCoin = Cell(ref rng);
        var newBlueCoin = Cell(ref rng);
        red[env] = newRed; blue[env] = newBlue;
        if (rr || br) redCoin[env] = newRedCoin;
        if (rb || bb) blueCoin[env] = newBlueCoin;

        var boundary = ++innerStep[env] == options.InnerSteps;
        InnerEpisodeDone[env] = boundary;
        AllDones[env] = false;
        if (boundary)
        {
            // The inner game's last step pays nothing and shows the next game's first observation.
            redReward = blueReward = 0;
            innerStep[env] = 0;
            if (++outerStep[env] == options.OuterSteps) AllDones[env] = true; // the batch's auto-reset places everything
            else PlaceAll(env);
        }
        else WriteObservations(env);
        if (options.SharedRewards) redReward = blueReward = redReward + blueReward;
        Reward(0, env) = redReward;
        Reward(1, env) = blueReward;
    }

    void WriteObservations(int env)
    {
        Write(Observation(0, env), red[env], blue[env], redCoin[env], blueCoin[env]);
        Write(Observation(1, env), blue[env], red[env], blueCoin[env], redCoin[env]);
    }

    void Write(Span<float> o, int self, int other, int ownCoin, int otherCoin)
    {
        o.Clear();
        if (options.Egocentric)
        {
            // Shift so the observer sits at the centre cell (1, 1).
            int dr = 1 - self / 3, dc = 1 - self % 3;
            int Shift(int cell) => (cell / 3 + dr + 3) % 3 * 3 + (cell % 3 + dc + 3) % 3;
            (self, other, ownCoin, otherCoin) = (Shift(self), Shift(other), Shift(ownCoin), Shift(otherCoin));
        }
        o[self * 4] = 1;
        o[other * 4 + 1] = 1;
        o[ownCoin * 4 + 2] = 1;
        o[otherCoin * 4 + 3] = 1;
    }

    /// <summary>Cell size of <see cref="Render"/> in pixels.</summary>
    public const int CellPixels = 48;

    /// <inheritdoc/>
    /// <remarks>Row 0 at the top; per cell R/B for the red/blue agent and r/b for their coins, '.' when empty.</remarks>
    public string RenderText(int env)
    {
        var sb = new System.Text.StringBuilder();
        for (var row = 0; row < 3; row++)
        {
            for (var col = 0; col < 3; col++)
            {
                var cell = row * 3 + col;
                var s = (red[env] == cell ? "R" : "") + (blue[env] == cell ? "B" : "") + (redCoin[env] == cell ? "r" : "") + (blueCoin[env] == cell ? "b" : "");
                sb.Append((s.Length == 0 ? "." : s).PadRight(5));
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    /// <remarks>Agents are large discs, coins small light discs; row 0 at the top.</remarks>
    public Frame Render(int env)
    {
        var frame = Frame.Board(3, CellPixels);
        (double X, double Y) Centre(int cell, double dx) => ((cell % 3 + 0.5 + dx) * CellPixels, (cell / 3 + 0.5) * CellPixels);
        var (rx, ry) = Centre(red[env], -0.18); frame.FillCircle(rx, ry, CellPixels * 0.22, Colours.Red);
        var (bx, by) = Centre(blue[env], 0.18); frame.FillCircle(bx, by, CellPixels * 0.22, Colours.Blue);
        var (cx, cy) = Centre(redCoin[env], -0.2); frame.FillCircle(cx, cy + CellPixels * 0.3, CellPixels * 0.12, Colours.LightRed);
        var (dx2, dy2) = Centre(blueCoin[env], 0.2); frame.FillCircle(dx2, dy2 + CellPixels * 0.3, CellPixels * 0.12, Colours.LightBlue);
        return frame;
    }
}
