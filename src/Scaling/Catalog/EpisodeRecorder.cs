using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Rendering;

namespace Hybrid.Scaling.Catalog;

/// <summary>What a recorded run drew: one picture and one text per state, the first one being the reset state.</summary>
/// <param name="Frames">Pictures.</param>
/// <param name="Texts">Text renderings.</param>
/// <param name="Rewards">Per step, every agent's reward.</param>
public sealed record Recording(IReadOnlyList<Frame> Frames, IReadOnlyList<string> Texts, IReadOnlyList<float[]> Rewards);

/// <summary>Records a single environment under uniformly random actions, everything drawn from one seed.</summary>
public static class EpisodeRecorder
{
    /// <summary>Resets environment <paramref name="name"/> with <paramref name="seed"/> and renders it for <paramref name="steps"/> random steps.</summary>
    public static Recording Record(string name, ulong seed, int steps)
    {
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be >= 0");
        using var env = EnvRegistry.Create(name, 1);
        if (env is not IRenderable renderable)
            throw new NotSupportedException($"{name} cannot be rendered (renderable: {string.Join(", ", Renderable)})");
        env.Reset(seed);
        var policy = new RandomPolicy(env, seed ^ 0xA0761D6478BD642FUL);
        var frames = new List<Frame> { renderable.Render(0) };
        var texts = new List<string> { renderable.RenderText(0) };
        var rewards = new List<float[]>();
        for (var t = 0; t < steps; t++)
        {
            policy.Step();
            rewards.Add(env.Rewards.ToArray());
            frames.Add(renderable.Render(0));
            texts.Add(renderable.RenderText(0));
        }
        return new Recording(frames, texts, rewards);
    }

    /// <summary>Registered environments that can be rendered.</summary>
    public static IReadOnlyList<string> Renderable => EnvRegistry.Names.Where(n => { using var e = EnvRegistry.Create(n, 1); return e is IRenderable; }).ToList();
}
