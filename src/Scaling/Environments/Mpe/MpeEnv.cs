using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>One entity kind's physical properties (JaxMARL default_params.py / PettingZoo core.py).</summary>
/// <param name="Radius">Size used for contacts and collisions.</param>
/// <param name="Moveable">Whether forces move it.</param>
/// <param name="Collide">Whether it takes part in contact forces.</param>
/// <param name="Accel">Action sensitivity (agents).</param>
/// <param name="Mass">Mass.</param>
/// <param name="MaxSpeed">Speed limit, or a negative value for none.</param>
public sealed record MpeEntity(float Radius, bool Moveable, bool Collide, float Accel = 5f, float Mass = 1f, float MaxSpeed = -1f);

/// <summary>How MPE agents act: JaxMARL's DISCRETE_ACT (Discrete(5)) or CONTINUOUS_ACT (Box(0, 1, [5]): u = (a2 - a1, a4 - a3) x accel).</summary>
public enum MpeActions
{
    /// <summary>0 no-op, 1 -x, 2 +x, 3 -y, 4 +y.</summary>
    Discrete,
    /// <summary>Five values in [0, 1]: no-op, -x, +x, -y, +y intensities.</summary>
    Continuous,
}

/// <summary>
/// The multi-particle environments' shared world (JaxMARL mpe/simple.py): agents 0..N-1 then landmarks, 2-D positions
/// and velocities per environment, discrete actions 0 no-op, 1 -x, 2 +x, 3 -y, 4 +y scaled by the agent's accel.
/// One step: action forces; contact forces between colliding entities from the pre-step positions,
/// F = contact_force * delta / |delta| * margin * softplus(-(|delta| - r_a - r_b) / margin); then per entity
/// pos += vel dt (the old velocity, as JaxMARL), vel *= 1 - damping, vel += F / m dt, speed clamp.
/// Episodes end after <see cref="MaxSteps"/> steps (PettingZoo's 25 transitions).
/// </summary>
public abstract class MpeEnv : VectorEnv, IRenderable
{
    /// <summary>Integration step.</summary>
    public const float Dt = 0.1f;
    /// <summary>Velocity damping per step.</summary>
    public const float Damping = 0.25f;
    /// <summary>Contact force scale.</summary>
    public const float ContactForce = 100f;
    /// <summary>Contact softness.</summary>
    public const float ContactMargin = 1e-3f;

    readonly float[] radius, accel, inverseMass, maxSpeed;
    readonly bool[] silent;
    readonly bool[] moveable, collide;
    readonly int[] colliders;
    readonly float[] forces;

