using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.MinAtar;

/// <summary>
/// MinAtar Seaquest with the semantics of MinAtar's seaquest.py (gymnax has no upstream port): the player's submarine
/// (actions 0 no-op, 1 left, 2 up, 3 right, 4 down, 5 fire) shoots fish and enemy submarines (+1 each), picks up divers
/// (at most 6) and must surface before its oxygen (200) runs out; surfacing with 6 divers pays oxygen x 10 / 200 and
/// speeds the game up, surfacing with none ends the game. Enemies (one in three a submarine that fires every 10 steps)
/// spawn every e_spawn_speed steps on a random row 1-8 from a random side unless a row-mate moves the other way; divers
/// every 30 steps. Collisions with enemies or enemy bullets end the game. Observation [10, 10, 10]: sub front, sub back,
/// friendly bullets, trails, enemy bullets, fish, enemy subs, oxygen gauge, diver gauge, divers.
/// </summary>
/// <remarks>MinAtar's diver count is decremented on every successful surfacing, even after a full rescue (leaving -1); we
/// keep this, as the reference does. Entities are processed from the last to the first of their lists, as in MinAtar.</remarks>
public sealed class Seaquest : MinAtarGame, IRenderable
{
    const int MaxOxygen = 200, DiverSpawnSpeed = 30, ShotCoolDown = 5, EnemyShotInterval = 10, DiverMoveInterval = 5;

    sealed class Game
    {
        public int Oxygen, Divers, X, Y, SpawnSpeed, SpawnTimer, DiverTimer, MoveSpeed, RampIndex, ShotTimer;
        public bool FacingRight, Surface;
        public readonly List<(int X, int Y, bool Right)> Bullets = new(), EnemyBullets = new();
        public readonly List<(int X, int Y, bool Right, int MoveTimer)> Fish = new(), DiverList = new();
        public readonly List<(int X, int Y, bool Right, int MoveTimer, int ShotTimer)> Subs = new();
    }

    readonly Game[] games;

    /// <summary>Creates N games.</summary>
    public Seaquest(int numEnvs, MinAtarOptions? options = null)
        : base(numEnvs, 10, 6, options ?? MinAtarOptions.Gymnax)
    {
        games = Enumerable.Range(0, numEnvs).Select(_ => new Game()).ToArray();
    }

    /// <inheritdoc/>
    protected override string GameName => "minatar_seaquest";

    /// <summary>Oxygen, rescued divers, submarine (x, y), enemy spawn speed and entity move speed of environment e.</summary>
    public (int Oxygen, int Divers, int X, int Y, int SpawnSpeed, int MoveSpeed) State(int env)
    {
        var g = games[env];
        return (g.Oxygen, g.Divers, g.X, g.Y, g.SpawnSpeed, g.MoveSpeed);
    }

    /// <summary>Numbers of fish, enemy submarines, divers, friendly and enemy bullets in environment e.</summary>
    public (int Fish, int Subs, int Divers, int Bullets, int EnemyBullets) Counts(int env)
    {
        var g = games[env];
        return (g.Fish.Count, g.Subs.Count, g.DiverList.Count, g.Bullets.Count, g.EnemyBullets.Count);
    }

    /// <summary>Sets parts of environment e's state (for hand-worked tests), then rewrites the observation.</summary>
    public void Set(int env, (int X, int Y)? sub = null, int? oxygen = null, int? divers = null, bool? surfaced = null,
        (int X, int Y, bool Right)? fish = null, (int X, int Y, bool Right)? diver = null, (int X, int Y, bool Right)? enemySub = null)
    {
        var g = games[env];
        if (sub is { } s) (g.X, g.Y) = s;
        if (oxygen is { } o) g.Oxygen = o;
        if (divers is { } d) g.Divers = d;
        if (surfaced is { } up) g.Surface = up;
        if (fish is { } f) g.Fish.Add((f.X, f.Y, f.Right, g.MoveSpeed));
        if (diver is { } dv) g.DiverList.Add((dv.X, dv.Y, dv.Right, DiverMoveInterval));
        if (enemySub is { } es) g.Subs.Add((es.X, es.Y, es.Right, g.MoveSpeed, EnemyShotInterval));
        WriteObservation(env);
    }

    /// <inheritdoc/>
    protected override bool HasExtraState => true;

