namespace Hybrid.Scaling.Environments.MinAtar;

/// <summary>
/// What every MinAtar game shares: one agent on a 10 x 10 grid with a [10, 10, channels] observation, the settings
/// (<see cref="MinAtarOptions"/>), sticky actions and the end of a step (reward, game over or time limit, observation).
/// </summary>
public abstract class MinAtarGame : VectorEnv
{
    /// <summary>Grid side.</summary>
    protected const int Size = 10;

    /// <summary>Cell size of the pictures in pixels.</summary>
    public const int CellPixels = 20;

    readonly int[] lastAction;

    /// <summary>Creates N games with the given observation channels and minimal action count.</summary>
    protected MinAtarGame(int numEnvs, int channels, int actions, MinAtarOptions options)
        : base(numEnvs, new[] { "agent_0" }, new Space[] { new Box(0, 1, new[] { Size, Size, channels }) }, new Space[] { new Discrete(actions) })
    {
        options.Validate();
        Options = options;
        lastAction = new int[numEnvs];
    }

    /// <summary>The game's settings.</summary>
    public MinAtarOptions Options { get; }

    /// <summary>The game's registered name with its default (gymnax) settings, e.g. "minatar_breakout".</summary>
    protected abstract string GameName { get; }

    /// <summary>The settings of the game's registered default (gymnax's; Freeway's episodes are 2,500 steps).</summary>
    protected virtual MinAtarOptions Defaults => MinAtarOptions.Gymnax;

    /// <summary>
    /// The registered name of these settings: the game's name with its defaults, "..._sticky" with the defaults and
    /// MinAtar's sticky actions (0.1), "..._custom" for any other settings (not registered: what is looked up by name,
    /// such as an evaluation's fresh environments, cannot silently take other settings).
    /// </summary>
    public sealed override string Name =>
        Options == Defaults ? GameName : Options == Defaults with { StickyActionProbability = MinAtarOptions.MinAtarSticky } ? GameName + "_sticky" : GameName + "_custom";

    /// <summary>Environment e's action this step, after sticky actions (draws from Random[e] when they are on).</summary>
    protected int Act(int env, int[] actions) => Options.Sticky(actions[env], ref lastAction[env], ref Random[env]);

    /// <summary>Ends environment e's step: pays <paramref name="reward"/>, ends the episode on game over or at the time limit, writes the observation.</summary>
    protected void Finish(int env, float reward, bool over)
    {
        Reward(0, env) = reward;
        AllDones[env] = over || EpisodeSteps[env] >= Options.MaxSteps;
        WriteObservation(env);
    }

    /// <summary>Writes environment e's [10, 10, channels] observation.</summary>
    protected abstract void WriteObservation(int env);
}