    /// <summary>Creates N worlds with the given agents (first) and landmarks.</summary>
    protected MpeEnv(int numEnvs, IReadOnlyList<string> agentNames, IReadOnlyList<MpeEntity> agents, IReadOnlyList<MpeEntity> landmarks,
        IReadOnlyList<Space> observationSpaces, int maxSteps, MpeActions actions = MpeActions.Discrete,
        IReadOnlyList<Space>? actionSpaces = null, int dimC = 0, IReadOnlyList<bool>? silent = null)
        : base(numEnvs, agentNames, observationSpaces,
            actionSpaces ?? Enumerable.Repeat(actions == MpeActions.Discrete ? new Discrete(5) : (Space)new Box(0, 1, new[] { 5 }), agentNames.Count).ToArray())
    {
        DimC = dimC;
        this.silent = silent?.ToArray() ?? Enumerable.Repeat(true, agentNames.Count).ToArray();
        Comm = new float[numEnvs * agentNames.Count * Math.Max(1, dimC)];
        if (agents.Count != agentNames.Count) throw new ArgumentException("one entity per agent is needed", nameof(agents));
        if (maxSteps < 1) throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, "episodes need at least one step");
        AgentCount = agents.Count;
        EntityCount = agents.Count + landmarks.Count;
        MaxSteps = maxSteps;
        var all = agents.Concat(landmarks).ToArray();
        radius = all.Select(e => e.Radius).ToArray();
        accel = all.Select(e => e.Accel).ToArray();
        inverseMass = all.Select(e => 1f / e.Mass).ToArray();
        maxSpeed = all.Select(e => e.MaxSpeed).ToArray();
        moveable = all.Select(e => e.Moveable).ToArray();
        collide = all.Select(e => e.Collide).ToArray();
        colliders = Enumerable.Range(0, EntityCount).Where(i => collide[i]).ToArray();
        Position = new float[numEnvs * EntityCount * 2];
        Velocity = new float[numEnvs * EntityCount * 2];
        forces = new float[numEnvs * EntityCount * 2];
    }


    /// <summary>Number of agents N (entities 0..N-1).</summary>
    protected int AgentCount { get; }

    /// <summary>Agents plus landmarks.</summary>
    public int EntityCount { get; }

    /// <summary>Steps per episode.</summary>
    public int MaxSteps { get; }

    /// <summary>Positions [N_env, entities, 2].</summary>
    public float[] Position { get; }

    /// <summary>Velocities [N_env, entities, 2].</summary>
    public float[] Velocity { get; }

    /// <summary>Size of each agent's message (JaxMARL's dim_c).</summary>
    public int DimC { get; }

    /// <summary>Messages of the last step, [N_env, agents, DimC]; silent agents' rows stay zero.</summary>
    public float[] Comm { get; }

    /// <summary>Agent a's message slot in environment e.</summary>
    protected Span<float> Message(int env, int agent) => Comm.AsSpan((env * AgentCount + agent) * DimC, DimC);

    /// <summary>
    /// Environment e's force accumulator [entity, 2], cleared. A slice of one batch array rather than a stackalloc:
    /// methods with stackalloc are compiled once, fully optimised but without the profile-guided inlining of the
    /// scenario's virtual reward and observation methods that tiered compilation gives the others.
    /// </summary>
    Span<float> Forces(int env)
    {
        var f = forces.AsSpan(At(env, 0), EntityCount * 2);
        f.Clear();
        return f;
    }

    /// <summary>Environment e's positions as [entity, 2] (x, y per entity).</summary>
    protected Span<float> WorldPositions(int env) => Position.AsSpan(At(env, 0), EntityCount * 2);

    /// <summary>Environment e's velocities as [entity, 2].</summary>
    protected Span<float> WorldVelocities(int env) => Velocity.AsSpan(At(env, 0), EntityCount * 2);

    /// <summary>Radius of entity i.</summary>
    public float Radius(int entity) => radius[entity];

    /// <summary>Index of entity i's x coordinate in <see cref="Position"/> of environment e.</summary>
    protected int At(int env, int entity) => (env * EntityCount + entity) * 2;

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        // Every entity uniform in [-1, 1]^2, velocities zero (JaxMARL's reset; overlaps allowed).
        ref var rng = ref Random[env];
        for (var i = 0; i < EntityCount; i++)
        {
            var k = At(env, i);
            Position[k] = 2 * SplitMix64.Unit(ref rng) - 1;
            Position[k + 1] = 2 * SplitMix64.Unit(ref rng) - 1;
            Velocity[k] = Velocity[k + 1] = 0;
        }
        if (DimC > 0) Comm.AsSpan(env * AgentCount * DimC, AgentCount * DimC).Clear();
        ResetScenario(env);
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var f = Forces(env);
        for (var i = 0; i < AgentCount; i++)
        {
            float ux = 0, uy = 0;
            var message = DimC > 0 ? Message(env, i) : Span<float>.Empty;
            if (DimC > 0) message.Clear();
            DecodeDiscrete(i, actions[i * NumEnvs + env], ref ux, ref uy, message);
            if (moveable[i]) { f[2 * i] = ux * accel[i]; f[2 * i + 1] = uy * accel[i]; }
            if (silent[i] && DimC > 0) message.Clear();
        }
        Advance(env, f);
    }

    /// <inheritdoc/>
    protected override void StepEnvContinuous(int env, float[] actions)
    {
        var f = Forces(env);
        for (var i = 0; i < AgentCount; i++)
        {
            var size = ActionSpaces[i].FlatSize;
            var a = actions.AsSpan(ContinuousOffset(i) + env * size, size);
            float ux = 0, uy = 0;
            var message = DimC > 0 ? Message(env, i) : Span<float>.Empty;
            message.Clear();
            DecodeContinuous(i, a, ref ux, ref uy, message);
            if (moveable[i]) { f[2 * i] = ux * accel[i]; f[2 * i + 1] = uy * accel[i]; }
            if (silent[i]) message.Clear();
        }
        Advance(env, f);
    }

    /// <summary>
    /// Turns agent i's discrete action into a movement direction (before accel) and a message. The default is JaxMARL's
    /// movement decoder: 0 no-op, 1 -x, 2 +x, 3 -y, 4 +y, and no message.
    /// </summary>
    protected virtual void DecodeDiscrete(int agent, int action, ref float ux, ref float uy, Span<float> message) => Move(action, ref ux, ref uy);

    /// <summary>JaxMARL's movement decoder for a move index 0..4.</summary>
    /// <remarks>A table lookup, not branches: random actions make branches on the move unpredictable, and the
    /// mispredictions cost more than the rest of a small world's step.</remarks>
    protected static void Move(int move, ref float ux, ref float uy)
    {
        ux = MoveX[move];
        uy = MoveY[move];
    }

    static ReadOnlySpan<float> MoveX => [0f, -1f, 1f, 0f, 0f];
    static ReadOnlySpan<float> MoveY => [0f, 0f, 0f, -1f, 1f];

    /// <summary>Turns agent i's continuous action into a movement (before accel) and a message: JaxMARL's default (a2 - a1, a4 - a3), message a[5..].</summary>
    protected virtual void DecodeContinuous(int agent, ReadOnlySpan<float> action, ref float ux, ref float uy, Span<float> message)
    {
        ux = action[2] - action[1];
        uy = action[4] - action[3];
        if (action.Length > 5 && message.Length > 0) action[5..].CopyTo(message);
    }

    /// <summary>Contact forces, integration, rewards, done and observations after the action forces <paramref name="f"/>.</summary>
    void Advance(int env, Span<float> f)
    {
        // This world's positions and velocities as [entity, 2] spans: one bounds check per access against a short
        // local length instead of index arithmetic over the whole batch.
        var p = WorldPositions(env);
        var v = WorldVelocities(env);
        var c = colliders;
        for (var x = 0; x < c.Length; x++)
            for (var y = x + 1; y < c.Length; y++)
            {
                int a = c[x], b = c[y];
                var dx = p[2 * a] - p[2 * b];
                var dy = p[2 * a + 1] - p[2 * b + 1];
                var d = MathF.Sqrt(dx * dx + dy * dy);
                var penetration = ContactMargin * Softplus(-(d - radius[a] - radius[b]) / ContactMargin);
                if (penetration == 0) continue;
                var scale = ContactForce * penetration / d;
                if (moveable[a]) { f[2 * a] += scale * dx; f[2 * a + 1] += scale * dy; }
                if (moveable[b]) { f[2 * b] -= scale * dx; f[2 * b + 1] -= scale * dy; }
            }
        for (var i = 0; i < EntityCount; i++)
        {
            if (!moveable[i]) continue;
            var k = 2 * i;
            p[k] += v[k] * Dt;
            p[k + 1] += v[k + 1] * Dt;
            var vx = v[k] * (1 - Damping) + f[k] * inverseMass[i] * Dt;
            var vy = v[k + 1] * (1 - Damping) + f[k + 1] * inverseMass[i] * Dt;
            if (maxSpeed[i] >= 0)
            {
                var speed = MathF.Sqrt(vx * vx + vy * vy);
                if (speed > maxSpeed[i]) { vx *= maxSpeed[i] / speed; vy *= maxSpeed[i] / speed; }
            }
            v[k] = vx;
            v[k + 1] = vy;
        }
        WriteRewards(env);
        AllDones[env] = EpisodeSteps[env] >= MaxSteps;
        WriteObservations(env);
    }

    /// <summary>
    /// log(1 + e^x) without overflow. Below -104, float32's e^x is 0 and so is the result: returning it directly is
    /// exact and skips two transcendental calls for every pair of entities that are not touching.
    /// </summary>
    protected static float Softplus(float x) => x > 20 ? x : x < -104 ? 0 : MathF.Log(1 + MathF.Exp(x));

    /// <summary>Distance between entities a and b of environment e.</summary>
    protected float Distance(int env, int a, int b)
    {
        int ka = At(env, a), kb = At(env, b);
        var dx = Position[ka] - Position[kb];
        var dy = Position[ka + 1] - Position[kb + 1];
        return MathF.Sqrt(dx * dx + dy * dy);
    }

    /// <summary>
    /// Writes the positions of entities from .. from + count - 1, except <paramref name="self"/>, relative to entity
    /// <paramref name="self"/> into <paramref name="o"/> from index <paramref name="w"/> (the scenarios' "landmark_rel"
    /// and "other_pos" parts, ascending index); returns the next free index.
    /// </summary>
    protected int WriteRelativePositions(Span<float> o, int w, int env, int self, int from, int count)
    {
        var p = WorldPositions(env);
        float x = p[2 * self], y = p[2 * self + 1];
        for (var j = from; j < from + count; j++)
        {
            if (j == self) continue;
            o[w++] = p[2 * j] - x;
            o[w++] = p[2 * j + 1] - y;
        }
        return w;
    }

    /// <summary>Squared distance between entities a and b of environment e.</summary>
    protected float SquaredDistance(int env, int a, int b)
    {
        int ka = At(env, a), kb = At(env, b);
        var dx = Position[ka] - Position[kb];
        var dy = Position[ka + 1] - Position[kb + 1];
        return dx * dx + dy * dy;
    }

    /// <summary>Whether entities a and b overlap: distance below the sum of their radii (compared squared).</summary>
    protected bool Overlap(int env, int a, int b)
    {
        int ka = At(env, a), kb = At(env, b);
        var dx = Position[ka] - Position[kb];
        var dy = Position[ka + 1] - Position[kb + 1];
        var r = radius[a] + radius[b];
        return dx * dx + dy * dy < r * r;
    }

    /// <summary>Scenario-specific reset after the uniform placement (goals, colours).</summary>
    protected virtual void ResetScenario(int env) { }

    /// <summary>Writes every agent's reward for environment e from the post-step state.</summary>
    protected abstract void WriteRewards(int env);

    /// <summary>Writes every agent's observation of environment e.</summary>
    protected abstract void WriteObservations(int env);

    /// <summary>Picture size of <see cref="Render"/> in pixels; the picture shows [-1.5, 1.5]^2 with +y up.</summary>
    public const int RenderPixels = 300;

    /// <summary>Palette index an entity is drawn with (agents blue, landmarks grey unless a scenario says otherwise).</summary>
    protected virtual byte ColourOf(int env, int entity) => entity < AgentCount ? Colours.Blue : Colours.Grey;

    /// <inheritdoc/>
    /// <remarks>A 31 x 31 character map of [-1.5, 1.5]^2 (+y up): agents as their index digit, landmarks as 'L'.</remarks>
    public string RenderText(int env)
    {
        const int side = 31;
        var grid = Enumerable.Range(0, side).Select(_ => Enumerable.Repeat('.', side).ToArray()).ToArray();
        for (var i = EntityCount - 1; i >= 0; i--)
        {
            var k = At(env, i);
            var col = (int)Math.Round((Position[k] + 1.5) / 3 * (side - 1));
            var row = (int)Math.Round((1.5 - Position[k + 1]) / 3 * (side - 1));
            if ((uint)col < side && (uint)row < side) grid[row][col] = i < AgentCount ? (char)('0' + i % 10) : 'L';
        }
        return string.Join(Environment.NewLine, grid.Select(r => new string(r))) + Environment.NewLine;
    }

    /// <inheritdoc/>
    public Frame Render(int env)
    {
        var frame = new Frame(RenderPixels, RenderPixels, Colours.Palette);
        var scale = RenderPixels / 3.0;
        frame.FillRectangle(0, (int)(0.5 * scale), RenderPixels, 1, Colours.Grid);
        frame.FillRectangle(0, (int)(2.5 * scale), RenderPixels, 1, Colours.Grid);
        frame.FillRectangle((int)(0.5 * scale), 0, 1, RenderPixels, Colours.Grid);
        frame.FillRectangle((int)(2.5 * scale), 0, 1, RenderPixels, Colours.Grid);
        // Landmarks first, agents on top.
        foreach (var i in Enumerable.Range(AgentCount, EntityCount - AgentCount).Concat(Enumerable.Range(0, AgentCount)))
        {
            var k = At(env, i);
            frame.FillCircle((Position[k] + 1.5) * scale, (1.5 - Position[k + 1]) * scale, Math.Max(2, radius[i] * scale), ColourOf(env, i));
        }
        return frame;
    }
}