    /// <inheritdoc/>
    protected override void WriteExtraState(BinaryWriter w)
    {
        foreach (var g in games)
        {
            foreach (var v in new[] { g.Oxygen, g.Divers, g.X, g.Y, g.SpawnSpeed, g.SpawnTimer, g.DiverTimer, g.MoveSpeed, g.RampIndex, g.ShotTimer }) w.Write(v);
            w.Write(g.FacingRight);
            w.Write(g.Surface);
            foreach (var list in new[] { g.Bullets, g.EnemyBullets })
            {
                w.Write(list.Count);
                foreach (var b in list) { w.Write(b.X); w.Write(b.Y); w.Write(b.Right); }
            }
            foreach (var list in new[] { g.Fish, g.DiverList })
            {
                w.Write(list.Count);
                foreach (var f in list) { w.Write(f.X); w.Write(f.Y); w.Write(f.Right); w.Write(f.MoveTimer); }
            }
            w.Write(g.Subs.Count);
            foreach (var u in g.Subs) { w.Write(u.X); w.Write(u.Y); w.Write(u.Right); w.Write(u.MoveTimer); w.Write(u.ShotTimer); }
        }
    }

    /// <inheritdoc/>
    protected override void ReadExtraState(BinaryReader r)
    {
        foreach (var g in games)
        {
            (g.Oxygen, g.Divers, g.X, g.Y, g.SpawnSpeed) = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
            (g.SpawnTimer, g.DiverTimer, g.MoveSpeed, g.RampIndex, g.ShotTimer) = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
            (g.FacingRight, g.Surface) = (r.ReadBoolean(), r.ReadBoolean());
            foreach (var list in new[] { g.Bullets, g.EnemyBullets })
            {
                list.Clear();
                for (var k = r.ReadInt32(); k > 0; k--) list.Add((r.ReadInt32(), r.ReadInt32(), r.ReadBoolean()));
            }
            foreach (var list in new[] { g.Fish, g.DiverList })
            {
                list.Clear();
                for (var k = r.ReadInt32(); k > 0; k--) list.Add((r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadInt32()));
            }
            g.Subs.Clear();
            for (var k = r.ReadInt32(); k > 0; k--) g.Subs.Add((r.ReadInt32(), r.ReadInt32(), r.ReadBoolean(), r.ReadInt32(), r.ReadInt32()));
        }
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        var g = games[env];
        (g.Oxygen, g.Divers, g.X, g.Y, g.FacingRight) = (MaxOxygen, 0, 5, 0, false);
        g.Bullets.Clear(); g.EnemyBullets.Clear(); g.Fish.Clear(); g.Subs.Clear(); g.DiverList.Clear();
        (g.SpawnSpeed, g.SpawnTimer, g.DiverTimer, g.MoveSpeed, g.RampIndex, g.ShotTimer, g.Surface) = (20, 20, DiverSpawnSpeed, 5, 0, 0, true);
        WriteObservation(env);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var g = games[env];
        ref var rng = ref Random[env];
        var action = Act(env, actions);
        var reward = 0f;
        var over = false;

        if (g.SpawnTimer == 0)
        {
            var right = SplitMix64.UnitDouble(ref rng) < 0.5;
            var isSub = SplitMix64.UnitDouble(ref rng) < 1.0 / 3;
            var y = 1 + SplitMix64.Below(ref rng, 8);
            var blocked = g.Subs.Any(s => s.Y == y && s.Right != right) || g.Fish.Any(f => f.Y == y && f.Right != right);
            if (!blocked)
            {
                if (isSub) g.Subs.Add((right ? 0 : 9, y, right, g.MoveSpeed, EnemyShotInterval));
                else g.Fish.Add((right ? 0 : 9, y, right, g.MoveSpeed));
            }
            g.SpawnTimer = g.SpawnSpeed;
        }
        if (g.DiverTimer == 0)
        {
            var right = SplitMix64.UnitDouble(ref rng) < 0.5;
            var y = 1 + SplitMix64.Below(ref rng, 8);
            g.DiverList.Add((right ? 0 : 9, y, right, DiverMoveInterval));
            g.DiverTimer = DiverSpawnSpeed;
        }

        if (action == 5) { if (g.ShotTimer == 0) { g.Bullets.Add((g.X, g.Y, g.FacingRight)); g.ShotTimer = ShotCoolDown; } }
        else if (action == 1) { g.X = Math.Max(0, g.X - 1); g.FacingRight = false; }
        else if (action == 3) { g.X = Math.Min(9, g.X + 1); g.FacingRight = true; }
        else if (action == 2) g.Y = Math.Max(0, g.Y - 1);
        else if (action == 4) g.Y = Math.Min(8, g.Y + 1);

        // Friendly bullets: move; the first fish, else the first sub, on the new cell dies with the bullet.
        for (var i = g.Bullets.Count - 1; i >= 0; i--)
        {
            var b = g.Bullets[i];
            b.X += b.Right ? 1 : -1;
            if (b.X is < 0 or > 9) { g.Bullets.RemoveAt(i); continue; }
            g.Bullets[i] = b;
            var fish = IndexAt(g.Fish, b.X, b.Y, static f => (f.X, f.Y));
            if (fish >= 0) { g.Fish.RemoveAt(fish); g.Bullets.RemoveAt(i); reward++; continue; }
            var sub = IndexAt(g.Subs, b.X, b.Y, static e => (e.X, e.Y));
            if (sub >= 0) { g.Subs.RemoveAt(sub); g.Bullets.RemoveAt(i); reward++; }
        }
        for (var i = g.DiverList.Count - 1; i >= 0; i--)
        {
            var d = g.DiverList[i];
            if (d.X == g.X && d.Y == g.Y && g.Divers < 6) { g.DiverList.RemoveAt(i); g.Divers++; continue; }
            if (d.MoveTimer == 0)
            {
                d.MoveTimer = DiverMoveInterval;
                d.X += d.Right ? 1 : -1;
                if (d.X is < 0 or > 9) { g.DiverList.RemoveAt(i); continue; }
                if (d.X == g.X && d.Y == g.Y && g.Divers < 6) { g.DiverList.RemoveAt(i); g.Divers++; continue; }
            }
            else d.MoveTimer--;
            g.DiverList[i] = d;
        }
        for (var i = g.Subs.Count - 1; i >= 0; i--)
        {
            var s = g.Subs[i];
            var removed = false;
            if (s.X == g.X && s.Y == g.Y) over = true;
            if (s.MoveTimer == 0)
            {
                s.MoveTimer = g.MoveSpeed;
                s.X += s.Right ? 1 : -1;
                if (s.X is < 0 or > 9) removed = true;
                else if (s.X == g.X && s.Y == g.Y) over = true;
                else
                {
                    var bullet = IndexAt(g.Bullets, s.X, s.Y, static b => (b.X, b.Y));
                    if (bullet >= 0) { g.Bullets.RemoveAt(bullet); removed = true; reward++; }
                }
            }
            else s.MoveTimer--;
            // MinAtar runs the shot timer even for a sub removed just now (a killed sub may leave a bullet).
            if (s.ShotTimer == 0) { s.ShotTimer = EnemyShotInterval; g.EnemyBullets.Add((s.X, s.Y, s.Right)); }
            else s.ShotTimer--;
            if (removed) g.Subs.RemoveAt(i); else g.Subs[i] = s;
        }
        for (var i = g.EnemyBullets.Count - 1; i >= 0; i--)
        {
            var b = g.EnemyBullets[i];
            if (b.X == g.X && b.Y == g.Y) over = true;
            b.X += b.Right ? 1 : -1;
            if (b.X is < 0 or > 9) { g.EnemyBullets.RemoveAt(i); continue; }
            if (b.X == g.X && b.Y == g.Y) over = true;
            g.EnemyBullets[i] = b;
        }
        for (var i = g.Fish.Count - 1; i >= 0; i--)
        {
            var f = g.Fish[i];
            if (f.X == g.X && f.Y == g.Y) over = true;
            if (f.MoveTimer == 0)
            {
                f.MoveTimer = g.MoveSpeed;
                f.X += f.Right ? 1 : -1;
                if (f.X is < 0 or > 9) { g.Fish.RemoveAt(i); continue; }
                if (f.X == g.X && f.Y == g.Y) over = true;
                else
                {
                    var bullet = IndexAt(g.Bullets, f.X, f.Y, static b => (b.X, b.Y));
                    if (bullet >= 0) { g.Bullets.RemoveAt(bullet); g.Fish.RemoveAt(i); reward++; continue; }
                }
            }
            else f.MoveTimer--;
            g.Fish[i] = f;
        }
        if (g.SpawnTimer > 0) g.SpawnTimer--;
        if (g.DiverTimer > 0) g.DiverTimer--;
        if (g.ShotTimer > 0) g.ShotTimer--;

        if (g.Oxygen <= 0) over = true;
        if (g.Y > 0) { g.Oxygen--; g.Surface = false; }
        else if (!g.Surface)
        {
            if (g.Divers == 0) over = true;
            else reward += Surface(g);
        }
        Finish(env, reward, over);
    }

