using System.Diagnostics;
using Hybrid.Scaling.Algorithms;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Infinite;

/// <summary>What one PPO update of <see cref="InfiniteMfos.Train"/> saw and did.</summary>
/// <param name="Update">1-based update index.</param>
/// <param name="MfosReward">The meta-agent's reward per step, (1 - gamma) V, averaged over meta-steps and environments.</param>
/// <param name="NlReward">The naive learners' reward per step, likewise.</param>
/// <param name="MfosRewardLast">The meta-agent's reward at the last meta-step, averaged over environments.</param>
/// <param name="NlRewardLast">The naive learners' reward at the last meta-step.</param>
/// <param name="PolicyLoss">Clipped surrogate loss, mean over epochs and minibatches.</param>
/// <param name="ValueLoss">Value loss mean(max((V - R)^2, clipped^2)) (pax's loss_value, without the coefficient).</param>
/// <param name="Entropy">Mean Gaussian entropy.</param>
/// <param name="ApproxKl">Mean old minus new log-probability.</param>
/// <param name="MeanScale">Mean standard deviation of the meta-actions at collection.</param>
/// <param name="CollectSeconds">Wall time of the collection.</param>
/// <param name="Seconds">Wall time of the whole update (collection, targets and optimisation).</param>
public sealed record InfiniteMfosUpdate(int Update, double MfosReward, double NlReward, double MfosRewardLast, double NlRewardLast,
    double PolicyLoss, double ValueLoss, double Entropy, double ApproxKl, double MeanScale, double CollectSeconds, double Seconds);

/// <summary>The outcome of <see cref="InfiniteMfos.Train"/>.</summary>
/// <param name="Updates">Metrics per update.</param>
/// <param name="MfosPolicy">The meta-agent's policy (probabilities of cooperating) at the last meta-step of the last update, [Envs, 5] row-major, pax's layout [CC, CD, DC, DD, start], own view.</param>
/// <param name="NlPolicy">The naive learners' policies at that step, [Envs, 5], their own view.</param>
/// <param name="Parameters">The trained network's parameters (one row of <see cref="HyperNetwork.Parameters"/>).</param>
public sealed record InfiniteMfosResult(IReadOnlyList<InfiniteMfosUpdate> Updates, double[] MfosPolicy, double[] NlPolicy, float[] Parameters)
{
    /// <summary>The meta-agent's policy averaged over environments (5 probabilities).</summary>
    public double[] MeanMfosPolicy => MeanRows(MfosPolicy);

    /// <summary>The naive learners' policies averaged over environments (5 probabilities).</summary>
    public double[] MeanNlPolicy => MeanRows(NlPolicy);

    static double[] MeanRows(double[] rows)
    {
        const int d = InfiniteIpd.Size;
        var mean = new double[d];
        var n = rows.Length / d;
        for (var e = 0; e < n; e++) for (var k = 0; k < d; k++) mean[k] += rows[e * d + k] / n;
        return mean;
    }
}

/// <summary>
/// The original M-FOS (Lu et al. 2022) against exact-gradient naive learners on the infinite IPD, as pax runs it (cfg
/// <c>ipd/inf_mfos_v_nl</c>, agent 'Hyper' vs 'NaiveEx', runner <c>rl</c>): a parity check of chapter 4's M-FOS.
/// Every update collects one meta-episode in each of N environments, computes GAE targets, and takes PPO steps.
/// </summary>
/// <remarks>
/// <para>One meta-step t of environment e: the agent observes o_t = sigmoid([a_{t-1}, theta_{t-1}]) (its own last
/// policy and the learner's, each in its own view), samples its next policy logits a_t ~ N(mu(o_t), softplus(s(o_t))),
/// the learner steps theta_t = theta_{t-1} + lr grad V(theta_{t-1}, a_{t-1}) (against the agent's previous policy, as
/// pax's NaiveEx reads it from its observation), and both are paid (1 - gamma) V(a_t, theta_t). The start
/// (theta_0, a_{-1}, o_0) is <see cref="InfiniteStart"/>.</para>
/// <para>Random streams, all from the seed: the network's initial values, the meta-action noise (one torch generator),
/// each update's starts (environment e of update u from (seed, u, e)) and the minibatch permutations.</para>
/// </remarks>
public static class InfiniteMfos
{
    const ulong NetworkSalt = 0x4D464F53_4E45540AUL, NoiseSalt = 0x4D464F53_4E4F4953UL, StartSalt = 0x4D464F53_53544152UL, ShuffleSalt = 0x4D464F53_53485546UL;

    /// <summary>A batch of meta-episodes: per meta-step t and environment e, row t N + e.</summary>
    sealed class Rollout
    {
        public Rollout(int steps, int envs)
        {
            (Steps, Envs) = (steps, envs);
            var rows = steps * envs;
            Observations = new float[rows * HyperNetwork.Inputs];
            Actions = new float[rows * HyperNetwork.Actions];
            LogProbs = new float[rows];
            Values = new float[rows];
            Rewards = new float[rows];
            NlRewards = new float[rows];
            LastValues = new float[envs];
        }

