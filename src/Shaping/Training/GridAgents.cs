using Hybrid.Shaping.Agents;
using Hybrid.Shaping.Grid;

namespace Hybrid.Shaping.Training;

/// <summary>The gridworld meta-agent of a configuration.</summary>
public static class GridAgents
{
    /// <summary>Shaper (GRU of <c>hidden</c> units), M-FOS by ES or RL (<c>hidden</c> per part; RL averages nothing) or Good Shepherd (torso width <c>hidden</c>) for the configuration's gridworld.</summary>
    public static IGridMetaAgent Create(ShapeConfig config) => config.Method switch
    {
        ShapeMethod.Shaper => new GridShaperAgent(config.GridGame, config.Hidden, averaging: config.Averaging, lambda: (float)config.AvgLambda, memory: config.Memory),
        ShapeMethod.Mfos => new GridMfosAgent(config.GridGame, config.Hidden, averaging: config.Averaging, lambda: (float)config.AvgLambda, metaMemory: config.MfosMetaMemory),
        ShapeMethod.MfosRl => new GridMfosAgent(config.GridGame, config.Hidden, averaging: HiddenAveraging.Nothing, metaMemory: config.MfosMetaMemory),
        ShapeMethod.Gs => new GridGoodShepherdAgent(config.GridGame, config.Hidden),
        _ => throw new InvalidOperationException($"{config.Method.Name()} has no gridworld meta-agent"),
    };
}
