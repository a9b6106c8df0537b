using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Networks;
using static TorchSharp.torch;

namespace Hybrid.Scaling.Algorithms;

/// <summary>How an evaluation picks actions from the learned policy.</summary>
public enum EvaluationPolicy
{
    /// <summary>The most probable action (the mean, clipped to the action box, for continuous actions).</summary>
    Greedy,

    /// <summary>An action drawn from the policy, as in training.</summary>
    Sample,
}

/// <summary>
/// Returns of fresh episodes played by a trainer's current policies, one list per training seed.
/// </summary>
/// <param name="Returns">Per seed, the return (mean over agents) of each evaluation episode.</param>
/// <param name="Lengths">Per seed, the length of each evaluation episode.</param>
public sealed record PolicyEvaluation(double[][] Returns, int[][] Lengths)
{
    /// <summary>Mean return per seed.</summary>
    public double[] MeanReturns => Returns.Select(r => r.Average()).ToArray();

    /// <summary>
    /// Plays <paramref name="episodes"/> episodes per training seed with that seed's policy, in new environments seeded
    /// from <paramref name="seed"/>, with greedy or sampled actions. Each environment plays exactly one episode, so
    /// short episodes are not over-represented (as they are among the episodes that end within a window of training
    /// steps). The trainer's own environments, hidden states and random streams are not touched.
    /// </summary>
    public static PolicyEvaluation Run(PpoTrainer trainer, int episodes, EvaluationPolicy policy, long seed, int maxSteps = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        var seeds = trainer.Seeds;
        var network = trainer.Network;
        var config = trainer.Config;
        var device = network.ParameterSets[0].Values.device;
        using var env = EnvRegistry.Create(trainer.Environment.Name, seeds * episodes);
        var agents = env.Agents.Count;
        var actors = agents * episodes;
        var inputs = new ActorObservations(env, seeds, config.AgentId, trainer.Variant == PpoVariant.Mappo, device);
        var envSeeds = new ulong[seeds * episodes];
        for (var k = 0; k < envSeeds.Length; k++) envSeeds[k] = SplitMix64.Start((ulong)seed ^ 0x5EED_0E7A_1000_0000UL) + (ulong)k;
        env.Reset(envSeeds);
        var rng = Enumerable.Range(0, seeds).Select(s => SplitMix64.Start((ulong)seed * 31 + (ulong)s ^ 0x0A11_CE5E_ED00_0000UL)).ToArray();
        var box = env.ActionSpaces[0] as Box;
        var actionSize = box?.FlatSize ?? ((Discrete)env.ActionSpaces[0]).N;
        var discrete = new int[seeds * actors];
        var continuous = new float[box is null ? 0 : seeds * actors * actionSize];
        var envDiscrete = new int[discrete.Length];
        var envContinuous = new float[continuous.Length];
        var scratch = new float[actors];
        var returns = new double[seeds * episodes];
        var lengths = new int[seeds * episodes];
        var finished = new bool[seeds * episodes];
        var open = seeds * episodes;
        var resets = new bool[seeds * actors];
        Tensor? actorHidden = null, criticHidden = null;
        if (config.Recurrent)
        {
            actorHidden = zeros(seeds, actors, config.GruHidden, device: device).DetachFromDisposeScope();
            if (network.CriticHasOwnHidden) criticHidden = zeros(seeds, actors, config.GruHidden, device: device).DetachFromDisposeScope();
        }
        using var _ = no_grad();
        try
        {
            for (var t = 0; open > 0; t++)
            {
                if (t == maxSteps) throw new InvalidOperationException($"{open} evaluation episodes of {env.Name} did not end within {maxSteps} steps");
                using var scope = NewDisposeScope();
                var (obs, world) = inputs.Read();
                Tensor? r = config.Recurrent ? tensor(resets, device: device).view(1, seeds, actors) : null;
                var output = network.Forward(obs.unsqueeze(0), world?.unsqueeze(0), r, actorHidden, criticHidden);
                if (output.ActorHidden is { } h) { actorHidden!.Dispose(); actorHidden = h.detach().DetachFromDisposeScope(); }
                if (output.CriticHidden is { } c) { criticHidden!.Dispose(); criticHidden = c.detach().DetachFromDisposeScope(); }
                var logits = output.Policy.cpu().data<float>().ToArray();
                if (box is null) ChooseDiscrete(logits, actionSize, policy, rng, seeds, actors, discrete, scratch);
                else ChooseContinuous(logits, network.LogStd.detach().cpu().data<float>().ToArray(), box, policy, rng, seeds, actors, continuous, scratch);
                for (var actor = 0; actor < inputs.Slot.Length; actor++)
                {
                    if (box is null) envDiscrete[inputs.Slot[actor]] = discrete[actor];
                    else Array.Copy(continuous, actor * actionSize, envContinuous, inputs.Slot[actor] * actionSize, actionSize);
                }
                if (box is null) env.Step(envDiscrete); else env.Step(envContinuous);
                for (var actor = 0; actor < resets.Length; actor++) resets[actor] = env.AllDones[inputs.Environment[actor]];
                for (var k = 0; k < seeds * episodes; k++)
                {
                    if (finished[k]) continue;
                    double sum = 0;
                    for (var a = 0; a < agents; a++) sum += env.Rewards[a * seeds * episodes + k];
                    returns[k] += sum / agents;
                    lengths[k]++;
                    if (env.AllDones[k]) { finished[k] = true; open--; }
                }
            }
        }
        finally
        {
            actorHidden?.Dispose();
            criticHidden?.Dispose();
        }
        return new PolicyEvaluation(
            Enumerable.Range(0, seeds).Select(s => returns.Skip(s * episodes).Take(episodes).ToArray()).ToArray(),
            Enumerable.Range(0, seeds).Select(s => lengths.Skip(s * episodes).Take(episodes).ToArray()).ToArray());
    }

    static void ChooseDiscrete(float[] logits, int k, EvaluationPolicy policy, ulong[] rng, int seeds, int actors, int[] actions, float[] scratch)
    {
        for (var s = 0; s < seeds; s++)
        {
            var rows = logits.AsSpan(s * actors * k, actors * k);
            if (policy == EvaluationPolicy.Sample) { ActionSampler.Categorical(rows, k, ref rng[s], actions.AsSpan(s * actors, actors), scratch); continue; }
            for (var n = 0; n < actors; n++)
            {
                var best = 0;
                for (var j = 1; j < k; j++) if (rows[n * k + j] > rows[n * k + best]) best = j;
                actions[s * actors + n] = best;
            }
        }
    }

    static void ChooseContinuous(float[] means, float[] logStd, Box box, EvaluationPolicy policy, ulong[] rng, int seeds, int actors, float[] actions, float[] scratch)
    {
        var d = box.FlatSize;
        for (var s = 0; s < seeds; s++)
        {
            var span = actions.AsSpan(s * actors * d, actors * d);
            if (policy == EvaluationPolicy.Sample) ActionSampler.Gaussian(means.AsSpan(s * actors * d, actors * d), logStd.AsSpan(s * d, d), ref rng[s], span, scratch);
            else means.AsSpan(s * actors * d, actors * d).CopyTo(span);
            for (var j = 0; j < span.Length; j++) span[j] = Math.Clamp(span[j], box.Low, box.High);
        }
    }
}
