using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.MinAtar;

/// <summary>
/// MinAtar Asterix (MinAtar asterix.py; gymnax's port agrees except in the spawn slot, see the docs): the player moves on
/// rows 1-8 (minimal actions 0 no-op, 1 left, 2 up, 3 right, 4 down); enemies and gold (one third of spawns) enter row by row
/// from a random side and cross the screen. Gold pays +1, an enemy on the player ends the game. Spawns come every
/// spawn_speed steps (first on step 11) into a uniformly chosen free row; entities move every move_speed steps (first on
/// step 6); every 102 steps the game speeds up (spawn 10 to 1, move 5 to 1). Observation [10, 10, 4]: player, enemies,
/// trails (the cell behind each entity, not wrapping), gold.
/// </summary>
public sealed class Asterix : MinAtarGame, IRenderable
{
    const int Slots = 8, RampInterval = 100;

    readonly int[] playerX, playerY, spawnSpeed, spawnTimer, moveSpeed, moveTimer, rampTimer, rampIndex;
    readonly int[] entityX; // [N, 8]
    readonly bool[] filled, rightward, gold; // [N, 8]

    /// <summary>Creates N games.</summary>
    public Asterix(int numEnvs, MinAtarOptions? options = null)
        : base(numEnvs, 4, 5, options ?? MinAtarOptions.Gymnax)
    {
        playerX = new int[numEnvs]; playerY = new int[numEnvs]; spawnSpeed = new int[numEnvs]; spawnTimer = new int[numEnvs];
        moveSpeed = new int[numEnvs]; moveTimer = new int[numEnvs]; rampTimer = new int[numEnvs]; rampIndex = new int[numEnvs];
       
        entityX = new int[numEnvs * Slots];
        filled = new bool[numEnvs * Slots]; rightward = new bool[numEnvs * Slots]; gold = new bool[numEnvs * Slots];
    }

    /// <inheritdoc/>
    protected override string GameName => "minatar_asterix";

    /// <summary>Player (x, y), spawn and move speeds of environment e.</summary>
    public (int X, int Y, int SpawnSpeed, int MoveSpeed) State(int env) => (playerX[env], playerY[env], spawnSpeed[env], moveSpeed[env]);

    /// <summary>Entity in slot i (row i + 1) of environment e, or null.</summary>
    public (int X, bool Rightward, bool Gold)? Entity(int env, int slot) =>
        filled[env * Slots + slot] ? (entityX[env * Slots + slot], rightward[env * Slots + slot], gold[env * Slots + slot]) : null;

    /// <summary>Places the player and an entity (for hand-worked tests).</summary>
    public void Set(int env, (int X, int Y)? player = null, (int Slot, int X, bool Rightward, bool Gold)? entity = null)
    {
        if (player is { } p) (playerX[env], playerY[env]) = p;
        if (entity is { } e)
        {
            var k = env * Slots + e.Slot;
            (filled[k], entityX[k], rightward[k], gold[k]) = (true, e.X, e.Rightward, e.Gold);
        }
        WriteObservation(env);
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        (playerX[env], playerY[env]) = (5, 5);
        filled.AsSpan(env * Slots, Slots).Clear();
        spawnSpeed[env] = spawnTimer[env] = 10;
        moveSpeed[env] = moveTimer[env] = 5;
        rampTimer[env] = RampInterval;
        rampIndex[env] = 0;
        WriteObservation(env);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        ref var rng = ref Random[env];
        var action = Act(env, actions);
        var slots = env * Slots;
        if (spawnTimer[env] == 0)
        {
            // MinAtar: side, then gold (1/3), then a uniformly chosen free row; nothing when every row is taken.
            var right = SplitMix64.Below(ref rng, 2) == 0;
            var isGold = SplitMix64.Below(ref rng, 3) == 0;
            Span<int> free = stackalloc int[Slots];
            var count = 0;
            for (var i = 0; i < Slots; i++) if (!filled[slots + i]) free[count++] = i;
            if (count > 0)
            {
                var k = slots + free[SplitMix64.Below(ref rng, count)];
                (filled[k], entityX[k], rightward[k], gold[k]) = (true, right ? 0 : 9, right, isGold);
            }
            spawnTimer[env] = spawnSpeed[env];
        }
        if (action == 1) playerX[env] = Math.Max(0, playerX[env] - 1);
        else if (action == 3) playerX[env] = Math.Min(9, playerX[env] + 1);
        else if (action == 2) playerY[env] = Math.Max(1, playerY[env] - 1);
        else if (action == 4) playerY[env] = Math.Min(8, playerY[env] + 1);
        var reward = 0f;
        var over = false;
        void Meet(int k)
        {
            if (gold[k]) { reward++; filled[k] = false; }
            else over = true;
        }
        for (var i = 0; i < Slots; i++)
            if (filled[slots + i] && entityX[slots + i] == playerX[env] && i + 1 == playerY[env]) Meet(slots + i);
        if (moveTimer[env] == 0)
        {
            moveTimer[env] = moveSpeed[env];
            for (var i = 0; i < Slots; i++)
            {
                var k = slots + i;
                if (!filled[k]) continue;
                entityX[k] += rightward[k] ? 1 : -1;
                if (entityX[k] < 0 || entityX[k] > 9) filled[k] = false;
                else if (entityX[k] == playerX[env] && i + 1 == playerY[env]) Meet(k);
            }
        }
        spawnTimer[env]--;
        moveTimer[env]--;
        if (Options.DifficultyRamping && (spawnSpeed[env] > 1 || moveSpeed[env] > 1))
        {
            if (rampTimer[env] >= 0) rampTimer[env]--;
            else
            {
                if (moveSpeed[env] > 1 && rampIndex[env] % 2 == 1) moveSpeed[env]--;
                if (spawnSpeed[env] > 1) spawnSpeed[env]--;
                rampIndex[env]++;
                rampTimer[env] = RampInterval;
            }
        }
        Finish(env, reward, over);
    }

    /// <inheritdoc/>
    protected override void WriteObservation(int env)
    {
        var o = Observation(0, env);
        o.Clear();
        o[(playerY[env] * Size + playerX[env]) * 4] = 1;
        for (var i = 0; i < Slots; i++)
        {
            var k = env * Slots + i;
            if (!filled[k]) continue;
            var y = i + 1;
            o[(y * Size + entityX[k]) * 4 + (gold[k] ? 3 : 1)] = 1;
            var trail = entityX[k] + (rightward[k] ? -1 : 1);
            if ((uint)trail < Size) o[(y * Size + trail) * 4 + 2] = 1;
        }
    }

    /// <inheritdoc/>
    /// <remarks>'P' player, 'E' enemy, 'G' gold, '-' empty.</remarks>
    public string RenderText(int env) => TextGrid.Render(Size, Size, (y, x) =>
    {
        var e = y is >= 1 and <= Slots ? Entity(env, y - 1) : null;
        return y == playerY[env] && x == playerX[env] ? 'P' : e is { } en && en.X == x ? (en.Gold ? 'G' : 'E') : '-';
    });

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        const int c = CellPixels;
        var frame = new Frame(Size * c, Size * c, Colours.Palette);
        for (var i = 0; i < Slots; i++)
            if (Entity(env, i) is { } e) frame.FillCircle((e.X + 0.5) * c, (i + 1.5) * c, c * 0.4, e.Gold ? Colours.Yellow : Colours.Red);
        frame.FillRectangle(playerX[env] * c + 3, playerY[env] * c + 3, c - 6, c - 6, Colours.Blue);
        return frame;
    }
}
