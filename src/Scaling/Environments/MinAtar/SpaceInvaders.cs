using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.MinAtar;

/// <summary>
/// MinAtar Space Invaders with the semantics of MinAtar's space_invaders.py (and gymnax's, except where noted): a cannon
/// on the bottom row, a block of aliens (rows 0-3, columns 2-7) moving sideways and stepping down at the edges, friendly
/// and enemy bullets. Minimal actions 0 no-op, 1 left, 2 right, 3 fire (every 5 steps at most). Per step: the player
/// acts; friendly bullets move up, enemy bullets down (one on the cannon ends the game); aliens on the cannon end it;
/// the block moves when its timer runs out (every min(aliens, interval) steps, interval 12 ramping down to 6 with each
/// cleared wave); the alien nearest the cannon's column (lowest in that column) fires every 10 steps; aliens hit by a
/// friendly bullet die (+1 each); a cleared wave is replaced. Observation [10, 10, 6]: cannon, aliens, aliens moving
/// left, aliens moving right, friendly bullets, enemy bullets. The game draws no random numbers.
/// </summary>
public sealed class SpaceInvaders : MinAtarGame, IRenderable
{
    const int Cells = Size * Size, ShotCoolDown = 5, EnemyShotInterval = 10, InitialMoveInterval = 12;

    readonly bool[] aliens, friendly, enemy; // [N, 10, 10] each
    readonly int[] cannon, alienDir, moveInterval, moveTimer, shotTimer, alienShotTimer;

    /// <summary>Creates N games.</summary>
    public SpaceInvaders(int numEnvs, MinAtarOptions? options = null)
        : base(numEnvs, 6, 4, options ?? MinAtarOptions.Gymnax)
    {
        aliens = new bool[numEnvs * Cells]; friendly = new bool[numEnvs * Cells]; enemy = new bool[numEnvs * Cells];
        cannon = new int[numEnvs]; alienDir = new int[numEnvs]; moveInterval = new int[numEnvs]; moveTimer = new int[numEnvs];
        shotTimer = new int[numEnvs]; alienShotTimer = new int[numEnvs];
    }

    /// <inheritdoc/>
    protected override string GameName => "minatar_space_invaders";

    /// <summary>Cannon column, alien direction (-1 left, +1 right), alien move interval and number of aliens in environment e.</summary>
    public (int Cannon, int AlienDir, int MoveInterval, int Aliens) State(int env) =>
        (cannon[env], alienDir[env], moveInterval[env], Map(aliens, env).Count(true));

    /// <summary>Whether an alien is at row y, column x of environment e.</summary>
    public bool Alien(int env, int y, int x) => aliens[env * Cells + y * Size + x];

    /// <summary>Whether a friendly bullet is at row y, column x.</summary>
    public bool FriendlyBullet(int env, int y, int x) => friendly[env * Cells + y * Size + x];

    /// <summary>Whether an enemy bullet is at row y, column x.</summary>
    public bool EnemyBullet(int env, int y, int x) => enemy[env * Cells + y * Size + x];

    /// <summary>Sets cells of environment e (for hand-worked tests): aliens, bullets, the cannon; then rewrites the observation.</summary>
    public void Set(int env, int? cannonColumn = null, (int Y, int X, bool On)[]? alienCells = null, (int Y, int X, bool On)[]? enemyBullets = null, bool clearAliens = false)
    {
        if (cannonColumn is { } c) cannon[env] = c;
        if (clearAliens) Map(aliens, env).Clear();
        foreach (var (y, x, on) in alienCells ?? Array.Empty<(int, int, bool)>()) aliens[env * Cells + y * Size + x] = on;
        foreach (var (y, x, on) in enemyBullets ?? Array.Empty<(int, int, bool)>()) enemy[env * Cells + y * Size + x] = on;
        WriteObservation(env);
    }

    Span<bool> Map(bool[] map, int env) => map.AsSpan(env * Cells, Cells);

