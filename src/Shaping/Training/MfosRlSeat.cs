using Hybrid.Shaping.Agents;

namespace Hybrid.Shaping.Training;

/// <summary>
/// The M-FOS agent's seat during an RL trial: it acts exactly as <see cref="MfosAgent"/>'s policy does (the same
/// float32 kernels in the same order, so P(cooperate) is the same to the bit and a trained row behaves in the ES
/// evaluation as it did in training) and records, per step and row, what pax's <c>MFOSSample</c>
/// (<c>pax/runners/runner_marl.py</c> lines 32-42, filled at lines 225-235) holds: the observation, the action, the
/// reward, the behaviour log-probability and value, the hidden state before the step (<c>a1_mem.hidden</c>) and the
/// conditioning vector th the step acted under (<c>a1_mem.th</c>, stored as an input, not a sampled meta-action). The
/// critic runs too: its value is PPO's baseline. Samples are time-major, i = (episode x inner + step) x rows + row, as
/// pax's <c>reduce_outer_traj</c> lays them out ([outer x inner, opps x envs]).
/// </summary>
internal sealed class MfosRlSeat : ISeat
{
    readonly int rows, envs, coPlayers, outer, inner, h, hp;
    readonly MemorySpan metaMemory;
    readonly float[] metaGates, actorGates, criticGates; // [5, 3Hp]: (embedding(s)) w_i + b
    readonly float[] metaWh, actorWh, criticWh;          // [H, 3Hp]
    readonly float[] metaOut, metaOutBias, logitDifference, valueHead; // [H, Hp], [Hp], [Hp], [Hp]
    readonly float[] th, hMeta, hActor, hCritic;         // [rows, Hp]
    readonly float[] scratch, product;
    readonly float[] logpCooperate, logpDefect;          // [rows] of the current step
    int episode, step;

    /// <summary>A seat for trials of <paramref name="outer"/> x <paramref name="inner"/> steps over <paramref name="layout"/>.</summary>
    public MfosRlSeat(int hidden, TrialLayout layout, int outer, int inner, MemorySpan metaMemory)
    {
        rows = layout.Rows;
        envs = layout.Envs;
        coPlayers = layout.CoPlayers;
        this.outer = outer;
        this.inner = inner;
        this.metaMemory = metaMemory;
        h = hidden;
        hp = FastMath.Padded(h);
        metaGates = new float[5 * 3 * hp]; actorGates = new float[5 * 3 * hp]; criticGates = new float[5 * 3 * hp];
        metaWh = new float[h * 3 * hp]; actorWh = new float[h * 3 * hp]; criticWh = new float[h * 3 * hp];
        metaOut = new float[h * hp]; metaOutBias = new float[hp]; logitDifference = new float[hp]; valueHead = new float[hp];
        th = new float[rows * hp]; hMeta = new float[rows * hp]; hActor = new float[rows * hp]; hCritic = new float[rows * hp];
        scratch = new float[3 * hp];
        product = new float[hp];
        logpCooperate = new float[rows];
        logpDefect = new float[rows];
        var n = outer * inner * rows;
        Observations = new byte[n]; Actions = new byte[n]; Rewards = new float[n]; LogProbs = new float[n]; Values = new float[n];
        Th = new float[n * h]; HiddenActor = new float[n * h]; HiddenCritic = new float[n * h];
        CoPlayerReward = new double[coPlayers];
    }

    /// <summary>Samples of a trial: outer x inner x rows.</summary>
    public int Samples => Observations.Length;
    /// <summary>Observed state (0-4) per sample.</summary>
    public byte[] Observations { get; }
    /// <summary>Action taken (0 cooperate, 1 defect).</summary>
    public byte[] Actions { get; }
    /// <summary>Reward received.</summary>
    public float[] Rewards { get; }
    /// <summary>log pi(action) at behaviour time.</summary>
    public float[] LogProbs { get; }
    /// <summary>Critic value at behaviour time.</summary>
    public float[] Values { get; }
    /// <summary>th per sample [samples, H].</summary>
    public float[] Th { get; }
    /// <summary>Actor hidden state before the step [samples, H].</summary>
    public float[] HiddenActor { get; }
    /// <summary>Critic hidden state before the step [samples, H].</summary>
    public float[] HiddenCritic { get; }
    /// <summary>The agent's reward summed over each co-player's rows and the trial's steps.</summary>
    public double[] CoPlayerReward { get; }