    /// <summary>
    /// The first entry of <paramref name="list"/> at (x, y), or -1: MinAtar's "first fish/sub/bullet on this cell". A static
    /// selector keeps the per-bullet lookups free of closure allocations.
    /// </summary>
    static int IndexAt<T>(List<T> list, int x, int y, Func<T, (int X, int Y)> cell)
    {
        for (var i = 0; i < list.Count; i++)
            if (cell(list[i]) == (x, y)) return i;
        return -1;
    }

    /// <summary>MinAtar's _surface: the bonus for six divers, fresh oxygen, the diver count decremented (even after a full rescue), and a ramp step.</summary>
    int Surface(Game g)
    {
        g.Surface = true;
        var bonus = 0;
        if (g.Divers == 6) { g.Divers = 0; bonus = g.Oxygen * 10 / MaxOxygen; }
        g.Oxygen = MaxOxygen;
        g.Divers--;
        if (Options.DifficultyRamping && (g.SpawnSpeed > 1 || g.MoveSpeed > 2))
        {
            if (g.MoveSpeed > 2 && g.RampIndex % 2 == 1) g.MoveSpeed--;
            if (g.SpawnSpeed > 1) g.SpawnSpeed--;
            g.RampIndex++;
        }
        return bonus;
    }

    /// <inheritdoc/>
    protected override void WriteObservation(int env)
    {
        var g = games[env];
        var o = Observation(0, env);
        o.Clear();
        static void Set(Span<float> o, int y, int x, int channel) => o[(y * Size + x) * 10 + channel] = 1;
        static void Trail(Span<float> o, int y, int x, bool right) { var back = right ? x - 1 : x + 1; if ((uint)back < Size) Set(o, y, back, 3); }
        Set(o, g.Y, g.X, 0);
        Set(o, g.Y, g.FacingRight ? g.X - 1 : g.X + 1, 1);
        foreach (var b in g.Bullets) Set(o, b.Y, b.X, 2);
        foreach (var b in g.EnemyBullets) Set(o, b.Y, b.X, 4);
        foreach (var f in g.Fish) { Set(o, f.Y, f.X, 5); Trail(o, f.Y, f.X, f.Right); }
        foreach (var s in g.Subs) { Set(o, s.Y, s.X, 6); Trail(o, s.Y, s.X, s.Right); }
        foreach (var d in g.DiverList) { Set(o, d.Y, d.X, 9); Trail(o, d.Y, d.X, d.Right); }
        for (var x = 0; x < Math.Max(0, g.Oxygen) * 10 / MaxOxygen; x++) Set(o, 9, x, 7);
        for (var x = Math.Max(0, 9 - g.Divers); x < 9 && g.Divers > 0; x++) Set(o, 9, x, 8);
    }

