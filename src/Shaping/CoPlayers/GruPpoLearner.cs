using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Hybrid.Shaping.CoPlayers;

/// <summary>
/// One PPO-GRU naive learner of the gridworlds with pax's semantics (<c>pax/agents/ppo/ppo_gru.py</c>): parameters,
/// optax Adam state and the buffer of one episode over <c>envs</c> environments. The forward and backward passes are
/// written out by hand (a tensor library's per-call cost would dominate at these sizes; the trainer runs thousands of
/// learners per generation). As in pax there is no backpropagation through time: each stored sample (observation,
/// hidden state before the step, action, behaviour log-probability and value) is re-evaluated for one GRU step from
/// its stored hidden state. Generic in the float type so the tests can check the gradients in float64; the trials
/// use float.
/// </summary>
/// <typeparam name="T">float for the trials, double for gradient checks.</typeparam>
public sealed class GruPpoLearner<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    readonly GruPpoConfig config;
    readonly GruPpoInput input;
    readonly int envs, steps, samples, inSize, torsoOut, hidden, actions;
    readonly List<Block> blocks = new();
    // parameter offsets
    readonly int oTorsoW, oTorsoB, oWi, oWh, oBg, oActW, oActB, oLogitW, oLogitB, oCriW, oCriB, oValueW, oValueB;
    // tape offsets (one sample's forward intermediates)
    readonly int tT, tZ, tR, tA, tHn, tUa, tUc, tLogp, tapeSize;
    readonly T[] parameters, grad, m, v;
    readonly T[] memory, pendingHidden, pendingLogp, pendingValue;
    readonly T[] obsBuf, hidBuf, oldLogp, oldValue, rewards, advantages, returns;
    readonly byte[] actionBuf;
    readonly T[] tape, scratchG, scratchX, scratchDt, scratchDg, scratchDh, scratchDa, scratchDc, scratchDl;
    // transposed copies of the weights the backward pass multiplies by from the right, rebuilt per minibatch
    readonly T[] wiT, whaT, logitT, actT, criT;
    int[] order = Array.Empty<int>();
    T beta1Power = T.One, beta2Power = T.One;
    int stored;

    /// <summary>A learner for <paramref name="envs"/> environments of <paramref name="steps"/> steps per episode; call <see cref="Reset"/> before use.</summary>
    public GruPpoLearner(GruPpoConfig config, GruPpoInput input, int envs, int steps)
    {
        config.Validate();
        input.Validate(config.Torso);
        if (envs < 1 || steps < 1) throw new ArgumentOutOfRangeException(nameof(envs), "a GRU co-player needs at least one environment and one step");
        samples = envs * steps;
        if (samples % config.Minibatches != 0) throw new ArgumentException($"the GRU co-player's batch of {envs} envs x {steps} steps = {samples} samples does not divide into {config.Minibatches} minibatches");
        if (samples / config.Minibatches < 2) throw new ArgumentException($"the GRU co-player's batch of {samples} samples in {config.Minibatches} minibatches leaves one sample per minibatch, whose normalised advantage is 0: the policy would never learn");
        this.config = config;
        this.input = input;
        this.envs = envs;
        this.steps = steps;
        inSize = input.ObservationSize;
        hidden = config.Hidden;
        actions = input.Actions;
        var h = hidden;
        var sqrt2 = Math.Sqrt(2);
        if (config.Torso == GruTorso.Mlp)
        {
            torsoOut = config.TorsoSize;
            oTorsoW = Add("torso.w", inSize, torsoOut, config.TorsoInitScale);
            oTorsoB = Add("torso.b", 1, torsoOut, 0);
        }
        else
        {
            var k = config.KernelSize;
            torsoOut = input.ViewSide * input.ViewSide * config.ConvChannels + input.Inventory;
            oTorsoW = Add("conv.w", k * k * input.ViewChannels, config.ConvChannels, config.TorsoInitScale);
            oTorsoB = Add("conv.b", 1, config.ConvChannels, 0);
        }
        oWi = Add("gru.w_i", torsoOut, 3 * h, config.GruInitScale);
        oWh = Add("gru.w_h", h, 3 * h, config.GruInitScale);
        oBg = Add("gru.b", 1, 3 * h, 0);
        if (config.SeparateHeads)
        {
            oActW = Add("actor.w", h, h, sqrt2);
            oActB = Add("actor.b", 1, h, 0);
            oLogitW = Add("logits.w", h, actions, 0.01);
            oLogitB = Add("logits.b", 1, actions, 0);
            oCriW = Add("critic.w", h, h, sqrt2);
            oCriB = Add("critic.b", 1, h, 0);
            oValueW = Add("value.w", h, 1, 1);
            oValueB = Add("value.b", 1, 1, 0);
        }
        else
        {
            oLogitW = Add("logits.w", h, actions, 0.01);
            oValueW = Add("value.w", h, 1, 1);
            oActW = oActB = oLogitB = oCriW = oCriB = oValueB = -1;
        }
        ParameterCount = blocks.Sum(b => b.Rows * b.Cols);
        parameters = new T[ParameterCount];
        grad = new T[ParameterCount];
        m = new T[ParameterCount];
        v = new T[ParameterCount];
        tT = 0; tZ = tT + torsoOut; tR = tZ + h; tA = tR + h; tHn = tA + h; tUa = tHn + h; tUc = tUa + h; tLogp = tUc + h;
        tapeSize = tLogp + actions;
        tape = new T[tapeSize];
        scratchX = new T[inSize];
        scratchG = new T[3 * h];
        scratchDt = new T[torsoOut];
        scratchDg = new T[3 * h];
        scratchDh = new T[h];
        scratchDa = new T[h];
        scratchDc = new T[h];
        scratchDl = new T[actions];
        wiT = new T[3 * h * torsoOut];
        whaT = new T[h * h];
        logitT = new T[actions * h];
        actT = new T[config.SeparateHeads ? h * h : 0];
        criT = new T[config.SeparateHeads ? h * h : 0];
        memory = new T[envs * h];
        pendingHidden = new T[envs * h];
        pendingLogp = new T[envs * actions];
        pendingValue = new T[envs];
        obsBuf = new T[samples * inSize];
        hidBuf = new T[samples * h];
        actionBuf = new byte[samples];
        oldLogp = new T[samples];
        oldValue = new T[samples];
        rewards = new T[samples];
        advantages = new T[samples];
        returns = new T[samples];
    }

    int Add(string name, int rows, int cols, double scale)
    {
        var offset = blocks.Count == 0 ? 0 : blocks[^1].Offset + blocks[^1].Rows * blocks[^1].Cols;
        blocks.Add(new Block(name, offset, rows, cols, scale));
        return offset;
    }

    /// <summary>A named weight or bias matrix [rows, cols] in the flat parameter vector; a scale of 0 marks a bias.</summary>
    internal readonly record struct Block(string Name, int Offset, int Rows, int Cols, double Scale);

    /// <summary>The parameter blocks in the order of the flat vector (for tests and checkpoints).</summary>
    internal IReadOnlyList<Block> Blocks => blocks;

    /// <summary>Number of parameters (2272 for the Coin Game network).</summary>
    public int ParameterCount { get; }

    /// <summary>The flat parameter vector; writable so tests and callers can set a network directly.</summary>
    public Span<T> Parameters => parameters;

    /// <summary>Adam steps taken since the last <see cref="Reset"/>.</summary>
    public int Steps { get; private set; }

    /// <summary>Environments of the learner's batch.</summary>
    public int Envs => envs;

    /// <summary>The recurrent state [envs, hidden] the next <see cref="Act"/> starts from.</summary>
    public ReadOnlySpan<T> Memory => memory;

    /// <summary>
    /// Re-initialises the parameters with pax's initialisers from <paramref name="seed"/> (orthogonal weights with
    /// their pax scales, zero biases), clears Adam and the memory: a fresh co-player. Each block draws from its own
    /// stream derived from the seed, so the same seed gives the same network.
    /// </summary>
    public void Reset(ulong seed)
    {
        for (var b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            var target = parameters.AsSpan(block.Offset, block.Rows * block.Cols);
            if (block.Scale == 0) { target.Clear(); continue; }
            var state = SplitMix64.Start(SplitMix64.Derive(seed, (ulong)b + 1));
            var q = Orthogonal(block.Rows, block.Cols, ref state);
            for (var i = 0; i < target.Length; i++) target[i] = T.CreateChecked(block.Scale * q[i]);
        }
        Array.Clear(m);
        Array.Clear(v);
        beta1Power = beta2Power = T.One;
        Steps = 0;
        ResetMemory();
    }

    /// <summary>Zeroes the recurrent state (pax resets the co-player's memory every episode and after every update).</summary>
    public void ResetMemory()
    {
        Array.Clear(memory);
        stored = 0;
    }

    /// <summary>
    /// Haiku's orthogonal initialiser for a [rows, cols] matrix: a Gaussian [max, min] matrix's QR factor with the
    /// signs of R's diagonal made positive (here by Gram-Schmidt, which yields exactly that factor), transposed when
    /// rows &lt; cols, so the columns (or rows) are orthonormal.
    /// </summary>
    internal static double[] Orthogonal(int rows, int cols, ref ulong state)
    {
        int n = Math.Max(rows, cols), k = Math.Min(rows, cols);
        var a = new double[n * k];
        for (var i = 0; i < a.Length; i++) a[i] = SplitMix64.StandardNormal(ref state);
        for (var j = 0; j < k; j++)
        {
            for (var p = 0; p < j; p++)
            {
                double dot = 0;
                for (var i = 0; i < n; i++) dot += a[i * k + p] * a[i * k + j];
                for (var i = 0; i < n; i++) a[i * k + j] -= dot * a[i * k + p];
            }
            double norm = 0;
            for (var i = 0; i < n; i++) norm += a[i * k + j] * a[i * k + j];
            norm = Math.Sqrt(norm);
            for (var i = 0; i < n; i++) a[i * k + j] /= norm;
        }
        if (rows >= cols) return a;
        var t = new double[rows * cols];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < k; j++) t[j * cols + i] = a[i * k + j];
        return t;
    }

    /// <summary>
    /// One GRU step for every environment: writes the action probabilities [envs, actions] for the observations [envs,
    /// observation size] and advances the memory. The step's behaviour log-probabilities, value and the hidden state
    /// before it are kept for <see cref="Observe"/>.
    /// </summary>
    public void Act(ReadOnlySpan<float> observations, Span<float> probabilities)
    {
        if (observations.Length != envs * inSize || probabilities.Length != envs * actions) throw new ArgumentException($"expected {envs} observations of {inSize} floats and {envs} x {actions} probabilities");
        var h = hidden;
        for (var e = 0; e < envs; e++)
        {
            var obs = observations.Slice(e * inSize, inSize);
            for (var j = 0; j < inSize; j++) scratchX[j] = T.CreateTruncating(obs[j]);
            var mem = memory.AsSpan(e * h, h);
            mem.CopyTo(pendingHidden.AsSpan(e * h, h));
            pendingValue[e] = Forward(scratchX, mem, tape);
            var logp = tape.AsSpan(tLogp, actions);
            logp.CopyTo(pendingLogp.AsSpan(e * actions, actions));
            for (var a = 0; a < actions; a++) probabilities[e * actions + a] = float.CreateTruncating(T.Exp(logp[a]));
            tape.AsSpan(tHn, h).CopyTo(mem);
        }
    }

    /// <summary>
    /// Stores step <paramref name="step"/>'s samples (the observations acted on, the actions taken, the rewards) with
    /// the behaviour quantities of the preceding <see cref="Act"/>.
    /// </summary>
    public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actionsTaken, ReadOnlySpan<float> rewardsGot)
    {
        if ((uint)step >= (uint)steps) throw new ArgumentOutOfRangeException(nameof(step), step, $"the learner stores {steps} steps per episode");
        if (observations.Length != envs * inSize || actionsTaken.Length != envs || rewardsGot.Length != envs) throw new ArgumentException($"expected {envs} observations, actions and rewards");
        var h = hidden;
        for (var e = 0; e < envs; e++)
        {
            // sample i = step x envs + env (pax's [steps, envs] batch, flattened)
            var i = step * envs + e;
            var a = actionsTaken[e];
            if (a >= actions) throw new ArgumentOutOfRangeException(nameof(actionsTaken), a, $"actions lie in 0..{actions - 1}");
            var obs = observations.Slice(e * inSize, inSize);
            var dst = obsBuf.AsSpan(i * inSize, inSize);
            for (var j = 0; j < inSize; j++) dst[j] = T.CreateTruncating(obs[j]);
            pendingHidden.AsSpan(e * h, h).CopyTo(hidBuf.AsSpan(i * h, h));
            actionBuf[i] = a;
            oldLogp[i] = pendingLogp[e * actions + a];
            oldValue[i] = pendingValue[e];
            rewards[i] = T.CreateTruncating(rewardsGot[e]);
        }
        stored = Math.Max(stored, step + 1);
    }

    /// <summary>
    /// One PPO update on the episode's samples (pax's <c>update</c>): the value of <paramref name="nextObservations"/>
    /// from the current memory bootstraps GAE (pax has no dones inside a trial), then epochs x minibatches of clipped
    /// surrogate steps over the samples in the order <paramref name="permutation"/> gives (<c>permutation(epoch,
    /// span)</c>), each a global-norm-clipped optax Adam step. The memory is zeroed afterwards, as pax does. With
    /// <paramref name="apply"/> false nothing changes but the memory (a hardstop co-player after its stop).
    /// </summary>
    public void Update(ReadOnlySpan<float> nextObservations, PermutationSource permutation, bool apply = true)
    {
        if (apply)
        {
            Prepare(nextObservations);
            if (order.Length != samples) order = new int[samples];
            var size = samples / config.Minibatches;
            for (var epoch = 0; epoch < config.Epochs; epoch++)
            {
                permutation(epoch, order);
                for (var k = 0; k < config.Minibatches; k++) Step(order.AsSpan(k * size, size));
            }
        }
        ResetMemory();
    }

    /// <summary>Bootstrap values and GAE advantages and returns of the stored episode.</summary>
    internal void Prepare(ReadOnlySpan<float> nextObservations)
    {
        if (stored != steps) throw new InvalidOperationException($"the learner holds {stored} of {steps} steps; an update needs a whole episode");
        if (nextObservations.Length != envs * inSize) throw new ArgumentException($"expected {envs} next observations of {inSize} floats");
        T gamma = T.CreateChecked(config.Gamma), gl = T.CreateChecked(config.Gamma * config.GaeLambda);
        for (var e = 0; e < envs; e++)
        {
            var obs = nextObservations.Slice(e * inSize, inSize);
            for (var j = 0; j < inSize; j++) scratchX[j] = T.CreateTruncating(obs[j]);
            var next = Forward(scratchX, memory.AsSpan(e * hidden, hidden), tape);
            var gae = T.Zero;
            for (var t = steps - 1; t >= 0; t--)
            {
                var i = t * envs + e;
                var delta = rewards[i] + gamma * next - oldValue[i];
                gae = delta + gl * gae;
                advantages[i] = gae;
                returns[i] = gae + oldValue[i];
                next = oldValue[i];
            }
        }
    }

    /// <summary>One minibatch step: loss gradient, global-norm clip, optax Adam.</summary>
    internal void Step(ReadOnlySpan<int> batch)
    {
        Loss(batch, grad);
        var sumSq = T.Zero;
        for (var j = 0; j < grad.Length; j++) sumSq += grad[j] * grad[j];
        var norm = T.Sqrt(sumSq);
        var maxNorm = T.CreateChecked(config.MaxGradNorm);
        var scale = norm < maxNorm ? T.One : maxNorm / norm;
        Steps++;
        T b1 = T.CreateChecked(config.Beta1), b2 = T.CreateChecked(config.Beta2);
        beta1Power *= b1;
        beta2Power *= b2;
        T c1 = T.One / (T.One - beta1Power), c2 = T.One / (T.One - beta2Power);
        Adam(parameters, grad, m, v, scale, b1, b2, c1, c2, T.CreateChecked(config.Lr), T.CreateChecked(config.AdamEps));
    }

    static void Adam(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, T scale, T b1, T b2, T c1, T c2, T lr, T eps)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var pr = ref MemoryMarshal.GetReference(p);
            ref var gr = ref MemoryMarshal.GetReference(g);
            ref var mr = ref MemoryMarshal.GetReference(m);
            ref var vr = ref MemoryMarshal.GetReference(v);
            Vector256<T> vs = Vector256.Create(scale), vb1 = Vector256.Create(b1), vb2 = Vector256.Create(b2), va1 = Vector256.Create(T.One - b1), va2 = Vector256.Create(T.One - b2);
            Vector256<T> vc1 = Vector256.Create(c1), vc2 = Vector256.Create(c2), vlr = Vector256.Create(lr), veps = Vector256.Create(eps);
            for (; j <= p.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var o = (nuint)j;
                var gg = Vector256.LoadUnsafe(ref gr, o) * vs;
                var mm = vb1 * Vector256.LoadUnsafe(ref mr, o) + va1 * gg;
                var vv = vb2 * Vector256.LoadUnsafe(ref vr, o) + va2 * gg * gg;
                mm.StoreUnsafe(ref mr, o);
                vv.StoreUnsafe(ref vr, o);
                (Vector256.LoadUnsafe(ref pr, o) - vlr * (mm * vc1) / (Vector256.Sqrt(vv * vc2) + veps)).StoreUnsafe(ref pr, o);
            }
        }
        for (; j < p.Length; j++)
        {
            var gg = g[j] * scale;
            m[j] = b1 * m[j] + (T.One - b1) * gg;
            v[j] = b2 * v[j] + (T.One - b2) * gg * gg;
            p[j] -= lr * (m[j] * c1) / (T.Sqrt(v[j] * c2) + eps);
        }
    }

    /// <summary>
    /// pax's PPO loss of one minibatch of stored samples at the current parameters: -mean(fmin(rho A, clip(rho) A)) +
    /// value coefficient x mean(fmax((R - V)^2, (R - V_clipped)^2)) - entropy coefficient x mean(H), advantages
    /// normalised over the minibatch (population std + 1e-8). Writes the gradient into <paramref name="gradient"/>
    /// unless it is empty. fmin/fmax pass the gradient of their second argument on ties, as JAX's where-based ones do.
    /// </summary>
    internal double Loss(ReadOnlySpan<int> batch, Span<T> gradient)
    {
        var count = batch.Length;
        var backward = !gradient.IsEmpty;
        if (backward)
        {
            gradient.Clear();
            var P = parameters.AsSpan();
            Transpose(P[oWi..], torsoOut, 3 * hidden, 3 * hidden, wiT);
            Transpose(P[(oWh + 2 * hidden)..], hidden, hidden, 3 * hidden, whaT);
            Transpose(P[oLogitW..], hidden, actions, actions, logitT);
            if (config.SeparateHeads)
            {
                Transpose(P[oActW..], hidden, hidden, hidden, actT);
                Transpose(P[oCriW..], hidden, hidden, hidden, criT);
            }
        }
        var mean = T.Zero;
        foreach (var i in batch) mean += advantages[i];
        mean /= T.CreateChecked(count);
        var variance = T.Zero;
        foreach (var i in batch) variance += (advantages[i] - mean) * (advantages[i] - mean);
        var invStd = T.One / (T.Sqrt(variance / T.CreateChecked(count)) + T.CreateChecked(1e-8));
        var invCount = T.One / T.CreateChecked(count);
        T lo = T.CreateChecked(1 - config.Clip), hi = T.CreateChecked(1 + config.Clip), clip = T.CreateChecked(config.Clip);
        T entropyCoef = T.CreateChecked(config.EntropyCoef), valueCoef = T.CreateChecked(config.ValueCoef), two = T.CreateChecked(2);
        double pgSum = 0, valueSum = 0, entropySum = 0;
        var dl = scratchDl.AsSpan();
        foreach (var i in batch)
        {
            var x = obsBuf.AsSpan(i * inSize, inSize);
            var h = hidBuf.AsSpan(i * hidden, hidden);
            var value = Forward(x, h, tape);
            var logp = tape.AsSpan(tLogp, actions);
            int a = actionBuf[i];
            var ratio = T.Exp(logp[a] - oldLogp[i]);
            var adv = (advantages[i] - mean) * invStd;
            var clipped = T.Clamp(ratio, lo, hi);
            T s1 = ratio * adv, s2 = clipped * adv;
            var unclippedWins = s1 < s2;
            pgSum -= double.CreateChecked(unclippedWins ? s1 : s2);
            var entropy = T.Zero;
            for (var k = 0; k < actions; k++) entropy -= T.Exp(logp[k]) * logp[k];
            entropySum += double.CreateChecked(entropy);
            var ret = returns[i];
            var old = oldValue[i];
            var unclippedError = (ret - value) * (ret - value);
            T dValue;
            if (config.ClipValue)
            {
                var diff = value - old;
                var valueClipped = old + T.Clamp(diff, -clip, clip);
                var clippedError = (ret - valueClipped) * (ret - valueClipped);
                if (unclippedError > clippedError) { valueSum += double.CreateChecked(unclippedError); dValue = two * (value - ret); }
                else { valueSum += double.CreateChecked(clippedError); dValue = diff > -clip && diff < clip ? two * (valueClipped - ret) : T.Zero; }
            }
            else { valueSum += double.CreateChecked(unclippedError); dValue = two * (value - ret); }
            if (!backward) continue;
            var slope = unclippedWins || (ratio > lo && ratio < hi) ? adv : T.Zero;
            var dLogpA = -slope * ratio * invCount;
            var entropyScale = entropyCoef * invCount;
            for (var k = 0; k < actions; k++)
            {
                var p = T.Exp(logp[k]);
                // d(-c H / n)/d l_k = c / n p_k (log p_k + H); d log p_a / d l_k = 1[k = a] - p_k
                dl[k] = dLogpA * ((k == a ? T.One : T.Zero) - p) + entropyScale * p * (logp[k] + entropy);
            }
            Backward(x, h, tape, dl, valueCoef * invCount * dValue, gradient);
        }
        return pgSum / count + config.ValueCoef * valueSum / count - config.EntropyCoef * entropySum / count;
    }

    /// <summary>The stored samples (for tests).</summary>
    internal int Samples => samples;

    /// <summary>Stored action, behaviour log-probability and value, GAE return and advantage of sample <paramref name="i"/> (for tests).</summary>
    internal (int Action, T OldLogp, T OldValue, T Return, T Advantage) Sample(int i) => (actionBuf[i], oldLogp[i], oldValue[i], returns[i], advantages[i]);

    /// <summary>Log-probabilities and value of stored sample <paramref name="i"/> at the current parameters (for tests).</summary>
    internal T Evaluate(int i, Span<T> logp)
    {
        var value = Forward(obsBuf.AsSpan(i * inSize, inSize), hidBuf.AsSpan(i * hidden, hidden), tape);
        tape.AsSpan(tLogp, actions).CopyTo(logp);
        return value;
    }

    /// <summary>The torso's output (the GRU's input) for one observation (for tests).</summary>
    internal void TorsoOutput(ReadOnlySpan<T> x, Span<T> output)
    {
        Forward(x, new T[hidden], tape);
        tape.AsSpan(tT, torsoOut).CopyTo(output);
    }

    /// <summary>
    /// One network step from hidden state <paramref name="h"/>: fills the tape (torso output, gates z, r, candidate a,
    /// the new hidden state, head activations, log-softmax) and returns the value.
    /// </summary>
    internal T Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> h, Span<T> tp)
    {
        var P = parameters.AsSpan();
        var H = hidden;
        var t = tp.Slice(tT, torsoOut);
        if (config.Torso == GruTorso.Mlp)
        {
            P.Slice(oTorsoB, torsoOut).CopyTo(t);
            MatVecAdd(x, P[oTorsoW..], torsoOut, t);
            Relu(t);
        }
        else ConvForward(x, t);
        // gates: z | r | a pre-activations, [3H]
        var g = scratchG.AsSpan();
        P.Slice(oBg, 3 * H).CopyTo(g);
        MatVecAdd(t, P[oWi..], 3 * H, g);
        MatVecAdd(h, P[oWh..], 3 * H, g[..(2 * H)]);
        var z = tp.Slice(tZ, H);
        var r = tp.Slice(tR, H);
        Sigmoid(g[..H], z);
        Sigmoid(g.Slice(H, H), r);
        var rh = scratchDa.AsSpan(); // free until the backward pass
        for (var k = 0; k < H; k++) rh[k] = r[k] * h[k];
        var ga = g.Slice(2 * H, H);
        MatVecAdd(rh, P[(oWh + 2 * H)..], 3 * H, ga);
        var a = tp.Slice(tA, H);
        var hn = tp.Slice(tHn, H);
        Tanh(ga, a);
        for (var j = 0; j < H; j++) hn[j] = h[j] + z[j] * (a[j] - h[j]);
        var logits = tp.Slice(tLogp, actions);
        T value;
        if (config.SeparateHeads)
        {
            var ua = tp.Slice(tUa, H);
            var uc = tp.Slice(tUc, H);
            P.Slice(oActB, H).CopyTo(ua);
            P.Slice(oCriB, H).CopyTo(uc);
            MatVecAdd(hn, P[oActW..], H, ua);
            MatVecAdd(hn, P[oCriW..], H, uc);
            Tanh(ua, ua);
            Tanh(uc, uc);
            P.Slice(oLogitB, actions).CopyTo(logits);
            MatVecAdd(ua, P[oLogitW..], actions, logits);
            value = P[oValueB] + Dot(uc, P.Slice(oValueW, H));
        }
        else
        {
            logits.Clear();
            MatVecAdd(hn, P[oLogitW..], actions, logits);
            value = Dot(hn, P.Slice(oValueW, H));
        }
        // log-softmax in place
        var max = logits[0];
        for (var k = 1; k < actions; k++) max = T.Max(max, logits[k]);
        var sum = T.Zero;
        for (var k = 0; k < actions; k++) sum += T.Exp(logits[k] - max);
        var logZ = max + T.Log(sum);
        for (var k = 0; k < actions; k++) logits[k] -= logZ;
        return value;
    }

    /// <summary>Accumulates into <paramref name="g"/> the gradient of the sample's loss given d loss / d logits and d loss / d value.</summary>
    void Backward(ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> tp, ReadOnlySpan<T> dLogits, T dValue, Span<T> g)
    {
        var P = parameters.AsSpan();
        var H = hidden;
        var hn = tp.Slice(tHn, H);
        var dh = scratchDh.AsSpan();
        if (config.SeparateHeads)
        {
            var ua = tp.Slice(tUa, H);
            var uc = tp.Slice(tUc, H);
            var da = scratchDa.AsSpan();
            var dc = scratchDc.AsSpan();
            Axpy(T.One, dLogits, g.Slice(oLogitB, actions));
            g[oValueB] += dValue;
            da.Clear();
            MatVecAdd(dLogits, logitT, H, da);
            for (var k = 0; k < H; k++)
            {
                Axpy(ua[k], dLogits, g.Slice(oLogitW + k * actions, actions));
                g[oValueW + k] += uc[k] * dValue;
                da[k] *= T.One - ua[k] * ua[k];
                dc[k] = P[oValueW + k] * dValue * (T.One - uc[k] * uc[k]);
            }
            Axpy(T.One, da, g.Slice(oActB, H));
            Axpy(T.One, dc, g.Slice(oCriB, H));
            for (var k = 0; k < H; k++)
            {
                Axpy(hn[k], da, g.Slice(oActW + k * H, H));
                Axpy(hn[k], dc, g.Slice(oCriW + k * H, H));
            }
            dh.Clear();
            MatVecAdd(da, actT, H, dh);
            MatVecAdd(dc, criT, H, dh);
        }
        else
        {
            for (var k = 0; k < H; k++) Axpy(hn[k], dLogits, g.Slice(oLogitW + k * actions, actions));
            Axpy(dValue, hn, g.Slice(oValueW, H));
            P.Slice(oValueW, H).CopyTo(dh);
            for (var k = 0; k < H; k++) dh[k] *= dValue;
            MatVecAdd(dLogits, logitT, H, dh);
        }
        // GRU: h' = h + z (a - h); the stored h is an input (no BPTT), so only the gates are differentiated.
        var z = tp.Slice(tZ, H);
        var r = tp.Slice(tR, H);
        var a = tp.Slice(tA, H);
        var dg = scratchDg.AsSpan();
        for (var j = 0; j < H; j++)
        {
            dg[j] = dh[j] * (a[j] - h[j]) * z[j] * (T.One - z[j]);
            dg[2 * H + j] = dh[j] * z[j] * (T.One - a[j] * a[j]);
        }
        var dgA = dg.Slice(2 * H, H);
        var drh = dg.Slice(H, H);
        drh.Clear();
        MatVecAdd(dgA, whaT, H, drh);
        for (var k = 0; k < H; k++)
        {
            drh[k] *= h[k] * r[k] * (T.One - r[k]);
            var rh = r[k] * h[k];
            if (rh != T.Zero) Axpy(rh, dgA, g.Slice(oWh + k * 3 * H + 2 * H, H));
        }
        var dzr = dg[..(2 * H)];
        for (var k = 0; k < H; k++)
            if (h[k] != T.Zero) Axpy(h[k], dzr, g.Slice(oWh + k * 3 * H, 2 * H));
        Axpy(T.One, dg, g.Slice(oBg, 3 * H));
        var t = tp.Slice(tT, torsoOut);
        var dt = scratchDt.AsSpan();
        dt.Clear();
        MatVecAdd(dg, wiT, torsoOut, dt);
        for (var k = 0; k < torsoOut; k++)
        {
            // ReLU off (or a zero inventory entry, whose gradient is unused)
            if (t[k] == T.Zero) { dt[k] = T.Zero; continue; }
            Axpy(t[k], dg, g.Slice(oWi + k * 3 * H, 3 * H));
        }
        if (config.Torso == GruTorso.Mlp)
        {
            // dt is already masked by the ReLU (t > 0)
            Axpy(T.One, dt, g.Slice(oTorsoB, torsoOut));
            for (var k = 0; k < inSize; k++)
                if (x[k] != T.Zero) Axpy(x[k], dt, g.Slice(oTorsoW + k * torsoOut, torsoOut));
        }
        else ConvBackward(x, dt, g);
    }

    void ConvForward(ReadOnlySpan<T> x, Span<T> t)
    {
        var P = parameters.AsSpan();
        int side = input.ViewSide, cin = input.ViewChannels, cout = config.ConvChannels, ks = config.KernelSize, pad = ks / 2;
        var bias = P.Slice(oTorsoB, cout);
        for (var i = 0; i < side; i++)
            for (var j = 0; j < side; j++)
            {
                var o = t.Slice((i * side + j) * cout, cout);
                bias.CopyTo(o);
                for (var di = 0; di < ks; di++)
                {
                    var ii = i + di - pad;
                    if ((uint)ii >= (uint)side) continue;
                    for (var dj = 0; dj < ks; dj++)
                    {
                        var jj = j + dj - pad;
                        if ((uint)jj >= (uint)side) continue;
                        var px = x.Slice((ii * side + jj) * cin, cin);
                        var w = oTorsoW + (di * ks + dj) * cin * cout;
                        for (var c = 0; c < cin; c++)
                            if (px[c] != T.Zero) Axpy(px[c], P.Slice(w + c * cout, cout), o);
                    }
                }
                for (var c = 0; c < cout; c++) o[c] = T.Max(o[c], T.Zero);
            }
        x.Slice(side * side * cin, input.Inventory).CopyTo(t.Slice(side * side * cout, input.Inventory));
    }

    void ConvBackward(ReadOnlySpan<T> x, ReadOnlySpan<T> dt, Span<T> g)
    {
        int side = input.ViewSide, cin = input.ViewChannels, cout = config.ConvChannels, ks = config.KernelSize, pad = ks / 2;
        var db = g.Slice(oTorsoB, cout);
        for (var i = 0; i < side; i++)
            for (var j = 0; j < side; j++)
            {
                var d = dt.Slice((i * side + j) * cout, cout);
                Axpy(T.One, d, db);
                for (var di = 0; di < ks; di++)
                {
                    var ii = i + di - pad;
                    if ((uint)ii >= (uint)side) continue;
                    for (var dj = 0; dj < ks; dj++)
                    {
                        var jj = j + dj - pad;
                        if ((uint)jj >= (uint)side) continue;
                        var px = x.Slice((ii * side + jj) * cin, cin);
                        var w = oTorsoW + (di * ks + dj) * cin * cout;
                        for (var c = 0; c < cin; c++)
                            if (px[c] != T.Zero) Axpy(px[c], d, g.Slice(w + c * cout, cout));
                    }
                }
            }
    }


    /// <summary>dst [cols, rows] = the [rows, cols] matrix whose rows start every <paramref name="stride"/> entries of src.</summary>
    static void Transpose(ReadOnlySpan<T> src, int rows, int cols, int stride, Span<T> dst)
    {
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++) dst[j * rows + i] = src[i * stride + j];
    }

    static void Relu(Span<T> x)
    {
        for (var j = 0; j < x.Length; j++) x[j] = T.Max(x[j], T.Zero);
    }

    /// <summary>Element-wise logistic function (vectorised exp for float and double).</summary>
    static void Sigmoid(ReadOnlySpan<T> x, Span<T> y)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= x.Length - Vector256<T>.Count; j += Vector256<T>.Count)
                (Vector256<T>.One / (Vector256<T>.One + VExp(-Vector256.Create(x.Slice(j, Vector256<T>.Count))))).CopyTo(y[j..]);
        for (; j < x.Length; j++) y[j] = Sigmoid(x[j]);
    }

    /// <summary>Element-wise tanh as 1 - 2 / (exp(2x) + 1), the exponent clamped where tanh is +-1 anyway; in place allowed.</summary>
    static void Tanh(ReadOnlySpan<T> x, Span<T> y)
    {
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var cap = Vector256.Create(T.CreateChecked(80));
            var two = Vector256.Create(T.CreateChecked(2));
            for (; j <= x.Length - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var v = Vector256.Create(x.Slice(j, Vector256<T>.Count));
                var e = VExp(Vector256.Min(v + v, cap));
                (Vector256<T>.One - two / (e + Vector256<T>.One)).CopyTo(y[j..]);
            }
        }
        for (; j < x.Length; j++) y[j] = T.Tanh(x[j]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> VExp(Vector256<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector256.Exp(x.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Exp(x.As<T, double>()).As<double, T>();
        throw new NotSupportedException("the learner computes in float or double");
    }

    /// <summary>
    /// y[j] += sum_k x[k] w[k stride + j] for j below y.Length: a row-vector-times-matrix product with up to four
    /// vector accumulators kept in registers over the rows; rows whose x is 0 (sparse observations, ReLU) are skipped.
    /// </summary>
    static void MatVecAdd(ReadOnlySpan<T> x, ReadOnlySpan<T> w, int stride, Span<T> y)
    {
        var cols = y.Length;
        var rows = x.Length;
        if (rows == 0) return;
        if (w.Length < (rows - 1) * stride + cols) throw new ArgumentException("the matrix is smaller than its rows x stride");
        ref var wr = ref MemoryMarshal.GetReference(w);
        ref var yr = ref MemoryMarshal.GetReference(y);
        ref var xr = ref MemoryMarshal.GetReference(x);
        var n = Vector256<T>.Count;
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 4 * n <= cols; j += 4 * n)
            {
                var o = (nuint)j;
                Vector256<T> a0 = Vector256.LoadUnsafe(ref yr, o), a1 = Vector256.LoadUnsafe(ref yr, o + (nuint)n), a2 = Vector256.LoadUnsafe(ref yr, o + (nuint)(2 * n)), a3 = Vector256.LoadUnsafe(ref yr, o + (nuint)(3 * n));
                for (var k = 0; k < rows; k++)
                {
                    var xk = Unsafe.Add(ref xr, k);
                    if (xk == T.Zero) continue;
                    var xv = Vector256.Create(xk);
                    var row = (nuint)(k * stride + j);
                    a0 += xv * Vector256.LoadUnsafe(ref wr, row);
                    a1 += xv * Vector256.LoadUnsafe(ref wr, row + (nuint)n);
                    a2 += xv * Vector256.LoadUnsafe(ref wr, row + (nuint)(2 * n));
                    a3 += xv * Vector256.LoadUnsafe(ref wr, row + (nuint)(3 * n));
                }
                a0.StoreUnsafe(ref yr, o); a1.StoreUnsafe(ref yr, o + (nuint)n); a2.StoreUnsafe(ref yr, o + (nuint)(2 * n)); a3.StoreUnsafe(ref yr, o + (nuint)(3 * n));
            }
            for (; j + 2 * n <= cols; j += 2 * n)
            {
                var o = (nuint)j;
                Vector256<T> a0 = Vector256.LoadUnsafe(ref yr, o), a1 = Vector256.LoadUnsafe(ref yr, o + (nuint)n);
                for (var k = 0; k < rows; k++)
                {
                    var xk = Unsafe.Add(ref xr, k);
                    if (xk == T.Zero) continue;
                    var xv = Vector256.Create(xk);
                    var row = (nuint)(k * stride + j);
                    a0 += xv * Vector256.LoadUnsafe(ref wr, row);
                    a1 += xv * Vector256.LoadUnsafe(ref wr, row + (nuint)n);
                }
                a0.StoreUnsafe(ref yr, o); a1.StoreUnsafe(ref yr, o + (nuint)n);
            }
            for (; j + n <= cols; j += n)
            {
                var o = (nuint)j;
                var a0 = Vector256.LoadUnsafe(ref yr, o);
                for (var k = 0; k < rows; k++)
                {
                    var xk = Unsafe.Add(ref xr, k);
                    if (xk == T.Zero) continue;
                    a0 += Vector256.Create(xk) * Vector256.LoadUnsafe(ref wr, (nuint)(k * stride + j));
                }
                a0.StoreUnsafe(ref yr, o);
            }
        }
        for (; j < cols; j++)
        {
            var acc = Unsafe.Add(ref yr, j);
            for (var k = 0; k < rows; k++) acc += Unsafe.Add(ref xr, k) * Unsafe.Add(ref wr, k * stride + j);
            Unsafe.Add(ref yr, j) = acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Sigmoid(T x) => T.One / (T.One + T.Exp(-x));

    /// <summary>y += s x over y's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Axpy(T s, ReadOnlySpan<T> x, Span<T> y)
    {
        var n = y.Length;
        if (x.Length < n) throw new ArgumentException("x is shorter than y");
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var j = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var sv = Vector256.Create(s);
            for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
                (Vector256.LoadUnsafe(ref yr, (nuint)j) + sv * Vector256.LoadUnsafe(ref xr, (nuint)j)).StoreUnsafe(ref yr, (nuint)j);
        }
        for (; j < n; j++) Unsafe.Add(ref yr, j) += s * Unsafe.Add(ref xr, j);
    }

    /// <summary>Sum of x[j] y[j] over x's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        var n = x.Length;
        if (y.Length < n) throw new ArgumentException("y is shorter than x");
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        var j = 0;
        var sum = T.Zero;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
                acc += Vector256.LoadUnsafe(ref xr, (nuint)j) * Vector256.LoadUnsafe(ref yr, (nuint)j);
            sum = Vector256.Sum(acc);
        }
        for (; j < n; j++) sum += Unsafe.Add(ref xr, j) * Unsafe.Add(ref yr, j);
        return sum;
    }
}
