using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments;

/// <summary>Settings of <see cref="Storm2p"/>.</summary>
/// <param name="FixedCoins">Coins at JaxMARL's fixed cells (its <c>fixed_coin_location=True</c>, whose layout never swaps
/// because <c>randint(0, maxval=1)</c> is always 0); false draws a permutation of the 12 coin cells at every reset (6 red,
/// 6 blue), kept through the episode's soft resets, as <c>fixed_coin_location=False</c> (pax's M-FOS and IMPitM runs).</param>
/// <param name="Game">"ipd" (the IPD in the Matrix: CC 3/3, CD 0/5, DC 5/0, DD 1/1) or "imp" (matching pennies in the
/// Matrix, pax's impitm payoff: red wins 1 when the inventories match, blue when they differ).</param>
/// <param name="InnerSteps">Steps per episode (JaxMARL's num_inner_steps, 152); the last pays nothing.</param>
public sealed record Storm2pOptions(bool FixedCoins = true, string Game = "ipd", int InnerSteps = Storm2p.EpisodeLength)
{
    /// <summary>Throws a clear error for an unknown game or a non-positive episode length.</summary>
    public void Validate()
    {
        if (Game is not ("ipd" or "imp")) throw new ArgumentException($"storm_2p game '{Game}': expected ipd or imp");
        if (InnerSteps < 1) throw new ArgumentOutOfRangeException(nameof(InnerSteps), InnerSteps, "storm_2p episodes need at least one step");
    }
}

