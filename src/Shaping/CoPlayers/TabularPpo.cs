namespace Hybrid.Shaping.CoPlayers;

/// <summary>
/// Settings of the tabular PPO naive learner with pax's semantics (ipd configs, thesis Table 12): Adam lr 1 (eps
/// 1e-5), 2 epochs x 4 minibatches, gamma 0.96, GAE lambda 0.95, clip 0.2, value coefficient 0.5 with value clipping
/// (0.2), entropy 0.02, global gradient-norm clip 0.5; every table entry starts at <see cref="Init"/>.
/// </summary>
public sealed record TabularPpoConfig
{
    /// <summary>Adam step size.</summary>
    public double Lr { get; init; } = 1.0;
    /// <summary>Adam epsilon (outside the square root, optax).</summary>
    public double AdamEps { get; init; } = 1e-5;
    /// <summary>Adam first-moment decay.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>Adam second-moment decay.</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Passes over an episode's samples.</summary>
    public int Epochs { get; init; } = 2;
    /// <summary>Minibatches per pass (the batch envs x inner must divide by it).</summary>
    public int Minibatches { get; init; } = 4;
    /// <summary>Discount.</summary>
    public double Gamma { get; init; } = 0.96;
    /// <summary>GAE lambda.</summary>
    public double GaeLambda { get; init; } = 0.95;
    /// <summary>PPO ratio clip.</summary>
    public double Clip { get; init; } = 0.2;
    /// <summary>Value-loss coefficient: pax's loss is policy + coef x mean(fmax(unclipped, clipped squared error)) - entropy, with no 0.5.</summary>
    public double ValueCoef { get; init; } = 0.5;
    /// <summary>Entropy bonus coefficient.</summary>
    public double EntropyCoef { get; init; } = 0.02;
    /// <summary>Global gradient-norm clip.</summary>
    public double MaxGradNorm { get; init; } = 0.5;
    /// <summary>Initial value of every logit and value entry (0.5: P(C) = 0.5 in every state).</summary>
    public double Init { get; init; } = 0.5;

    /// <summary>Throws with the setting's name when a value is invalid.</summary>
    public void Validate()
    {
        if (!(Lr >= 0) || !(AdamEps > 0)) throw new ArgumentException("coplayer_lr must be non-negative and the Adam epsilon positive");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1) throw new ArgumentException("the co-player's Adam betas lie in [0, 1)");
        if (Epochs < 1 || Minibatches < 1) throw new ArgumentException("coplayer_epochs and coplayer_minibatches must be at least 1");
        if (Gamma is < 0 or > 1 || GaeLambda is < 0 or > 1) throw new ArgumentException("coplayer_gamma and coplayer_gae_lambda lie in [0, 1]");
        if (!(Clip > 0) || !(MaxGradNorm > 0) || ValueCoef < 0 || EntropyCoef < 0) throw new ArgumentException("coplayer clip and max_grad_norm must be positive, the loss coefficients non-negative");
    }
}

/// <summary>
/// One tabular PPO learner: a table of two logits and a value per state (5 x 3, row-major [state][C logit, D logit,
/// value]) and its Adam state. <see cref="Update"/> is one PPO update on an episode's batch with the closed-form
/// gradients of pax's loss (d log pi_a / d l_k = 1[k = a] - pi_k; d H / d l_k = -pi_k (log pi_k + H); on a tie of fmin or
/// fmax the gradient takes the second, clipped branch, as JAX's where-based fmin/fmax do), so no autograd is needed.
/// </summary>
public sealed class TabularPpoLearner
{
    /// <summary>Entries of the table.</summary>
    public const int Size = 15;

    readonly TabularPpoConfig config;
    readonly double[] m = new double[Size], v = new double[Size], grad = new double[Size];
    readonly double[] oldTableLogp = new double[10];
    double beta1Power = 1, beta2Power = 1;
    double[] advantages = Array.Empty<double>(), returns = Array.Empty<double>(), oldValue = Array.Empty<double>();
    int[] order = Array.Empty<int>();

    /// <summary>A learner at its initial table.</summary>
    public TabularPpoLearner(TabularPpoConfig config)
    {
        config.Validate();
        this.config = config;
        Reset();
    }