    /// <summary>Binds a parameter vector in <see cref="MfosAgent"/>'s layout (as its policy's Load).</summary>
    public void Load(ReadOnlySpan<float> parameters)
    {
        var reader = new BlockReader(parameters);
        var metaEmbedding = reader.Next(5 * h);
        var metaEmbeddingBias = reader.Next(h);
        var actorEmbedding = reader.Next(5 * h);
        var actorEmbeddingBias = reader.Next(h);
        var criticEmbedding = reader.Next(5 * h);
        var criticEmbeddingBias = reader.Next(h);
        var metaWi = reader.Next(3 * h * h);
        var metaWhSource = reader.Next(3 * h * h);
        var metaB = reader.Next(3 * h);
        var actorWi = reader.Next(3 * h * h);
        var actorWhSource = reader.Next(3 * h * h);
        var actorB = reader.Next(3 * h);
        var criticWi = reader.Next(3 * h * h);
        var criticWhSource = reader.Next(3 * h * h);
        var criticB = reader.Next(3 * h);
        var outW = reader.Next(h * h);
        var outB = reader.Next(h);
        var wpi = reader.Next(2 * h);
        var wv = reader.Next(h);
        InputGates(metaEmbedding, metaEmbeddingBias, metaWi, metaB, metaGates);
        InputGates(actorEmbedding, actorEmbeddingBias, actorWi, actorB, actorGates);
        InputGates(criticEmbedding, criticEmbeddingBias, criticWi, criticB, criticGates);
        Layouts.CopyGates(metaWhSource, h, 3, h, metaWh, hp);
        Layouts.CopyGates(actorWhSource, h, 3, h, actorWh, hp);
        Layouts.CopyGates(criticWhSource, h, 3, h, criticWh, hp);
        Layouts.CopyGates(outW, h, 1, h, metaOut, hp);
        Array.Clear(metaOutBias);
        outB.CopyTo(metaOutBias);
        Layouts.LogitDifference(wpi, h, logitDifference);
        Array.Clear(valueHead);
        wv.CopyTo(valueHead);
    }

    // As MfosAgent's policy: the observation is one-hot, so embedding and input product are one row per state.
    void InputGates(ReadOnlySpan<float> embedding, ReadOnlySpan<float> embeddingBias, ReadOnlySpan<float> wi, ReadOnlySpan<float> b, float[] gates)
    {
        Array.Clear(gates);
        for (var s = 0; s < 5; s++)
            for (var g = 0; g < 3; g++)
                for (var j = 0; j < h; j++)
                {
                    double sum = b[g * h + j];
                    for (var i = 0; i < h; i++) sum += (embedding[s * h + i] + embeddingBias[i]) * wi[i * 3 * h + g * h + j];
                    gates[s * 3 * hp + g * hp + j] = (float)sum;
                }
    }

    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat)
    {
        if (noise.Outer != outer || noise.Inner != inner || noise.Rows != rows) throw new ArgumentException("the noise was drawn for another trial shape");
        Array.Clear(hMeta);
        Array.Clear(hActor);
        Array.Clear(hCritic);
        Array.Clear(CoPlayerReward);
        for (var r = 0; r < rows; r++) th.AsSpan(r * hp, h).Fill(1f);
    }

    /// <inheritdoc/>
    public void BeginEpisode(int episode)
    {
        this.episode = episode;
        step = 0;
    }

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<byte> observations, Span<float> probCooperate)
    {
        var stride = 3 * hp;
        var baseIndex = (episode * inner + step) * rows;
        for (var r = 0; r < rows; r++)
        {
            var i = baseIndex + r;
            var condition = th.AsSpan(r * hp, hp);
            var actor = hActor.AsSpan(r * hp, hp);
            var critic = hCritic.AsSpan(r * hp, hp);
            condition[..h].CopyTo(Th.AsSpan(i * h, h));
            actor[..h].CopyTo(HiddenActor.AsSpan(i * h, h));
            critic[..h].CopyTo(HiddenCritic.AsSpan(i * h, h));
            var s = observations[r];
            FastMath.HaikuGru(actorGates.AsSpan(s * stride, stride), actorWh, h, actor, scratch);
            for (var j = 0; j < hp; j++) product[j] = condition[j] * actor[j];
            var d = FastMath.Dot(product, logitDifference); // logit_C - logit_D
            probCooperate[r] = FastMath.Sigmoid(d);
            logpCooperate[r] = (float)-Softplus(-d);
            logpDefect[r] = (float)-Softplus(d);
            FastMath.HaikuGru(metaGates.AsSpan(s * stride, stride), metaWh, h, hMeta.AsSpan(r * hp, hp), scratch);
            FastMath.HaikuGru(criticGates.AsSpan(s * stride, stride), criticWh, h, critic, scratch);
            for (var j = 0; j < hp; j++) product[j] = condition[j] * critic[j];
            Values[i] = FastMath.Dot(product, valueHead);
        }
    }

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<byte> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards)
    {
        var baseIndex = (episode * inner + step) * rows;
        for (var r = 0; r < rows; r++)
        {
            var i = baseIndex + r;
            Observations[i] = observations[r];
            Actions[i] = actions[r];
            Rewards[i] = rewards[r];
            LogProbs[i] = actions[r] == 0 ? logpCooperate[r] : logpDefect[r];
            CoPlayerReward[r / envs] += rewards[r];
        }
        this.step = step + 1;
    }

    /// <inheritdoc/>
    public void EndEpisode(int episode)
    {
        // pax's meta_policy (ppo_gru.py lines 531-543): th <- th_next of the episode's last step, hidden states <- 0.
        for (var r = 0; r < rows; r++)
        {
            var meta = hMeta.AsSpan(r * hp, hp);
            var next = th.AsSpan(r * hp, hp);
            metaOutBias.CopyTo(next);
            for (var k = 0; k < h; k++) FastMath.MultiplyAdd(meta[k], metaOut.AsSpan(k * hp, hp), next);
            for (var j = 0; j < h; j++) next[j] = FastMath.Sigmoid(next[j]);
            for (var j = h; j < hp; j++) next[j] = 0;
        }
        Array.Clear(hActor);
        Array.Clear(hCritic);
        if (metaMemory == MemorySpan.Episode) Array.Clear(hMeta);
    }

    static double Softplus(double x) => x > 30 ? x : x < -30 ? Math.Exp(x) : Math.Log(1 + Math.Exp(x));
}