    /// <inheritdoc/>
    /// <remarks>'S' the submarine, 'f' fish, 'e' enemy sub, 'd' diver, '-' / '*' friendly / enemy bullets; oxygen and divers below.</remarks>
    public string RenderText(int env)
    {
        var g = games[env];
        var grid = Enumerable.Range(0, 9).Select(_ => Enumerable.Repeat('.', Size).ToArray()).ToArray();
        foreach (var b in g.Bullets) grid[b.Y][b.X] = '-';
        foreach (var b in g.EnemyBullets) grid[b.Y][b.X] = '*';
        foreach (var d in g.DiverList) grid[d.Y][d.X] = 'd';
        foreach (var f in g.Fish) grid[f.Y][f.X] = 'f';
        foreach (var s in g.Subs) grid[s.Y][s.X] = 'e';
        grid[g.Y][g.X] = 'S';
        return string.Join(Environment.NewLine, grid.Select(r => new string(r))) + Environment.NewLine + $"oxygen {g.Oxygen}, divers {g.Divers}" + Environment.NewLine;
    }

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        const int c = CellPixels;
        var g = games[env];
        var frame = new Frame(Size * c, Size * c, Colours.Palette);
        frame.FillRectangle(0, c, Size * c, 8 * c, Colours.LightBlue);
        foreach (var d in g.DiverList) frame.FillCircle((d.X + 0.5) * c, (d.Y + 0.5) * c, c * 0.3, Colours.Green);
        foreach (var f in g.Fish) frame.FillCircle((f.X + 0.5) * c, (f.Y + 0.5) * c, c * 0.35, Colours.Red);
        foreach (var s in g.Subs) frame.FillRectangle(s.X * c + 2, s.Y * c + 5, c - 4, c - 10, Colours.Dark);
        foreach (var b in g.Bullets) frame.FillRectangle(b.X * c + 4, b.Y * c + c / 2 - 1, c - 8, 3, Colours.Blue);
        foreach (var b in g.EnemyBullets) frame.FillRectangle(b.X * c + 4, b.Y * c + c / 2 - 1, c - 8, 3, Colours.Red);
        frame.FillRectangle(g.X * c + 2, g.Y * c + 4, c - 4, c - 8, Colours.Yellow);
        frame.FillRectangle(0, 9 * c + 4, Math.Max(0, g.Oxygen) * Size * c / MaxOxygen, c / 3, Colours.Blue);
        for (var k = 0; k < Math.Max(0, g.Divers); k++) frame.FillCircle((9 - k - 0.5) * c, 9.75 * c, c * 0.2, Colours.Green);
        return frame;
    }
}
