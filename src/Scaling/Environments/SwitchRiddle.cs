namespace Hybrid.Scaling.Environments;

/// <summary>
/// The Switch Riddle (Foerster et al. 2016) with JaxMARL's semantics (switch_riddle.py): each day one of n prisoners,
/// drawn uniformly with replacement, is in the room with a light bulb and may do nothing (0), toggle the bulb (1) or
/// tell (2) that everybody has been in the room; only that prisoner's action counts. The in-room prisoner is marked as
/// visited before a tell is judged. Telling ends the episode with shared reward +1 if all have visited, else -1; an
/// episode without a tell ends after 4n - 6 days with reward 0. Observation per agent: [in room, in room and bulb on].
/// </summary>
public sealed class SwitchRiddle : VectorEnv
{
    readonly int agents;
    readonly bool[] bulb;
    readonly int[] inRoom;
    readonly bool[] visited; // [N, n]

    /// <summary>Creates N riddles with <paramref name="numAgents"/> prisoners (at least 3, as in JaxMARL).</summary>
    public SwitchRiddle(int numEnvs, int numAgents = 3)
        : base(numEnvs, Names(numAgents), Enumerable.Repeat<Space>(new MultiDiscrete(new[] { 2, 2 }), numAgents).ToArray(),
            Enumerable.Repeat<Space>(new Discrete(3), numAgents).ToArray())
    {
        agents = numAgents;
        MaxSteps = 4 * numAgents - 6;
        bulb = new bool[numEnvs];
        inRoom = new int[numEnvs];
        visited = new bool[numEnvs * numAgents];
    }

    static string[] Names(int n) => n >= 3
        ? Enumerable.Range(0, n).Select(i => $"agent_{i}").ToArray()
        : throw new ArgumentOutOfRangeException(nameof(n), n, "the Switch Riddle needs at least 3 agents");

    /// <inheritdoc/>
    public override string Name => "switch_riddle";

    /// <summary>Days per episode without a tell: 4n - 6.</summary>
    public int MaxSteps { get; }

    /// <summary>The prisoner in the room in environment e (for tests and rendering).</summary>
    public int InRoom(int env) => inRoom[env];

    /// <summary>Whether the bulb is on in environment e.</summary>
    public bool BulbOn(int env) => bulb[env];

    /// <summary>Whether prisoner <paramref name="agent"/> has been in the room in environment e's episode.</summary>
    public bool HasBeen(int env, int agent) => visited[env * agents + agent];

    /// <summary>Sets environment e's state (for hand-worked tests and scripted scenarios), then rewrites its observations.</summary>
    public void SetState(int env, int inRoomAgent, bool bulbOn, IReadOnlyList<bool> hasBeen)
    {
        if ((uint)inRoomAgent >= (uint)agents) throw new ArgumentOutOfRangeException(nameof(inRoomAgent), inRoomAgent, $"agents are 0..{agents - 1}");
        if (hasBeen.Count != agents) throw new ArgumentException($"hasBeen needs {agents} entries", nameof(hasBeen));
        inRoom[env] = inRoomAgent;
        bulb[env] = bulbOn;
        for (var j = 0; j < agents; j++) visited[env * agents + j] = hasBeen[j];
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void ResetEnv(int env)
    {
        bulb[env] = false;
        Array.Clear(visited, env * agents, agents);
        inRoom[env] = SplitMix64.Below(ref Random[env], agents);
        WriteObservations(env);
    }

    /// <inheritdoc/>
    protected override void StepEnv(int env, int[] actions)
    {
        var i = inRoom[env];
        var act = actions[i * NumEnvs + env];
        visited[env * agents + i] = true;
        if (act == 1) bulb[env] = !bulb[env];
        var reward = 0f;
        if (act == 2)
        {
            var all = true;
            for (var j = 0; j < agents; j++) all &= visited[env * agents + j];
            reward = all ? 1f : -1f;
        }
        for (var j = 0; j < agents; j++) Reward(j, env) = reward;
        AllDones[env] = act == 2 || EpisodeSteps[env] >= MaxSteps;
        inRoom[env] = SplitMix64.Below(ref Random[env], agents);
        WriteObservations(env);
    }

    void WriteObservations(int env)
    {
        for (var j = 0; j < agents; j++)
        {
            var o = Observation(j, env);
            var here = inRoom[env] == j;
            o[0] = here ? 1 : 0;
            o[1] = here && bulb[env] ? 1 : 0;
        }
    }
}
