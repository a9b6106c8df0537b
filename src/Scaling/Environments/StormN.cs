using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments;

/// <summary>
/// STORM for n players (JaxMARL storm.py, InTheMatrix) with the reference's intended semantics: an 8 x 8 grid, n agents,
/// 6 red ("cooperate") and 6 blue ("defect") coins at random cells. Actions 0 turn left (dir + 1), 1 turn right, 2 forward,
/// 3 stay, 4-7 zap one cell: 1 ahead, 2 ahead, front-right, front-left. A zap hits when zapper and target are unfrozen and
/// both hold coins; 1-step zaps take priority over the others on the same target, ties among zappers are broken at
/// random. Each interaction pays the zapper p_i^T M_row p_t and the target p_i^T M_col p_t (normalised inventories, the
/// IPD payoffs 3/3, 0/5, 5/0, 1/1) and freezes the pair for 5 steps; an agent whose last freeze ends respawns at a random
/// free cell with an empty inventory, and every eaten coin comes back at a random free cell. Episodes last 152 steps; the
/// last pays nothing. Observation per agent (250 floats): an egocentric 5 x 5 view (self at [2, 0] looking along the
/// columns) with 10 channels: wall, marker, red coin, blue coin, self, other agent, one-hot relative direction of another
/// agent on its cell (4).
/// </summary>
/// <remarks>
/// Deviations from the reference as coded, which departs from its own comments (docs/environments.md): zap-left is checked
/// on its own target; 1-step priority applies; rewards go to the zapper and the target as described; respawns land on free
/// cells only. The reference's extra observation channels (pick-up, inventories, frozen) read the wrong agent's data; we
/// leave them out rather than guess, and keep the view and the relative directions.
/// </remarks>
public sealed class StormN : VectorEnv, IRenderable
{
    const int G = Storm2p.GridSize, View = 5, Channels = 10, Coins = 6, Freeze = Storm2p.FreezePenalty, Length = Storm2p.EpisodeLength;
    const byte Empty = 0, Marker = 2, RedCoin = 3, BlueCoin = 4, AgentBase = 5;
    static readonly int[] StepX = { 0, 1, 0, -1 }, StepY = { 1, 0, -1, 0 };
    static readonly float[,] RowPayoff = { { 3, 0 }, { 5, 1 } }, ColumnPayoff = { { 3, 5 }, { 0, 1 } };

    readonly int n;
    readonly byte[] grid;        // [N, x, y]
    readonly int[] x, y, dir;    // [N, n]
    readonly float[] inventory;  // [N, n, 2]
    readonly int[] freeze;       // [N, n, n]
    readonly int[] eatenRed, eatenBlue;

    /// <summary>Creates N games of <paramref name="numAgents"/> agents (2 to 8).</summary>
    public StormN(int numEnvs, int numAgents = 3)
        : base(numEnvs, Names(numAgents), Enumerable.Repeat<Space>(new Box(0, 1, new[] { View * View * Channels }), numAgents).ToArray(),
            Enumerable.Repeat<Space>(new Discrete(8), numAgents).ToArray())
    {
        n = numAgents;
        grid = new byte[numEnvs * G * G];
        x = new int[numEnvs * n]; y = new int[numEnvs * n]; dir = new int[numEnvs * n];
        inventory = new float[numEnvs * n * 2];
        freeze = new int[numEnvs * n * n];
        eatenRed = new int[numEnvs]; eatenBlue = new int[numEnvs];
    }

    static string[] Names(int count) => count is >= 2 and <= 8
        ? Enumerable.Range(0, count).Select(i => $"agent_{i}").ToArray()
        : throw new ArgumentOutOfRangeException(nameof(count), count, "STORM takes 2 to 8 agents");

    /// <inheritdoc/>
    public override string Name => "storm";

    /// <summary>Agent a's (x, y, dir) in environment e.</summary>
    public (int X, int Y, int Dir) Agent(int env, int agent) { var k = env * n + agent; return (x[k], y[k], dir[k]); }

    /// <summary>Agent a's inventory (red, blue) in environment e.</summary>
    public (float Red, float Blue) Inventory(int env, int agent) { var k = (env * n + agent) * 2; return (inventory[k], inventory[k + 1]); }

