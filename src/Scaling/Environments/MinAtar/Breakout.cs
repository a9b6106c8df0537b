using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.MinAtar;

/// <summary>
/// MinAtar Breakout (Young and Tian 2019) with gymnax's semantics (gymnax/environments/minatar/breakout.py, which
/// follows MinAtar step for step): a 10 x 10 grid, a paddle on the bottom row, a ball moving diagonally and three rows
/// of bricks. Minimal actions 0 no-op, 1 left, 2 right. Per step: the paddle moves; the ball moves, bouncing off the
/// side walls (staying in the edge column), the top wall, a brick (+1, the brick breaks, unless the ball struck a brick
/// on the previous step, in which case it passes into the cell) or the paddle (straight back if the paddle is under the
/// ball's old column, reversed if under its landing column); otherwise reaching the bottom row ends the game. Bricks
/// come back when the ball reaches the bottom row with none left. Observation [10, 10, 4]: paddle, ball, trail (the
/// ball's previous cell), bricks.
/// </summary>
public sealed class Breakout : MinAtarGame, IRenderable
{
    static readonly int[] Dx = { -1, 1, 1, -1 }, Dy = { -1, -1, 1, 1 };
    static readonly int[] XFlip = { 1, 0, 3, 2 }, YFlip = { 3, 2, 1, 0 }, Reverse = { 2, 3, 0, 1 };

    readonly int[] ballX, ballY, ballDir, paddle, lastX, lastY, bricksLeft;
    readonly bool[] strike;
    readonly bool[] bricks; // [N, 10, 10]

    /// <summary>Creates N games.</summary>
    public Breakout(int numEnvs, MinAtarOptions? options = null)
        : base(numEnvs, 4, 3, options ?? MinAtarOptions.Gymnax)
    {
        ballX = new int[numEnvs]; ballY = new int[numEnvs]; ballDir = new int[numEnvs]; paddle = new int[numEnvs];
        lastX = new int[numEnvs]; lastY = new int[numEnvs]; bricksLeft = new int[numEnvs];
        strike = new bool[numEnvs];
        bricks = new bool[numEnvs * Size * Size];
    }

    /// <inheritdoc/>
    protected override string GameName => "minatar_breakout";

    /// <summary>Ball (x, y, direction 0 up-left, 1 up-right, 2 down-right, 3 down-left), paddle column and bricks left in environment e.</summary>
    public (int X, int Y, int Dir, int Paddle, int Bricks) State(int env) => (ballX[env], ballY[env], ballDir[env], paddle[env], bricksLeft[env]);

    /// <summary>Whether a brick stands at row y, column x of environment e.</summary>
    public bool Brick(int env, int y, int x) => bricks[(env * Size + y) * Size + x];

    /// <summary>Sets environment e's ball and paddle (for hand-worked tests), then rewrites its observation.</summary>
    public void SetBall(int env, int x, int y, int dir, int paddleColumn, bool struck = false)
    {
        (ballX[env], ballY[env], ballDir[env], paddle[env], strike[env]) = (x, y, dir, paddleColumn, struck);
        (lastX[env], lastY[env]) = (x, y);
        WriteObservation(env);
    }

    /// <summary>Removes or places a brick (for hand-worked tests).</summary>
    public void SetBrick(int env, int y, int x, bool present)
    {
        ref var cell = ref bricks[(env * Size + y) * Size + x];
        if (cell != present) bricksLeft[env] += present ? 1 : -1;
        cell = present;
        WriteObservation(env);
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        FillBricks(env);
        paddle[env] = 4;
        strike[env] = false;
        ballY[env] = 3;
        var right = SplitMix64.Below(ref Random[env], 2) == 1;
        (ballX[env], ballDir[env]) = right ? (9, 3) : (0, 2);
        (lastX[env], lastY[env]) = (ballX[env], ballY[env]);
        WriteObservation(env);
    }

    void FillBricks(int env)
    {
        var grid = bricks.AsSpan(env * Size * Size, Size * Size);
        grid.Clear();
        grid.Slice(Size, 3 * Size).Fill(true);
        bricksLeft[env] = 3 * Size;
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var action = Act(env, actions);
        if (action == 1) paddle[env] = Math.Max(0, paddle[env] - 1);
        else if (action == 2) paddle[env] = Math.Min(Size - 1, paddle[env] + 1);

        int x = ballX[env], y = ballY[env], dir = ballDir[env];
        (lastX[env], lastY[env]) = (x, y);
        int nx = x + Dx[dir], ny = y + Dy[dir];
        if (nx < 0 || nx >= Size) { nx = Math.Clamp(nx, 0, Size - 1); dir = XFlip[dir]; }
        var reward = 0f;
        var struck = false;
        var over = false;
        if (ny < 0) { ny = 0; dir = YFlip[dir]; }
        else if (bricks[(env * Size + ny) * Size + nx])
        {
            struck = true;
            if (!strike[env])
            {
                reward = 1;
                bricks[(env * Size + ny) * Size + nx] = false;
                bricksLeft[env]--;
                ny = y;
                dir = YFlip[dir];
            }
        }
        else if (ny == Size - 1)
        {
            if (bricksLeft[env] == 0) FillBricks(env);
            if (x == paddle[env]) { dir = YFlip[dir]; ny = y; }
            else if (nx == paddle[env]) { dir = Reverse[dir]; ny = y; }
            else over = true;
        }
        strike[env] = struck;
        (ballX[env], ballY[env], ballDir[env]) = (nx, ny, dir);
        Finish(env, reward, over);
    }

    /// <inheritdoc/>
    protected override void WriteObservation(int env)
    {
        var o = Observation(0, env);
        o.Clear();
        o[(9 * Size + paddle[env]) * 4 + 0] = 1;
        o[(ballY[env] * Size + ballX[env]) * 4 + 1] = 1;
        o[(lastY[env] * Size + lastX[env]) * 4 + 2] = 1;
        var grid = bricks.AsSpan(env * Size * Size, Size * Size);
        for (var k = 0; k < grid.Length; k++) if (grid[k]) o[k * 4 + 3] = 1;
    }

    /// <inheritdoc/>
    /// <remarks>'=' paddle, 'o' ball, '.' trail, '#' brick, ' ' empty.</remarks>
    public string RenderText(int env) => TextGrid.Render(Size, Size, (y, x) =>
        y == ballY[env] && x == ballX[env] ? 'o' : y == Size - 1 && x == paddle[env] ? '=' : Brick(env, y, x) ? '#' : y == lastY[env] && x == lastX[env] ? '.' : '-');

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        var frame = new Frame(Size * CellPixels, Size * CellPixels, Colours.Palette);
        for (var y = 0; y < Size; y++)
            for (var x = 0; x < Size; x++)
                if (Brick(env, y, x)) frame.FillRectangle(x * CellPixels + 1, y * CellPixels + 1, CellPixels - 2, CellPixels - 2, Colours.Yellow);
        frame.FillRectangle(lastX[env] * CellPixels + 6, lastY[env] * CellPixels + 6, CellPixels - 12, CellPixels - 12, Colours.LightRed);
        frame.FillCircle((ballX[env] + 0.5) * CellPixels, (ballY[env] + 0.5) * CellPixels, CellPixels * 0.4, Colours.Red);
        frame.FillRectangle(paddle[env] * CellPixels, (Size - 1) * CellPixels + CellPixels / 2, CellPixels, CellPixels / 2, Colours.Blue);
        return frame;
    }
}