/// <summary>
/// STORM for two players, the IPD in the Matrix (JaxMARL storm_2p.py, InTheGrid_2p): an 8 x 8 grid, a red and a blue
/// agent with orientations, 6 red ("cooperate") and 6 blue ("defect") coins at fixed cells. Actions 0 turn left
/// (dir + 1), 1 turn right (dir - 1), 2 forward, 3 interact, 4 stay. Moving into the other agent's new cell reverts the
/// mover (a fair coin decides when both moved); stepping on a coin adds it to the inventory. Interacting checks the
/// zone 1 and 2 ahead, front-left and front-right for the other agent; an interaction (either zaps the other, both
/// inventories non-empty) pays both r = p^T M q with normalised inventories p, q (M: CC 3/3, CD 0/5, DC 5/0, DD 1/1),
/// freezes both for 5 steps, then both respawn with empty inventories and all coins restored. Episodes last 152 steps;
/// the last step pays nothing.
/// </summary>
/// <remarks>
/// Observation per agent (256 floats): an egocentric 5 x 5 view, row-major [row, column, channel] with 10 channels,
/// the agent at [2, 0] looking along increasing column (row 3 is its right side, STEP[dir + 1]); channels: self, other,
/// red coin, blue coin, wall, interact marker, then one-hot (other's dir - own dir) mod 4 on the other agent's cell;
/// followed by the inventory part: own red and blue coins, own and other "has picked up", the other's inventory while
/// frozen (else 0). JaxMARL returns the view and the inventory as a dictionary; here they are one flat vector.
/// </remarks>
public sealed class Storm2p : VectorEnv, IRenderable
{
    /// <summary>Grid side.</summary>
    public const int GridSize = 8;
    /// <summary>Steps per episode by default.</summary>
    public const int EpisodeLength = 152;
    /// <summary>Steps both agents stay frozen after an interaction.</summary>
    public const int FreezePenalty = 5;
    const int View = 5, Channels = 10, ObsSize = View * View * Channels + 6;
    const byte Empty = 0, RedAgent = 1, BlueAgent = 2, RedCoin = 3, BlueCoin = 4, Wall = 5, Marker = 6;
    const int Left = 0, Right = 1, Forward = 2, Interact = 3, Stay = 4;
    static readonly int[] StepX = { 0, 1, 0, -1 }, StepY = { 1, 0, -1, 0 };
    static readonly (int X, int Y)[] RedCoins = { (1, 2), (1, 6), (1, 5), (5, 1), (6, 6), (5, 6) };
    static readonly (int X, int Y)[] BlueCoins = { (1, 1), (2, 1), (2, 6), (6, 2), (6, 1), (6, 5) };
    static readonly (int X, int Y)[] RedSpawns =
        { (0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (7, 0), (6, 0), (5, 0), (7, 1), (0, 7), (1, 7), (2, 7), (0, 6), (7, 7), (6, 7), (5, 7), (7, 6), (5, 6) };
    static readonly (int X, int Y)[] CoinCells = RedCoins.Concat(BlueCoins).ToArray();
    static readonly float[,] IpdRed = { { 3, 0 }, { 5, 1 } }, IpdBlue = { { 3, 5 }, { 0, 1 } };
    static readonly float[,] ImpRed = { { 1, -1 }, { -1, 1 } }, ImpBlue = { { -1, 1 }, { 1, -1 } };

    readonly Storm2pOptions options;
    readonly float[,] redPayoff, bluePayoff;
    readonly byte[] coins;             // [N, 12]: the episode's coin cells x * 8 + y, 6 red then 6 blue

    readonly byte[] grid;              // [N, x, y]
    readonly int[] x, y, dir;          // [N, 2]: red then blue
    readonly float[] inventory;        // [N, 2 agents, 2 coins]
    readonly int[] freeze;

    /// <summary>Creates N games.</summary>
    public Storm2p(int numEnvs, Storm2pOptions? options = null)
        : base(numEnvs, new[] { "agent_0", "agent_1" },
            new Space[] { new Box(0, float.PositiveInfinity, new[] { ObsSize }), new Box(0, float.PositiveInfinity, new[] { ObsSize }) },
            new Space[] { new Discrete(5), new Discrete(5) })
    {
        grid = new byte[numEnvs * GridSize * GridSize];
        x = new int[2 * numEnvs]; y = new int[2 * numEnvs]; dir = new int[2 * numEnvs];
        inventory = new float[4 * numEnvs];
        freeze = new int[numEnvs];
        coins = new byte[numEnvs * CoinCells.Length];
        Interacted = new bool[numEnvs];
        InteractionInventories = new float[4 * numEnvs];
        this.options = options ?? new Storm2pOptions();
        this.options.Validate();
        (redPayoff, bluePayoff) = this.options.Game == "imp" ? (ImpRed, ImpBlue) : (IpdRed, IpdBlue);
    }

    /// <summary>The settings.</summary>
    public Storm2pOptions Options => options;

    /// <summary>Whether environment e's last step was an interaction (a paid encounter).</summary>
    public bool[] Interacted { get; }

    /// <summary>The inventories [N, red agent's red, blue coins, blue agent's red, blue coins] at environment e's last interaction.</summary>
    public float[] InteractionInventories { get; }

    /// <inheritdoc/>
    public override string Name => "storm_2p";

    /// <summary>Agent a's (x, y, dir) in environment e.</summary>
    public (int X, int Y, int Dir) Agent(int env, int agent) => (x[2 * env + agent], y[2 * env + agent], dir[2 * env + agent]);

    /// <summary>Agent a's inventory (red coins, blue coins) in environment e.</summary>
    public (float Red, float Blue) Inventory(int env, int agent) => (inventory[4 * env + 2 * agent], inventory[4 * env + 2 * agent + 1]);

    /// <summary>The shared freeze counter of environment e (-1 when nobody is frozen).</summary>
    public int Freeze(int env) => freeze[env];

    /// <summary>The grid code at (x, y) of environment e: 0 empty, 1 red agent, 2 blue agent, 3 red coin, 4 blue coin, 6 marker.</summary>
    public byte Cell(int env, int cx, int cy) => grid[Index(env, cx, cy)];

    static int Index(int env, int cx, int cy) => (env * GridSize + cx) * GridSize + cy;

    /// <summary>Places both agents and sets their inventories (for hand-worked tests); the grid keeps its coins.</summary>
    public void SetAgents(int env, (int X, int Y, int Dir) red, (int X, int Y, int Dir) blue, (float, float) redInventory = default, (float, float) blueInventory = default)
    {
        for (var a = 0; a < 2; a++) grid[Index(env, x[2 * env + a], y[2 * env + a])] = Empty;
        (x[2 * env], y[2 * env], dir[2 * env]) = red;
        (x[2 * env + 1], y[2 * env + 1], dir[2 * env + 1]) = blue;
        grid[Index(env, red.X, red.Y)] = RedAgent;
        grid[Index(env, blue.X, blue.Y)] = BlueAgent;
        (inventory[4 * env], inventory[4 * env + 1]) = redInventory;
        (inventory[4 * env + 2], inventory[4 * env + 3]) = blueInventory;
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        var layout = coins.AsSpan(env * CoinCells.Length, CoinCells.Length);
        for (var c = 0; c < CoinCells.Length; c++) layout[c] = (byte)(CoinCells[c].X * GridSize + CoinCells[c].Y);
        if (!options.FixedCoins)
        {
            ref var rng = ref Random[env];
            for (var i = layout.Length - 1; i > 0; i--)
            {
                var j = SplitMix64.Below(ref rng, i + 1);
                (layout[i], layout[j]) = (layout[j], layout[i]);
            }
        }
        Interacted[env] = false;
        Place(env, coinsOverAgents: true);
        WriteObservations(env);
    }

    /// <summary>New spawn pair and directions, all coins back, empty inventories; the reset writes coins over agents, the soft reset agents over coins.</summary>
    void Place(int env, bool coinsOverAgents)
    {
        ref var rng = ref Random[env];
        var pair = SplitMix64.Below(ref rng, RedSpawns.Length);
        var (rx, ry) = RedSpawns[pair];
        (x[2 * env], y[2 * env], dir[2 * env]) = (rx, ry, SplitMix64.Below(ref rng, 3));
        (x[2 * env + 1], y[2 * env + 1], dir[2 * env + 1]) = (GridSize - 1 - rx, GridSize - 1 - ry, SplitMix64.Below(ref rng, 3));
        grid.AsSpan(env * GridSize * GridSize, GridSize * GridSize).Clear();
        if (!coinsOverAgents) PlaceCoins(env);
        grid[Index(env, x[2 * env], y[2 * env])] = RedAgent;
        grid[Index(env, x[2 * env + 1], y[2 * env + 1])] = BlueAgent;
        if (coinsOverAgents) PlaceCoins(env);
        inventory.AsSpan(4 * env, 4).Clear();
        freeze[env] = -1;
    }

    void PlaceCoins(int env)
    {
        var layout = coins.AsSpan(env * CoinCells.Length, CoinCells.Length);
        for (var c = 0; c < layout.Length; c++) grid[env * GridSize * GridSize + layout[c]] = c < RedCoins.Length ? RedCoin : BlueCoin;
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        Span<int> act = stackalloc int[] { actions[env], actions[NumEnvs + env] };
        if (freeze[env] > 0) act.Fill(Stay);
        Span<int> nx = stackalloc int[2], ny = stackalloc int[2], nd = stackalloc int[2];
        Span<bool> moved = stackalloc bool[2];
        for (var a = 0; a < 2; a++)
        {
            int k = 2 * env + a, d = dir[k];
            nd[a] = act[a] == Left ? (d + 1) % 4 : act[a] == Right ? (d + 3) % 4 : d;
            nx[a] = x[k]; ny[a] = y[k];
            if (act[a] == Forward) { nx[a] = Math.Clamp(x[k] + StepX[d], 0, GridSize - 1); ny[a] = Math.Clamp(y[k] + StepY[d], 0, GridSize - 1); }
            moved[a] = nx[a] != x[k] || ny[a] != y[k];
        }
        if (nx[0] == nx[1] && ny[0] == ny[1])
        {
            // The mover yields to an agent that stays; when both moved a fair coin picks who yields.
            var revert = moved[0] && !moved[1] ? 0 : moved[1] && !moved[0] ? 1 : SplitMix64.Below(ref Random[env], 2) == 0 ? 0 : 1;
            var k = 2 * env + revert;
            (nx[revert], ny[revert], nd[revert]) = (x[k], y[k], dir[k]);
        }
        for (var a = 0; a < 2; a++)
        {
            var code = grid[Index(env, nx[a], ny[a])];
            if (code == RedCoin) inventory[4 * env + 2 * a]++;
            else if (code == BlueCoin) inventory[4 * env + 2 * a + 1]++;
        }
        for (var a = 0; a < 2; a++) grid[Index(env, x[2 * env + a], y[2 * env + a])] = Empty;
        for (var a = 0; a < 2; a++)
        {
            var k = 2 * env + a;
            (x[k], y[k], dir[k]) = (nx[a], ny[a], nd[a]);
            grid[Index(env, nx[a], ny[a])] = a == 0 ? RedAgent : BlueAgent;
        }

        // Interactions: old markers vanish; each agent's zone is checked on the grid before new markers are drawn.
        var cells = grid.AsSpan(env * GridSize * GridSize, GridSize * GridSize);
        for (var c = 0; c < cells.Length; c++) if (cells[c] == Marker) cells[c] = Empty;
        Span<int> zone = stackalloc int[8];
        Span<bool> hit = stackalloc bool[2];
        for (var a = 0; a < 2; a++)
        {
            Zone(env, a, zone.Slice(4 * a, 4));
            var other = a == 0 ? BlueAgent : RedAgent;
            foreach (var c in zone.Slice(4 * a, 4)) hit[a] |= grid[c] == other;
        }
        for (var a = 0; a < 2; a++)
            if (act[a] == Interact)
                foreach (var c in zone.Slice(4 * a, 4)) if (grid[c] == Empty) grid[c] = Marker;
        var inv = inventory.AsSpan(4 * env, 4);
        float redTotal = inv[0] + inv[1], blueTotal = inv[2] + inv[3];
        var interact = ((act[0] == Interact && hit[0]) || (act[1] == Interact && hit[1])) && redTotal > 0 && blueTotal > 0;
        Interacted[env] = interact;
        float redReward = 0, blueReward = 0;
        if (interact)
        {
            for (var i = 0; i < 2; i++)
                for (var j = 0; j < 2; j++)
                {
                    var weight = inv[i] / redTotal * (inv[2 + j] / blueTotal);
                    redReward += weight * redPayoff[i, j];
                    blueReward += weight * bluePayoff[i, j];
                }
            freeze[env] = FreezePenalty;
            inv.CopyTo(InteractionInventories.AsSpan(4 * env, 4));
        }
        else if (freeze[env] > 0 && --freeze[env] == 0) Place(env, coinsOverAgents: false);

        var last = EpisodeSteps[env] >= options.InnerSteps;
        AllDones[env] = last;
        Reward(0, env) = last ? 0 : redReward;
        Reward(1, env) = last ? 0 : blueReward;
        WriteObservations(env);
    }

    /// <summary>Agent a's interaction zone as grid indices of environment e.</summary>
    void Zone(int env, int a, Span<int> zone)
    {
        var k = 2 * env + a;
        ZoneCells(x[k], y[k], dir[k], zone);
        for (var c = 0; c < 4; c++) zone[c] += env * GridSize * GridSize;
    }

    /// <summary>
    /// The interaction zone of an agent at (px, py) facing d, as cells x * 8 + y: 1 ahead, 2 ahead (both clipped to the
    /// grid), front-right and front-left (1 ahead when off the grid). Shared by both STORM variants.
    /// </summary>
    internal static void ZoneCells(int px, int py, int d, Span<int> zone)
    {
        zone[0] = Math.Clamp(px + StepX[d], 0, GridSize - 1) * GridSize + Math.Clamp(py + StepY[d], 0, GridSize - 1);
        zone[1] = Math.Clamp(px + 2 * StepX[d], 0, GridSize - 1) * GridSize + Math.Clamp(py + 2 * StepY[d], 0, GridSize - 1);
        for (var side = 0; side < 2; side++)
        {
            var s = side == 0 ? (d + 1) % 4 : (d + 3) % 4;
            int sx = px + StepX[d] + StepX[s], sy = py + StepY[d] + StepY[s];
            zone[2 + side] = (uint)sx < GridSize && (uint)sy < GridSize ? sx * GridSize + sy : zone[0];
        }
    }

    void WriteObservations(int env)
    {
        for (var a = 0; a < 2; a++)
        {
            var o = Observation(a, env);
            o.Clear();
            int k = 2 * env + a, other = 2 * env + 1 - a, d = dir[k], right = (d + 1) % 4;
            var self = a == 0 ? RedAgent : BlueAgent;
            for (var row = 0; row < View; row++)
                for (var col = 0; col < View; col++)
                {
                    int cx = x[k] + col * StepX[d] + (row - 2) * StepX[right], cy = y[k] + col * StepY[d] + (row - 2) * StepY[right];
                    var code = (uint)cx < GridSize && (uint)cy < GridSize ? grid[Index(env, cx, cy)] : Wall;
                    if (code == Empty) continue;
                    var at = (row * View + col) * Channels;
                    var channel = code == self ? 0 : code is RedAgent or BlueAgent ? 1 : code - 1;
                    o[at + channel] = 1;
                    if (channel == 1) o[at + 6 + (dir[other] - d + 4) % 4] = 1;
                }
            var mine = inventory.AsSpan(4 * env + 2 * a, 2);
            var theirs = inventory.AsSpan(4 * env + 2 * (1 - a), 2);
            var w = View * View * Channels;
            o[w] = mine[0]; o[w + 1] = mine[1];
            o[w + 2] = mine[0] + mine[1] > 0 ? 1 : 0;
            o[w + 3] = theirs[0] + theirs[1] > 0 ? 1 : 0;
            if (freeze[env] >= 0) { o[w + 4] = theirs[0]; o[w + 5] = theirs[1]; }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Row y = 7 at the top; R/B agents with an arrow of their direction, r/b coins, '*' interact markers.</remarks>
    public string RenderText(int env)
    {
        var sb = new System.Text.StringBuilder();
        for (var cy = GridSize - 1; cy >= 0; cy--)
        {
            for (var cx = 0; cx < GridSize; cx++)
            {
                var code = grid[Index(env, cx, cy)];
                sb.Append(code switch
                {
                    RedAgent => "R" + Arrow(dir[2 * env]), BlueAgent => "B" + Arrow(dir[2 * env + 1]),
                    RedCoin => "r ", BlueCoin => "b ", Marker => "* ", _ => ". ",
                });
            }
            sb.AppendLine();
        }
        sb.AppendLine($"inventories red {Inventory(env, 0)}, blue {Inventory(env, 1)}, freeze {freeze[env]}");
        return sb.ToString();
    }

    static char Arrow(int d) => d switch { 0 => '^', 1 => '>', 2 => 'v', _ => '<' };

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        const int c = 32;
        var frame = Frame.Board(GridSize, c);
        for (var cx = 0; cx < GridSize; cx++)
            for (var cy = 0; cy < GridSize; cy++)
            {
                double px = (cx + 0.5) * c, py = (GridSize - 1 - cy + 0.5) * c;
                switch (grid[Index(env, cx, cy)])
                {
                    case RedAgent: case BlueAgent:
                        var a = grid[Index(env, cx, cy)] == RedAgent ? 0 : 1;
                        frame.FillCircle(px, py, c * 0.38, a == 0 ? Colours.Red : Colours.Blue);
                        var d = dir[2 * env + a];
                        frame.FillCircle(px + StepX[d] * c * 0.3, py - StepY[d] * c * 0.3, c * 0.1, Colours.Dark);
                        break;
                    case RedCoin: frame.FillCircle(px, py, c * 0.18, Colours.LightRed); break;
                    case BlueCoin: frame.FillCircle(px, py, c * 0.18, Colours.LightBlue); break;
                    case Marker: frame.FillRectangle(cx * c + 4, (GridSize - 1 - cy) * c + 4, c - 7, c - 7, Colours.Yellow); break;
                }
            }
        return frame;
    }
}