        public int Steps { get; }
        public int Envs { get; }
        public float[] Observations { get; }
        public float[] Actions { get; }
        public float[] LogProbs { get; }
        public float[] Values { get; }
        public float[] Rewards { get; }
        public float[] NlRewards { get; }
        public float[] LastValues { get; }
        public double MeanScale { get; set; }
        public double[] FinalMfosLogits { get; set; } = Array.Empty<double>();
        public double[] FinalNlLogits { get; set; } = Array.Empty<double>();
    }

    /// <summary>
    /// Trains the meta-agent for <see cref="InfiniteMfosConfig.Updates"/> updates from <paramref name="seed"/>, calling
    /// <paramref name="progress"/> after each; returns the metrics, the last policies and the trained parameters.
    /// </summary>
    public static InfiniteMfosResult Train(InfiniteMfosConfig config, long seed, Action<InfiniteMfosUpdate>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var root = (ulong)seed;
        using var network = new HyperNetwork(config.Hidden, (long)(SplitMix64.Derive(root, NetworkSalt) >> 1));
        using var adam = new Adam(network.Parameters, config.MaxGradNorm, epsilon: config.AdamEps);
        using var noise = new Generator(SplitMix64.Derive(root, NoiseSalt));
        var shuffle = SplitMix64.Start(SplitMix64.Derive(root, ShuffleSalt));
        var updates = new List<InfiniteMfosUpdate>();
        Rollout? last = null;
        for (var u = 1; u <= config.Updates; u++)
        {
            var clock = Stopwatch.StartNew();
            var rollout = Collect(network, config, SplitMix64.Derive(SplitMix64.Derive(root, StartSalt), (ulong)u), noise);
            var collected = clock.Elapsed.TotalSeconds;
            var (advantages, targets) = Targets(rollout, config);
            var losses = Optimise(network, adam, rollout, advantages, targets, config, ref shuffle);
            var n = rollout.Envs;
            var metrics = new InfiniteMfosUpdate(u, Mean(rollout.Rewards), Mean(rollout.NlRewards),
                Mean(rollout.Rewards.AsSpan((rollout.Steps - 1) * n, n)), Mean(rollout.NlRewards.AsSpan((rollout.Steps - 1) * n, n)),
                losses.Policy, losses.Value, losses.Entropy, losses.Kl, rollout.MeanScale, collected, clock.Elapsed.TotalSeconds);
            updates.Add(metrics);
            progress?.Invoke(metrics);
            last = rollout;
        }
        var parameters = network.Parameters.Values.detach().cpu().data<float>().ToArray();
        return new InfiniteMfosResult(updates,
            InfiniteIpd.Probabilities(last?.FinalMfosLogits ?? Array.Empty<double>()),
            InfiniteIpd.Probabilities(last?.FinalNlLogits ?? Array.Empty<double>()), parameters);
    }

    /// <summary>Collection: one meta-episode per environment with fresh naive learners, the agent sampling its policies.</summary>
    static Rollout Collect(HyperNetwork network, InfiniteMfosConfig config, ulong startSeed, Generator noise)
    {
        const int d = InfiniteIpd.Size;
        var (n, steps) = (config.Envs, config.MetaSteps);
        var rollout = new Rollout(steps, n);
        var start = InfiniteStart.Draw(config.Start, n, startSeed);
        var learner = new ExactNaiveLearner(start.NlLogits, config.NlLr, config.GameGamma);
        var previous = start.PreviousLogits;
        var agent = new double[n * d];
        var observation = start.Observation;
        var (v1, v2) = (new double[n], new double[n]);
        var action = new float[n * d];
        var perStep = 1 - config.GameGamma;
        double scaleSum = 0;
        using var _ = no_grad();
        for (var t = 0; t < steps; t++)
        {
            using var scope = NewDisposeScope();
            observation.CopyTo(rollout.Observations, t * n * HyperNetwork.Inputs);
            var (mean, scale, value) = network.Forward(tensor(observation).view(1, n, HyperNetwork.Inputs));
            var sampled = mean.Plus(scale * randn(new long[] { 1, n, d }, generator: noise));
            sampled.data<float>().CopyTo(action, 0);
            action.CopyTo(rollout.Actions, t * n * d);
            DiagonalNormal.LogProb(sampled, mean, scale).data<float>().CopyTo(rollout.LogProbs, t * n);
            value.data<float>().CopyTo(rollout.Values, t * n);
            scaleSum += scale.mean().item<float>();

            for (var k = 0; k < agent.Length; k++) agent[k] = action[k];
            learner.Step(previous);
            InfiniteIpd.Values(agent, learner.Logits, config.GameGamma, v1, v2);
            observation = new float[n * HyperNetwork.Inputs];
            for (var e = 0; e < n; e++)
            {
                rollout.Rewards[t * n + e] = (float)(perStep * v1[e]);
                rollout.NlRewards[t * n + e] = (float)(perStep * v2[e]);
                InfiniteStart.Observe(agent.AsSpan(e * d, d), learner.Logits.Slice(e * d, d), observation.AsSpan(e * HyperNetwork.Inputs, HyperNetwork.Inputs));
            }
            (previous, agent) = (agent, previous);
        }
        if (config.BootstrapFinalValue)
        {
            using var scope = NewDisposeScope();
            network.Forward(tensor(observation).view(1, n, HyperNetwork.Inputs)).Value.data<float>().CopyTo(rollout.LastValues, 0);
        }
        rollout.MeanScale = scaleSum / steps;
        rollout.FinalMfosLogits = previous.ToArray();
        rollout.FinalNlLogits = learner.Logits.ToArray();
        return rollout;
    }