    /// <summary>Whether agent a is frozen in environment e.</summary>
    public bool Frozen(int env, int agent)
    {
        for (var j = 0; j < n; j++) if (freeze[(env * n + agent) * n + j] > 0) return true;
        return false;
    }

    /// <summary>The grid code at (x, y): 0 empty, 2 marker, 3 red coin, 4 blue coin, 5 + i agent i.</summary>
    public byte Cell(int env, int cx, int cy) => grid[Index(env, cx, cy)];

    static int Index(int env, int cx, int cy) => (env * G + cx) * G + cy;

    /// <summary>Moves agent a and sets its inventory (for hand-worked tests).</summary>
    public void SetAgent(int env, int agent, (int X, int Y, int Dir) place, (float Red, float Blue) held)
    {
        var k = env * n + agent;
        grid[Index(env, x[k], y[k])] = Empty;
        (x[k], y[k], dir[k]) = place;
        grid[Index(env, place.X, place.Y)] = (byte)(AgentBase + agent);
        (inventory[2 * k], inventory[2 * k + 1]) = held;
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        var cells = grid.AsSpan(env * G * G, G * G);
        cells.Clear();
        Span<int> order = stackalloc int[G * G];
        for (var c = 0; c < order.Length; c++) order[c] = c;
        ref var rng = ref Random[env];
        for (var c = order.Length - 1; c > 0; c--) { var j = SplitMix64.Below(ref rng, c + 1); (order[c], order[j]) = (order[j], order[c]); }
        for (var a = 0; a < n; a++)
        {
            var k = env * n + a;
            (x[k], y[k], dir[k]) = (order[a] % G, order[a] / G, SplitMix64.Below(ref rng, 3));
            cells[x[k] * G + y[k]] = (byte)(AgentBase + a);
        }
        for (var c = 0; c < 2 * Coins; c++) { var cell = order[n + c]; cells[(cell % G) * G + cell / G] = c < Coins ? RedCoin : BlueCoin; }
        inventory.AsSpan(env * n * 2, n * 2).Clear();
        freeze.AsSpan(env * n * n, n * n).Fill(-1);
        eatenRed[env] = eatenBlue[env] = 0;
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        ref var rng = ref Random[env];
        Span<int> act = stackalloc int[n], nx = stackalloc int[n], ny = stackalloc int[n], nd = stackalloc int[n];
        Span<bool> frozen = stackalloc bool[n], moved = stackalloc bool[n];
        for (var a = 0; a < n; a++)
        {
            var k = env * n + a;
            frozen[a] = Frozen(env, a);
            act[a] = frozen[a] ? 3 : actions[a * NumEnvs + env];
            var d = dir[k];
            nd[a] = act[a] == 0 ? (d + 1) % 4 : act[a] == 1 ? (d + 3) % 4 : d;
            (nx[a], ny[a]) = (x[k], y[k]);
            if (act[a] == 2) { nx[a] = Math.Clamp(x[k] + StepX[d], 0, G - 1); ny[a] = Math.Clamp(y[k] + StepY[d], 0, G - 1); }
            moved[a] = nx[a] != x[k] || ny[a] != y[k];
        }
        // Agents aiming at one cell: an agent that stays keeps it, else a random mover wins; the others stay where they were.
        Span<bool> settled = stackalloc bool[n];
        Span<int> group = stackalloc int[n];
        for (var a = 0; a < n; a++)
        {
            if (settled[a] || !moved[a]) continue;
            var size = 0;
            for (var b = 0; b < n; b++) if (nx[b] == nx[a] && ny[b] == ny[a]) group[size++] = b;
            if (size == 1) continue;
            var keeper = -1;
            for (var m = 0; m < size; m++) if (!moved[group[m]]) { keeper = group[m]; break; }
            if (keeper < 0) keeper = group[SplitMix64.Below(ref rng, size)];
            for (var m = 0; m < size; m++)
            {
                var b = group[m];
                settled[b] = true;
                if (b == keeper) continue;
                var k = env * n + b;
                (nx[b], ny[b], nd[b]) = (x[k], y[k], dir[k]);
            }
        }
        for (var a = 0; a < n; a++)
        {
            var code = grid[Index(env, nx[a], ny[a])];
            var k = (env * n + a) * 2;
            if (code == RedCoin) { inventory[k]++; eatenRed[env]++; }
            else if (code == BlueCoin) { inventory[k + 1]++; eatenBlue[env]++; }
        }
        for (var a = 0; a < n; a++) { var k = env * n + a; grid[Index(env, x[k], y[k])] = Empty; }
        for (var a = 0; a < n; a++)
        {
            var k = env * n + a;
            (x[k], y[k], dir[k]) = (nx[a], ny[a], nd[a]);
            grid[Index(env, nx[a], ny[a])] = (byte)(AgentBase + a);
        }

        // Zaps on the moved grid: old markers vanish; each valid zap names a target; 1-step zaps first, random winners.
        var cells = grid.AsSpan(env * G * G, G * G);
        for (var c = 0; c < cells.Length; c++) if (cells[c] == Marker) cells[c] = Empty;
        Span<bool> holds = stackalloc bool[n];
        for (var a = 0; a < n; a++) holds[a] = inventory[(env * n + a) * 2] + inventory[(env * n + a) * 2 + 1] > 0;
        Span<int> target = stackalloc int[n];
        Span<int> zone = stackalloc int[4];
        for (var a = 0; a < n; a++)
        {
            target[a] = -1;
            if (act[a] < 4 || frozen[a] || !holds[a]) continue;
            Zone(env, a, zone);
            var code = grid[zone[act[a] - 4]];
            var t = code - AgentBase;
            if (code >= AgentBase && t != a && !frozen[t] && holds[t]) target[a] = t;
        }
        Span<int> zappers = group;
        for (var t = 0; t < n; t++)
            for (var pass = 0; pass < 2; pass++)
            {
                // Pass 0: zappers one cell ahead; pass 1: the others, only if nobody one cell ahead zapped t.
                var count = 0;
                for (var a = 0; a < n; a++) if (target[a] == t && (act[a] == 4) == (pass == 0)) zappers[count++] = a;
                if (count == 0) continue;
                var winner = zappers[SplitMix64.Below(ref rng, count)];
                for (var a = 0; a < n; a++) if (target[a] == t && a != winner) target[a] = -1;
                break;
            }
        Span<float> reward = stackalloc float[n];
        Span<bool> fresh = stackalloc bool[n * n];
        for (var a = 0; a < n; a++)
        {
            if (act[a] >= 4 && !frozen[a] && holds[a])
            {
                Zone(env, a, zone);
                foreach (var c in zone) if (grid[c] == Empty) grid[c] = Marker;
            }
            var t = target[a];
            if (t < 0) continue;
            int ka = (env * n + a) * 2, kt = (env * n + t) * 2;
            float sa = inventory[ka] + inventory[ka + 1], st = inventory[kt] + inventory[kt + 1];
            for (var i = 0; i < 2; i++)
                for (var j = 0; j < 2; j++)
                {
                    var weight = inventory[ka + i] / sa * (inventory[kt + j] / st);
                    reward[a] += weight * RowPayoff[i, j];
                    reward[t] += weight * ColumnPayoff[i, j];
                }
            freeze[(env * n + a) * n + t] = freeze[(env * n + t) * n + a] = Freeze;
            fresh[a * n + t] = fresh[t * n + a] = true;
        }
        // Freezes count down; an agent whose last freeze ends respawns.
        Span<bool> respawn = stackalloc bool[n];
        for (var a = 0; a < n; a++)
            for (var b = 0; b < n; b++)
            {
                ref var f = ref freeze[(env * n + a) * n + b];
                if (f > 0 && !fresh[a * n + b] && --f == 0) respawn[a] = true;
            }
        for (var a = 0; a < n; a++)
        {
            if (!respawn[a] || Frozen(env, a)) continue;
            var k = env * n + a;
            grid[Index(env, x[k], y[k])] = Empty;
            var cell = FreeCell(env, ref rng);
            (x[k], y[k], dir[k]) = (cell / G, cell % G, SplitMix64.Below(ref rng, 3));
            grid[cell + env * G * G] = (byte)(AgentBase + a);
            inventory[2 * k] = inventory[2 * k + 1] = 0;
            for (; eatenRed[env] > 0; eatenRed[env]--) grid[FreeCell(env, ref rng) + env * G * G] = RedCoin;
            for (; eatenBlue[env] > 0; eatenBlue[env]--) grid[FreeCell(env, ref rng) + env * G * G] = BlueCoin;
        }
        var last = EpisodeSteps[env] >= Length;
        AllDones[env] = last;
        for (var a = 0; a < n; a++) Reward(a, env) = last ? 0 : reward[a];
        WriteObservations(env);
    }

