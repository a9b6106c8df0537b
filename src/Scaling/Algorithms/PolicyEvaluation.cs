using Hybrid.Scaling.Catalog;
using Hybrid.Scaling.Environments;
using Hybrid.Scaling.Rollouts;

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
    /// Plays <paramref name="episodes"/> episodes per training seed in new environments of the trainer's registered
    /// environment (its default settings: for other settings pass the environments, see the other overload).
    /// </summary>
    public static PolicyEvaluation Run(PpoTrainer trainer, int episodes, EvaluationPolicy policy, long seed, int maxSteps = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        using var env = EnvRegistry.Create(trainer.Environment.Name, trainer.Seeds * episodes);
        return Run(trainer, env, policy, seed, maxSteps);
    }

    /// <summary>
    /// Plays one episode in each environment of <paramref name="env"/> (seeds x episodes of them, seed s owning the
    /// s-th block), reset here from <paramref name="seed"/>, with every learner's policy (greedy or sampled, from
    /// streams of its own) and the trainer's fixed controllers. Each environment plays exactly one episode, so short
    /// episodes are not over-represented (as they are among the episodes that end within a window of training
    /// steps). The trainer's own environments, states and random streams are not touched.
    /// </summary>
    public static PolicyEvaluation Run(PpoTrainer trainer, VectorEnv env, EvaluationPolicy policy, long seed, int maxSteps = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        var seeds = trainer.Seeds;
        if (env.NumEnvs % seeds != 0) throw new ArgumentException($"{env.NumEnvs} evaluation environments do not split into {seeds} seeds");
        if (env.Name != trainer.Environment.Name || !env.Agents.SequenceEqual(trainer.Environment.Agents))
            throw new ArgumentException($"the policies were trained on {trainer.Environment.Name}, not {env.Name}");
        var mode = policy == EvaluationPolicy.Greedy ? ActionMode.Greedy : ActionMode.Sample;
        var actors = new List<NetworkActor>();
        var controllers = new List<Controller>();
        foreach (var c in trainer.Policy.Controllers)
        {
            IActor actor;
            if (c.Actor is NetworkActor trained)
            {
                // The first learner's streams as they always were; further learners' derived from them, so learners never share a stream.
                var learner = actors.Count;
                var streams = ActionStreams(seeds, seed).Select(x => learner == 0 ? x : SplitMix64.Derive(x, (ulong)learner)).ToArray();
                var fresh = new NetworkActor(trained.Network, streams, mode);
                actors.Add(fresh);
                actor = fresh;
            }
            else actor = c.Actor.Fork();
            var g = c.Group;
            controllers.Add(new Controller(new AgentGroup(env, g.Agents, actor.Copies, g.AgentId, g.WorldSize > 0, g.Device), actor, RecordObservations: false));
        }
        try
        {
            var joint = new JointPolicy(env, controllers);
            var collector = new RolloutCollector(joint, seeds);
            collector.Reset(EnvironmentSeeds(env, seed));
            using var step = collector.NewRollout(1);
            return Play(env, seeds, () => collector.Step(step, 0), maxSteps);
        }
        finally
        {
            foreach (var a in actors) a.Dispose();
        }
    }

    /// <summary>
    /// Plays one episode in each of <paramref name="episodes"/> new environments per training seed of a DQN-family
    /// trainer (its registered environment, default settings), as dopamine's evaluation phase does: epsilon-greedy with
    /// <paramref name="epsilon"/> (dopamine's epsilon_eval 0.001 by default; 0 is greedy) and noisy layers at their
    /// mean weights. Environments and action draws come from <paramref name="seed"/>; the trainer is not touched.
    /// </summary>
    public static PolicyEvaluation Run(DqnTrainer trainer, int episodes, double? epsilon, long seed, int maxSteps = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        var eps = epsilon ?? trainer.Config.EpsilonEval;
        if (!(eps >= 0 && eps <= 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), eps, "the evaluation epsilon must lie in [0, 1]");
        var seeds = trainer.Seeds;
        using var env = EnvRegistry.Create(trainer.Environment.Name, seeds * episodes);
        env.Reset(EnvironmentSeeds(env, seed));
        var streams = ActionStreams(seeds, seed);
        // A view of the environments' observation memory: it shows every step's observations without a copy.
        using var observations = env.ObservationTensor(0).view(new long[] { seeds, episodes }.Concat(trainer.ObservationShape).ToArray());
        return Play(env, seeds, () => env.Step(trainer.Learner.Act(observations, eps, streams, noise: null)), maxSteps);
    }

    /// <summary>
    /// Plays one episode in each of <paramref name="episodes"/> new environments per training seed of an IQL, VDN or
    /// QMIX trainer (its registered environment, default settings) with the online agent network, each episode from a
    /// zero GRU state, epsilon-greedy with <paramref name="epsilon"/> (0, JaxMARL's greedy test policy, by default).
    /// Environments and action draws come from <paramref name="seed"/>; the trainer is not touched.
    /// </summary>
    public static PolicyEvaluation Run(MarlQTrainer trainer, int episodes, double epsilon, long seed, int maxSteps = 100_000)
    {
        var learner = trainer.Learner;
        TorchSharp.torch.Tensor? hidden = null;
        try
        {
            return PlayMultiAgent(trainer.Environment.Name, trainer.Seeds, learner.Inputs, episodes, epsilon, seed, maxSteps, learner.Online.Values.device,
                (states, streams) => learner.Act(states, ref hidden, null, epsilon, streams));
        }
        finally { hidden?.Dispose(); }
    }

    /// <summary>The same for a PQN-VDN trainer (a feed-forward agent network).</summary>
    public static PolicyEvaluation Run(PqnTrainer trainer, int episodes, double epsilon, long seed, int maxSteps = 100_000) =>
        PlayMultiAgent(trainer.Environment.Name, trainer.Seeds, trainer.Inputs, episodes, epsilon, seed, maxSteps, trainer.Device,
            (states, streams) => trainer.Act(states, epsilon, streams));

    /// <summary>Fresh environments of <paramref name="envName"/> played by a multi-agent Q-learner's actions [C, X, n] at the joint states [C, X, S].</summary>
    static PolicyEvaluation PlayMultiAgent(string envName, int seeds, Rollouts.AgentInputs inputs, int episodes, double epsilon, long seed, int maxSteps,
        TorchSharp.torch.Device device, Func<TorchSharp.torch.Tensor, ulong[], int[]> act)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        if (!(epsilon >= 0 && epsilon <= 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "the evaluation epsilon must lie in [0, 1]");
        using var env = EnvRegistry.Create(envName, seeds * episodes);
        env.Reset(EnvironmentSeeds(env, seed));
        var streams = ActionStreams(seeds, seed);
        var n = env.NumEnvs;
        var agents = env.Agents.Count;
        var states = new float[n * inputs.StateSize];
        var actions = new int[agents * n];
        return Play(env, seeds, () =>
        {
            inputs.ReadStates(env, states);
            int[] chosen;
            using (var x = TorchSharp.torch.tensor(states, new long[] { seeds, episodes, inputs.StateSize }).to(device)) chosen = act(x, streams);
            for (var r = 0; r < n; r++)
                for (var a = 0; a < agents; a++) actions[a * n + r] = chosen[r * agents + a];
            env.Step(actions);
        }, maxSteps);
    }

    /// <summary>Per training seed s, the evaluation's action stream (the first learner's; others derive theirs from it).</summary>
    static ulong[] ActionStreams(int seeds, long seed) =>
        Enumerable.Range(0, seeds).Select(s => SplitMix64.Start(((ulong)seed * 31 + (ulong)s) ^ 0x0A11_CE5E_ED00_0000UL)).ToArray();

    /// <summary>Evaluation environment k's seed: the same scheme for every family, apart from any training seed.</summary>
    static ulong[] EnvironmentSeeds(VectorEnv env, long seed) =>
        Enumerable.Range(0, env.NumEnvs).Select(k => SplitMix64.Start((ulong)seed ^ 0x5EED_0E7A_1000_0000UL) + (ulong)k).ToArray();

    /// <summary>Steps <paramref name="env"/> until each environment has ended one episode; returns (mean over agents) and lengths per seed block.</summary>
    static PolicyEvaluation Play(VectorEnv env, int seeds, Action step, int maxSteps)
    {
        var agents = env.Agents.Count;
        var episodes = env.NumEnvs / seeds;
        var returns = new double[env.NumEnvs];
        var lengths = new int[env.NumEnvs];
        var finished = new bool[env.NumEnvs];
        var open = env.NumEnvs;
        for (var t = 0; open > 0; t++)
        {
            if (t == maxSteps) throw new InvalidOperationException($"{open} evaluation episodes of {env.Name} did not end within {maxSteps} steps");
            step();
            for (var k = 0; k < env.NumEnvs; k++)
            {
                if (finished[k]) continue;
                double sum = 0;
                for (var a = 0; a < agents; a++) sum += env.Rewards[a * env.NumEnvs + k];
                returns[k] += sum / agents;
                lengths[k]++;
                if (env.AllDones[k]) { finished[k] = true; open--; }
            }
        }
        return new PolicyEvaluation(
            Enumerable.Range(0, seeds).Select(s => returns.Skip(s * episodes).Take(episodes).ToArray()).ToArray(),
            Enumerable.Range(0, seeds).Select(s => lengths.Skip(s * episodes).Take(episodes).ToArray()).ToArray());
    }
}
