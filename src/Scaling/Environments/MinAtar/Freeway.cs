using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.MinAtar;

/// <summary>
/// MinAtar Freeway (gymnax freeway.py, MinAtar freeway.py): a chicken in column 4 crosses eight lanes of cars (rows 1-8).
/// Minimal actions 0 no-op, 1 up, 2 down; the chicken moves at most every 3 steps. Reaching row 0 pays +1, puts the
/// chicken back on row 9 and redraws the cars' speeds; a car on the chicken's cell sends it back to row 9. A car with
/// speed s (1-5, random direction) moves one cell every s + 1 steps, wrapping around. Episodes last 2,500 steps.
/// Observation [10, 10, 7]: chicken, cars, and a trail behind each car in the channel of its speed (2-6), wrapping.
/// </summary>
public sealed class Freeway : MinAtarGame, IRenderable
{
    const int Lanes = 8, Column = 4, PlayerSpeed = 3;

    readonly int[] chicken, moveTimer;
    readonly int[] carX, countdown, velocity; // [N, 8]

    /// <summary>Creates N games; the time limit defaults to Freeway's 2,500 steps.</summary>
    public Freeway(int numEnvs, MinAtarOptions? options = null)
        : base(numEnvs, 7, 3, options ?? FreewayDefaults)
    {
        chicken = new int[numEnvs]; moveTimer = new int[numEnvs];
        carX = new int[numEnvs * Lanes]; countdown = new int[numEnvs * Lanes]; velocity = new int[numEnvs * Lanes];
    }

    /// <inheritdoc/>
    protected override string GameName => "minatar_freeway";

    static readonly MinAtarOptions FreewayDefaults = MinAtarOptions.Gymnax with { MaxSteps = 2500 };

    /// <inheritdoc/>
    protected override MinAtarOptions Defaults => FreewayDefaults;

    /// <summary>The chicken's row in environment e.</summary>
    public int Chicken(int env) => chicken[env];

    /// <summary>Car i's column, countdown and signed speed in environment e (car i drives on row i + 1).</summary>
    public (int X, int Countdown, int Velocity) Car(int env, int i) => (carX[env * Lanes + i], countdown[env * Lanes + i], velocity[env * Lanes + i]);

    /// <summary>Sets the chicken's row and a car (for hand-worked tests).</summary>
    public void Set(int env, int? chickenRow = null, (int Lane, int X, int Countdown, int Velocity)? car = null)
    {
        if (chickenRow is { } row) chicken[env] = row;
        if (car is { } c) (carX[env * Lanes + c.Lane], countdown[env * Lanes + c.Lane], velocity[env * Lanes + c.Lane]) = (c.X, c.Countdown, c.Velocity);
        WriteObservation(env);
    }

    void DrawSpeeds(int env)
    {
        ref var rng = ref Random[env];
        for (var i = 0; i < Lanes; i++)
        {
            var speed = 1 + SplitMix64.Below(ref rng, 5);
            var v = SplitMix64.Below(ref rng, 2) == 0 ? -speed : speed;
            (countdown[env * Lanes + i], velocity[env * Lanes + i]) = (speed, v);
        }
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        carX.AsSpan(env * Lanes, Lanes).Clear();
        DrawSpeeds(env);
        chicken[env] = 9;
        moveTimer[env] = PlayerSpeed;
        WriteObservation(env);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var action = Act(env, actions);
        if (moveTimer[env] == 0 && action == 1) { chicken[env] = Math.Max(0, chicken[env] - 1); moveTimer[env] = PlayerSpeed; }
        else if (moveTimer[env] == 0 && action == 2) { chicken[env] = Math.Min(9, chicken[env] + 1); moveTimer[env] = PlayerSpeed; }
        var reward = 0f;
        if (chicken[env] == 0)
        {
            reward = 1;
            chicken[env] = 9;
            DrawSpeeds(env);
        }
        for (var i = 0; i < Lanes; i++)
        {
            var k = env * Lanes + i;
            if (carX[k] == Column && i + 1 == chicken[env]) chicken[env] = 9;
            if (countdown[k] == 0)
            {
                countdown[k] = Math.Abs(velocity[k]);
                carX[k] = (carX[k] + (velocity[k] > 0 ? 1 : -1) + Size) % Size;
                if (carX[k] == Column && i + 1 == chicken[env]) chicken[env] = 9;
            }
            else countdown[k]--;
        }
        if (moveTimer[env] > 0) moveTimer[env]--;
        Finish(env, reward, over: false);
    }

    /// <inheritdoc/>
    protected override void WriteObservation(int env)
    {
        var o = Observation(0, env);
        o.Clear();
        o[(chicken[env] * Size + Column) * 7] = 1;
        for (var i = 0; i < Lanes; i++)
        {
            var k = env * Lanes + i;
            var y = i + 1;
            o[(y * Size + carX[k]) * 7 + 1] = 1;
            var trail = (carX[k] + (velocity[k] > 0 ? -1 : 1) + Size) % Size;
            o[(y * Size + trail) * 7 + 1 + Math.Abs(velocity[k])] = 1;
        }
    }

    /// <inheritdoc/>
    /// <remarks>'C' chicken, '&gt;' / '&lt;' cars by direction, '-' road.</remarks>
    public string RenderText(int env) => TextGrid.Render(Size, Size, (y, x) =>
    {
        var car = y is >= 1 and <= Lanes && carX[env * Lanes + y - 1] == x;
        return y == chicken[env] && x == Column ? 'C' : car ? (velocity[env * Lanes + y - 1] > 0 ? '>' : '<') : '-';
    });

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        const int c = CellPixels;
        var frame = new Frame(Size * c, Size * c, Colours.Palette);
        for (var y = 1; y <= Lanes; y++) frame.FillRectangle(0, y * c, Size * c, c, Colours.Grid);
        for (var i = 0; i < Lanes; i++) frame.FillRectangle(carX[env * Lanes + i] * c + 2, (i + 1) * c + 4, c - 4, c - 8, Colours.Red);
        frame.FillCircle((Column + 0.5) * c, (chicken[env] + 0.5) * c, c * 0.4, Colours.Yellow);
        return frame;
    }
}