    /// <summary>Targets: GAE over the meta-steps of each environment (no done inside a meta-episode).</summary>
    static (float[] Advantages, float[] Targets) Targets(Rollout rollout, InfiniteMfosConfig config)
    {
        var rows = rollout.Rewards.Length;
        var (advantages, targets) = (new float[rows], new float[rows]);
        Gae.Compute(rollout.Rewards, rollout.Values, new bool[rows], rollout.LastValues, (float)config.Gamma, (float)config.GaeLambda, advantages, targets);
        return (advantages, targets);
    }

    /// <summary>
    /// Update: epochs x minibatches of PPO steps with pax's loss (advantages normalised per minibatch), Adam after a
    /// global-norm clip. A minibatch's gradient is accumulated over chunks of at most <see cref="InfiniteMfosConfig.ChunkRows"/>
    /// rows, each chunk's mean weighted by its share of the minibatch: the same gradient as one pass over the whole
    /// minibatch up to float rounding, without its activations (400,000 rows x 256 units per layer at pax's size).
    /// </summary>
    static (double Policy, double Value, double Entropy, double Kl) Optimise(HyperNetwork network, Adam adam, Rollout rollout, float[] advantages, float[] targets,
        InfiniteMfosConfig config, ref ulong shuffle)
    {
        var rows = rollout.Rewards.Length;
        var size = rows / config.Minibatches;
        using var data = NewDisposeScope();
        var observations = tensor(rollout.Observations).view(rows, HyperNetwork.Inputs);
        var actions = tensor(rollout.Actions).view(rows, HyperNetwork.Actions);
        var oldLogProbs = tensor(rollout.LogProbs);
        var oldValues = tensor(rollout.Values);
        var advantage = tensor(advantages);
        var target = tensor(targets);
        // PpoLoss's value term is 0.5 mean(max(...)); pax's is value_coeff mean(max(...)), hence the doubled coefficient.
        // Without value clipping the clipped and unclipped errors coincide under an infinite clip.
        var valueClip = config.ClipValue ? config.Clip : double.PositiveInfinity;
        using var tiny = 1e-8.ToScalar();
        double policy = 0, value = 0, entropy = 0, kl = 0;
        var passes = config.Epochs * config.Minibatches;
        for (var epoch = 0; epoch < config.Epochs; epoch++)
        {
            var order = config.Minibatches == 1 ? null : Permutation(rows, ref shuffle);
            for (var m = 0; m < config.Minibatches; m++)
            {
                using var minibatch = NewDisposeScope();
                var chosen = order is null ? null : tensor(order.AsSpan(m * size, size).ToArray());
                Tensor Take(Tensor x) => chosen is null ? x : x.index_select(0, chosen);
                var (obs, act, oldLogProb, oldValue, adv, tgt) = (Take(observations), Take(actions), Take(oldLogProbs), Take(oldValues), Take(advantage), Take(target));
                adv = (adv - adv.mean()) / adv.std(unbiased: false).Plus(tiny);
                for (var start = 0; start < size; start += config.ChunkRows)
                {
                    using var chunk = NewDisposeScope();
                    var length = Math.Min(config.ChunkRows, size - start);
                    Tensor Rows(Tensor x) => x.narrow(0, start, length).unsqueeze(0);
                    var (mean, scale, v) = network.Forward(Rows(obs));
                    var logProb = DiagonalNormal.LogProb(Rows(act), mean, scale);
                    var terms = PpoLoss.Compute(logProb, DiagonalNormal.Entropy(scale), v, Rows(oldLogProb), Rows(oldValue), Rows(adv), Rows(tgt),
                        config.Clip, 2 * config.ValueCoef, config.EntropyCoef, normaliseAdvantages: false, valueClipEps: valueClip);
                    var share = (double)length / size;
                    using var weight = share.ToScalar();
                    terms.Total.mul(weight).backward();
                    policy += share * terms.Actor.item<float>() / passes;
                    value += share * 2 * terms.Value.item<float>() / passes;
                    entropy += share * terms.Entropy.item<float>() / passes;
                    kl += share * terms.ApproxKl.item<float>() / passes;
                }
                adam.Step(config.Lr);
            }
        }
        return (policy, value, entropy, kl);
    }

    static long[] Permutation(int n, ref ulong rng)
    {
        var order = new long[n];
        for (var i = 0; i < n; i++) order[i] = i;
        for (var i = n - 1; i > 0; i--)
        {
            var j = SplitMix64.Below(ref rng, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    static double Mean(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (var x in values) sum += x;
        return sum / values.Length;
    }
}
