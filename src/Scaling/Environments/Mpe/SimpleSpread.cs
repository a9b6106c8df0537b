namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_spread_v3 (JaxMARL simple_spread.py, PettingZoo): N agents (radius 0.15, colliding) cover L landmarks
/// (radius 0.05). Reward of agent i: -local_ratio x (number of agents it overlaps) + (1 - local_ratio) x
/// (-sum over landmarks of the distance to the nearest agent). Observation: own velocity, own position, landmarks
/// relative to the agent, other agents relative (ascending index), the other agents' communication (always zero:
/// agents are silent); 18 values for 3 agents and 3 landmarks.
/// </summary>
public sealed class SimpleSpread : MpeEnv
{
    readonly float localRatio;

    /// <summary>Creates N worlds.</summary>
    public SimpleSpread(int numEnvs, int numAgents = 3, int numLandmarks = 3, float localRatio = 0.5f, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs, Enumerable.Range(0, Check(numAgents)).Select(i => $"agent_{i}").ToArray(),
            Enumerable.Repeat(new MpeEntity(0.15f, true, true), numAgents).ToArray(),
            Enumerable.Repeat(new MpeEntity(0.05f, false, false), numLandmarks).ToArray(),
            Enumerable.Repeat<Space>(new Box(float.NegativeInfinity, float.PositiveInfinity, new[] { 4 + 2 * numLandmarks + 4 * (numAgents - 1) }), numAgents).ToArray(),
            maxSteps, actions)
    {
        if (localRatio is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(localRatio), localRatio, "local_ratio must lie in [0, 1]");
        if (numLandmarks < 1) throw new ArgumentOutOfRangeException(nameof(numLandmarks), numLandmarks, "at least one landmark is needed");
        this.localRatio = localRatio;
        Landmarks = numLandmarks;
    }

    static int Check(int agents) => agents >= 1 ? agents : throw new ArgumentOutOfRangeException(nameof(agents), agents, "at least one agent is needed");

    /// <inheritdoc/>
    public override string Name => "MPE_simple_spread_v3";

    /// <summary>Number of landmarks.</summary>
    public int Landmarks { get; }

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var p = WorldPositions(env);
        var n = AgentCount;
        var global = 0f;
        for (var l = n; l < n + Landmarks; l++)
        {
            // The nearest agent by squared distance, one square root per landmark.
            float lx = p[2 * l], ly = p[2 * l + 1];
            var nearest = float.PositiveInfinity;
            for (var i = 0; i < n; i++)
            {
                float dx = p[2 * i] - lx, dy = p[2 * i + 1] - ly;
                var d2 = dx * dx + dy * dy;
                nearest = d2 < nearest ? d2 : nearest;
            }
            global -= MathF.Sqrt(nearest);
        }
        // Each pair of agents once; an overlap counts as a collision for both.
        for (var i = 0; i < n; i++) Reward(i, env) = global * (1 - localRatio);
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
            {
                float dx = p[2 * i] - p[2 * j], dy = p[2 * i + 1] - p[2 * j + 1], r = Radius(i) + Radius(j);
                if (dx * dx + dy * dy < r * r) { Reward(i, env) -= localRatio; Reward(j, env) -= localRatio; }
            }
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        var p = WorldPositions(env);
        var v = WorldVelocities(env);
        for (var i = 0; i < AgentCount; i++)
        {
            var o = Observation(i, env);
            o[0] = v[2 * i]; o[1] = v[2 * i + 1]; o[2] = p[2 * i]; o[3] = p[2 * i + 1];
            var w = WriteRelativePositions(o, 4, env, i, AgentCount, Landmarks);
            w = WriteRelativePositions(o, w, env, i, 0, AgentCount);
            for (; w < o.Length; w++) o[w] = 0; // the other agents' communication: silent agents say nothing
        }
    }
}