    /// <summary>A uniformly random empty cell of environment e, as x * G + y.</summary>
    int FreeCell(int env, ref ulong rng)
    {
        var cells = grid.AsSpan(env * G * G, G * G);
        var free = 0;
        foreach (var c in cells) if (c == Empty) free++;
        var pick = SplitMix64.Below(ref rng, free);
        for (var c = 0; c < cells.Length; c++) if (cells[c] == Empty && pick-- == 0) return c;
        throw new InvalidOperationException("the grid has no empty cell");
    }

    /// <summary>Agent a's zap targets (1 ahead, 2 ahead, front-right, front-left) as grid indices of environment e.</summary>
    void Zone(int env, int a, Span<int> zone)
    {
        var k = env * n + a;
        Storm2p.ZoneCells(x[k], y[k], dir[k], zone);
        for (var c = 0; c < 4; c++) zone[c] += env * G * G;
    }

    void WriteObservations(int env)
    {
        for (var a = 0; a < n; a++)
        {
            var o = Observation(a, env);
            o.Clear();
            int k = env * n + a, d = dir[k], right = (d + 1) % 4;
            for (var row = 0; row < View; row++)
                for (var col = 0; col < View; col++)
                {
                    int cx = x[k] + col * StepX[d] + (row - 2) * StepX[right], cy = y[k] + col * StepY[d] + (row - 2) * StepY[right];
                    var at = (row * View + col) * Channels;
                    if ((uint)cx >= G || (uint)cy >= G) { o[at] = 1; continue; }
                    var code = grid[Index(env, cx, cy)];
                    if (code == Marker) o[at + 1] = 1;
                    else if (code == RedCoin) o[at + 2] = 1;
                    else if (code == BlueCoin) o[at + 3] = 1;
                    else if (code >= AgentBase)
                    {
                        var other = code - AgentBase;
                        if (other == a) o[at + 4] = 1;
                        else { o[at + 5] = 1; o[at + 6 + (dir[env * n + other] - d + 4) % 4] = 1; }
                    }
                }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Row y = 7 at the top; agents by index digit, r/b coins, '*' markers.</remarks>
    public string RenderText(int env)
    {
        var sb = new System.Text.StringBuilder();
        for (var cy = G - 1; cy >= 0; cy--)
        {
            for (var cx = 0; cx < G; cx++)
            {
                var code = grid[Index(env, cx, cy)];
                sb.Append(code >= AgentBase ? (char)('0' + code - AgentBase) : code == RedCoin ? 'r' : code == BlueCoin ? 'b' : code == Marker ? '*' : '.');
                sb.Append(' ');
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        const int c = 32;
        var frame = Frame.Board(G, c);
        for (var cx = 0; cx < G; cx++)
            for (var cy = 0; cy < G; cy++)
            {
                double px = (cx + 0.5) * c, py = (G - 1 - cy + 0.5) * c;
                var code = grid[Index(env, cx, cy)];
                if (code >= AgentBase) frame.FillCircle(px, py, c * 0.38, (code - AgentBase) % 2 == 0 ? Colours.Red : Colours.Blue);
                else if (code == RedCoin) frame.FillCircle(px, py, c * 0.18, Colours.LightRed);
                else if (code == BlueCoin) frame.FillCircle(px, py, c * 0.18, Colours.LightBlue);
                else if (code == Marker) frame.FillRectangle(cx * c + 4, (G - 1 - cy) * c + 4, c - 7, c - 7, Colours.Yellow);
            }
        return frame;
    }
}
