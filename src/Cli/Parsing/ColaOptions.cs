using Hybrid.Games;
using Hybrid.Games.Cola;

namespace Hybrid.Cli.Parsing;

/// <summary>
/// The COLA training options the thesis leaves open (appendix H), shared by <c>cola</c>, <c>consistency --cola</c>
/// and <c>reproduce</c>: each overrides one field of the game's <see cref="ColaSettings"/>.
/// </summary>
public static class ColaOptions
{
    /// <summary>Option names (without dashes).</summary>
    public static readonly string[] Names =
        { "cola-width", "cola-layers", "cola-batch", "cola-lr", "cola-decay-every", "cola-output", "cola-input-scale", "cola-restarts", "cola-validation", "cola-region" };

    /// <summary>Whether any of the options was given.</summary>
    public static bool Any(Arguments args) => Names.Any(n => args.Get(n) != null);

    /// <summary><paramref name="settings"/> with the given options applied.</summary>
    public static ColaSettings Apply(Arguments args, ColaSettings settings)
    {
        var s = settings with
        {
            Width = args.Int("cola-width", settings.Width, 1, 4096),
            HiddenLayers = args.Int("cola-layers", settings.HiddenLayers, 1, 64),
            Batch = args.Int("cola-batch", settings.Batch, 1, 1_000_000),
            LearningRate = args.Get("cola-lr") != null ? args.Double("cola-lr", null, positive: true) : settings.LearningRate,
            DecayEvery = args.Int("cola-decay-every", settings.DecayEvery, 0, int.MaxValue),
            InputScale = args.Get("cola-input-scale") != null ? args.Double("cola-input-scale", null, positive: true) : settings.InputScale,
            Restarts = args.Int("cola-restarts", settings.Restarts, 1, 1000),
            ValidationPoints = args.Int("cola-validation", settings.ValidationPoints, 1, 1_000_000),
        };
        if (args.Get("cola-region") is { } region)
        {
            var bounds = args.Doubles("cola-region");
            if (bounds.Count != 2 || !(bounds[0] < bounds[1])) throw new UsageException($"--cola-region needs LOW,HIGH with LOW < HIGH, not '{region}'");
            s = s with { TrainingRegion = new Region(bounds[0], bounds[1]) };
        }
        return args.Get("cola-output") switch
        {
            null => s,
            "update" => s with { Output = ColaOutput.Update },
            "gradient" => s with { Output = ColaOutput.GradientUnits },
            var other => throw new UsageException($"--cola-output must be update or gradient, not '{other}'"),
        };
    }
}