    /// <summary>The table [state][C logit, D logit, value].</summary>
    public double[] Table { get; } = new double[Size];

    /// <summary>Adam steps taken since the reset.</summary>
    public int Steps { get; private set; }

    /// <summary>Re-initialises the table and the optimiser (a fresh co-player).</summary>
    public void Reset()
    {
        Array.Fill(Table, config.Init);
        Array.Clear(m);
        Array.Clear(v);
        Steps = 0;
        beta1Power = beta2Power = 1;
    }

    /// <summary>P(cooperate | state).</summary>
    public double ProbCooperate(int state) => 1 / (1 + Math.Exp(Table[3 * state + 1] - Table[3 * state]));

    /// <summary>The value of a state.</summary>
    public double Value(int state) => Table[3 * state + 2];

    /// <summary>
    /// One PPO update on <paramref name="envs"/> trajectories of <paramref name="steps"/> steps (sample i = env x steps +
    /// t): GAE per environment bootstrapped from the value of <paramref name="bootstrapState"/> (no dones inside a
    /// trial, as pax), then epochs x minibatches of clipped-surrogate steps in the order <paramref name="permutation"/>
    /// gives for each epoch (<c>permutation(epoch, span)</c>). With <paramref name="apply"/> false the update is computed
    /// and discarded (a hardstop co-player after its stop).
    /// </summary>
    public void Update(ReadOnlySpan<byte> states, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards, int envs, int steps, int bootstrapState, PermutationSource permutation, bool apply = true)
    {
        var n = envs * steps;
        if (states.Length != n || actions.Length != n || rewards.Length != n) throw new ArgumentException($"expected {n} samples");
        if (n % config.Minibatches != 0) throw new ArgumentException($"the co-player's batch of {envs} envs x {steps} steps = {n} samples does not divide into {config.Minibatches} minibatches");
        // Advantages are normalised per minibatch (pax): one sample has advantage 0, and the policy would never change.
        if (n / config.Minibatches < 2) throw new ArgumentException($"the co-player's batch of {n} samples in {config.Minibatches} minibatches leaves one sample per minibatch, whose normalised advantage is 0: the policy would never learn");
        if (!apply) return;
        if (advantages.Length != n)
        {
            advantages = new double[n]; returns = new double[n]; oldValue = new double[n]; order = new int[n];
        }
        for (var st = 0; st < 5; st++)
        {
            var d = Table[3 * st + 1] - Table[3 * st];
            oldTableLogp[2 * st] = -Softplus(d);
            oldTableLogp[2 * st + 1] = oldTableLogp[2 * st] + d;
        }
        for (var i = 0; i < n; i++) oldValue[i] = Value(states[i]);
        var bootstrap = Value(bootstrapState);
        for (var e = 0; e < envs; e++)
        {
            double next = bootstrap, gae = 0;
            for (var t = steps - 1; t >= 0; t--)
            {
                var i = e * steps + t;
                var delta = rewards[i] + config.Gamma * next - oldValue[i];
                gae = delta + config.Gamma * config.GaeLambda * gae;
                advantages[i] = gae;
                returns[i] = gae + oldValue[i];
                next = oldValue[i];
            }
        }
        var size = n / config.Minibatches;
        for (var epoch = 0; epoch < config.Epochs; epoch++)
        {
            permutation(epoch, order);
            for (var k = 0; k < config.Minibatches; k++) Step(order.AsSpan(k * size, size), states, actions);
        }
    }

