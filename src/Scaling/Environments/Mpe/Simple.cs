namespace Hybrid.Scaling.Environments.Mpe;

/// <summary>
/// MPE simple_v3 (JaxMARL simple.py / PettingZoo simple): one agent moves to one landmark; reward minus the squared
/// distance; observation own velocity and the landmark relative to the agent.
/// </summary>
public sealed class Simple : MpeEnv
{
    /// <summary>Creates N worlds.</summary>
    public Simple(int numEnvs, int maxSteps = 25, MpeActions actions = MpeActions.Discrete)
        : base(numEnvs, new[] { "agent_0" }, new[] { new MpeEntity(0.15f, true, false) }, new[] { new MpeEntity(0.2f, false, false) },
            new Space[] { new Box(float.NegativeInfinity, float.PositiveInfinity, new[] { 4 }) }, maxSteps, actions)
    {
    }

    /// <inheritdoc/>
    public override string Name => "MPE_simple_v3";

    /// <inheritdoc/>
    protected override void WriteRewards(int env)
    {
        var d = Distance(env, 0, 1);
        Reward(0, env) = -d * d;
    }

    /// <inheritdoc/>
    protected override void WriteObservations(int env)
    {
        var o = Observation(0, env);
        int ka = At(env, 0), kl = At(env, 1);
        o[0] = Velocity[ka]; o[1] = Velocity[ka + 1];
        o[2] = Position[kl] - Position[ka]; o[3] = Position[kl + 1] - Position[ka + 1];
    }
}