    static void FillWave(Span<bool> map)
    {
        map.Clear();
        for (var y = 0; y < 4; y++) map.Slice(y * Size + 2, 6).Fill(true);
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        cannon[env] = 5;
        Map(friendly, env).Clear();
        Map(enemy, env).Clear();
        FillWave(Map(aliens, env));
        alienDir[env] = -1;
        moveInterval[env] = InitialMoveInterval;
        moveTimer[env] = InitialMoveInterval;
        alienShotTimer[env] = EnemyShotInterval;
        shotTimer[env] = 0;
        WriteObservation(env);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var action = Act(env, actions);
        var a = Map(aliens, env); var f = Map(friendly, env); var b = Map(enemy, env);
        if (action == 3) { if (shotTimer[env] == 0) { f[9 * Size + cannon[env]] = true; shotTimer[env] = ShotCoolDown; } }
        else if (action == 1) cannon[env] = Math.Max(0, cannon[env] - 1);
        else if (action == 2) cannon[env] = Math.Min(Size - 1, cannon[env] + 1);
        var pos = cannon[env];
        var over = false;

        // Friendly bullets up (those on row 0 leave), enemy bullets down (those on row 9 leave).
        f[Size..].CopyTo(f); f[(9 * Size)..].Clear();
        for (var y = Size - 1; y > 0; y--) b.Slice((y - 1) * Size, Size).CopyTo(b.Slice(y * Size, Size));
        b[..Size].Clear();
        if (b[9 * Size + pos]) over = true;

        if (a[9 * Size + pos]) over = true;
        if (moveTimer[env] == 0)
        {
            moveTimer[env] = Math.Min(a.Count(true), moveInterval[env]);
            bool left = false, right = false, bottom = false;
            for (var y = 0; y < Size; y++) { left |= a[y * Size]; right |= a[y * Size + 9]; }
            for (var x = 0; x < Size; x++) bottom |= a[9 * Size + x];
            if ((left && alienDir[env] < 0) || (right && alienDir[env] > 0))
            {
                alienDir[env] = -alienDir[env];
                if (bottom) over = true;
                // The block steps down one row (a row-9 alien wraps to row 0, but the game is over then).
                Span<bool> last = stackalloc bool[Size];
                a.Slice(9 * Size, Size).CopyTo(last);
                for (var y = Size - 1; y > 0; y--) a.Slice((y - 1) * Size, Size).CopyTo(a.Slice(y * Size, Size));
                last.CopyTo(a[..Size]);
            }
            else
            {
                for (var y = 0; y < Size; y++)
                {
                    var row = a.Slice(y * Size, Size);
                    if (alienDir[env] < 0) { row[1..].CopyTo(row); row[9] = false; }
                    else { for (var x = Size - 1; x > 0; x--) row[x] = row[x - 1]; row[0] = false; }
                }
            }
            if (a[9 * Size + pos]) over = true;
        }
        if (alienShotTimer[env] == 0)
        {
            alienShotTimer[env] = EnemyShotInterval;
            // The nearest column to the cannon holding an alien (ties: the lower column), its lowest alien fires.
            var fired = false;
            for (var distance = 0; distance < Size && !fired; distance++)
                for (var side = 0; side < (distance == 0 ? 1 : 2) && !fired; side++)
                {
                    var x = side == 0 ? pos - distance : pos + distance;
                    if ((uint)x >= Size) continue;
                    for (var y = Size - 1; y >= 0; y--)
                        if (a[y * Size + x]) { b[y * Size + x] = true; fired = true; break; }
                }
        }
        var reward = 0f;
        for (var k = 0; k < Cells; k++)
            if (a[k] && f[k]) { a[k] = false; f[k] = false; reward++; }
        if (shotTimer[env] > 0) shotTimer[env]--;
        moveTimer[env]--;
        alienShotTimer[env]--;
        if (a.IndexOf(true) < 0)
        {
            if (moveInterval[env] > 6 && Options.DifficultyRamping) moveInterval[env]--;
            FillWave(a);
        }
        Finish(env, reward, over);
    }

    /// <inheritdoc/>
    protected override void WriteObservation(int env)
    {
        var o = Observation(0, env);
        o.Clear();
        o[(9 * Size + cannon[env]) * 6] = 1;
        var a = Map(aliens, env); var f = Map(friendly, env); var b = Map(enemy, env);
        var dirChannel = alienDir[env] < 0 ? 2 : 3;
        for (var k = 0; k < Cells; k++)
        {
            if (a[k]) { o[k * 6 + 1] = 1; o[k * 6 + dirChannel] = 1; }
            if (f[k]) o[k * 6 + 4] = 1;
            if (b[k]) o[k * 6 + 5] = 1;
        }
    }

    /// <inheritdoc/>
    /// <remarks>'A' cannon, 'x' alien, '|' friendly bullet, '!' enemy bullet.</remarks>
    public string RenderText(int env) => TextGrid.Render(Size, Size, (y, x) =>
    {
        var k = env * Cells + y * Size + x;
        return y == 9 && x == cannon[env] ? 'A' : aliens[k] ? 'x' : friendly[k] ? '|' : enemy[k] ? '!' : '-';
    });

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        const int c = CellPixels;
        var frame = new Frame(Size * c, Size * c, Colours.Palette);
        for (var y = 0; y < Size; y++)
            for (var x = 0; x < Size; x++)
            {
                var k = env * Cells + y * Size + x;
                if (aliens[k]) frame.FillRectangle(x * c + 3, y * c + 3, c - 6, c - 6, Colours.Green);
                if (friendly[k]) frame.FillRectangle(x * c + c / 2 - 2, y * c + 2, 4, c - 4, Colours.Blue);
                if (enemy[k]) frame.FillRectangle(x * c + c / 2 - 2, y * c + 2, 4, c - 4, Colours.Red);
            }
        frame.FillRectangle(cannon[env] * c + 2, 9 * c + c / 3, c - 4, 2 * c / 3, Colours.Dark);
        return frame;
    }
}