    void Step(ReadOnlySpan<int> batch, ReadOnlySpan<byte> states, ReadOnlySpan<byte> actions)
    {
        var count = batch.Length;
        double mean = 0;
        foreach (var i in batch) mean += advantages[i];
        mean /= count;
        double variance = 0;
        foreach (var i in batch) variance += (advantages[i] - mean) * (advantages[i] - mean);
        var std = Math.Sqrt(variance / count);
        // The policy has five states: every per-sample quantity but the advantage and return is a per-(state, action)
        // lookup, so the exponentials are computed 10 times per minibatch, not once per sample.
        Span<double> prob = stackalloc double[10], ratio = stackalloc double[10], entropyGrad = stackalloc double[10];
        var entropyScale = config.EntropyCoef / count;
        for (var st = 0; st < 5; st++)
        {
            // log p_C = -softplus(l_D - l_C), log p_D = log p_C + (l_D - l_C)
            var d = Table[3 * st + 1] - Table[3 * st];
            var lp0 = -Softplus(d);
            var lp1 = lp0 + d;
            var p0 = Math.Exp(lp0);
            var p1 = 1 - p0;
            var entropy = -(p0 * lp0 + p1 * lp1);
            prob[2 * st] = p0; prob[2 * st + 1] = p1;
            ratio[2 * st] = Math.Exp(lp0 - oldTableLogp[2 * st]);
            ratio[2 * st + 1] = Math.Exp(lp1 - oldTableLogp[2 * st + 1]);
            // d(-c H / count) / d l_k = c / count * p_k (log p_k + H), the same for every sample in this state
            entropyGrad[2 * st] = entropyScale * p0 * (lp0 + entropy);
            entropyGrad[2 * st + 1] = entropyScale * p1 * (lp1 + entropy);
        }
        Array.Clear(grad);
        double lo = 1 - config.Clip, hi = 1 + config.Clip;
        var valueScale = config.ValueCoef / count;
        foreach (var i in batch)
        {
            var s = states[i];
            var a = actions[i];
            var sa = 2 * s + a;
            var r = ratio[sa];
            var adv = (advantages[i] - mean) / (std + 1e-8);
            // loss_pg = -fmin(ratio A, clip(ratio) A) / count; JAX's fmin is where(x1 < x2, x1, x2), so a tie takes the clipped branch.
            var clipped = Math.Clamp(r, lo, hi);
            double unclippedSlope = adv, clippedSlope = r > lo && r < hi ? adv : 0;
            double surr1 = r * adv, surr2 = clipped * adv;
            var slope = surr1 < surr2 ? unclippedSlope : clippedSlope;
            var dLogp = -slope * r / count;
            // d log pi_a / d l_k = 1[k = a] - p_k
            grad[3 * s] += dLogp * ((a == 0 ? 1 : 0) - prob[2 * s]) + entropyGrad[2 * s];
            grad[3 * s + 1] += dLogp * ((a == 1 ? 1 : 0) - prob[2 * s + 1]) + entropyGrad[2 * s + 1];
            // value: coef x fmax((V - R)^2, (V_clip - R)^2) / count, pax's loss (no 0.5); a tie takes the clipped branch as JAX's fmax does
            var value = Table[3 * s + 2];
            var old = oldValue[i];
            var ret = returns[i];
            var valueClipped = old + Math.Clamp(value - old, -config.Clip, config.Clip);
            var inside = value - old > -config.Clip && value - old < config.Clip ? 1.0 : 0.0;
            double e1 = (value - ret) * (value - ret), e2 = (valueClipped - ret) * (valueClipped - ret);
            double g1 = 2 * (value - ret), g2 = 2 * (valueClipped - ret) * inside;
            grad[3 * s + 2] += valueScale * (e1 > e2 ? g1 : g2);
        }
        double norm = 0;
        for (var j = 0; j < Size; j++) norm += grad[j] * grad[j];
        norm = Math.Sqrt(norm);
        var scale = norm < config.MaxGradNorm ? 1 : config.MaxGradNorm / norm;
        Steps++;
        beta1Power *= config.Beta1;
        beta2Power *= config.Beta2;
        double c1 = 1 - beta1Power, c2 = 1 - beta2Power;
        for (var j = 0; j < Size; j++)
        {
            var g = grad[j] * scale;
            m[j] = config.Beta1 * m[j] + (1 - config.Beta1) * g;
            v[j] = config.Beta2 * v[j] + (1 - config.Beta2) * g * g;
            Table[j] -= config.Lr * (m[j] / c1) / (Math.Sqrt(v[j] / c2) + config.AdamEps);
        }
    }

    static double Softplus(double x) => x > 30 ? x : x < -30 ? Math.Exp(x) : Math.Log(1 + Math.Exp(x));
}

/// <summary>Fills a span with the sample order of one epoch.</summary>
public delegate void PermutationSource(int epoch, Span<int> order);
