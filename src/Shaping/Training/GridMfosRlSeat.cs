using Hybrid.Shaping.Agents;
using Hybrid.Shaping.Grid;

namespace Hybrid.Shaping.Training;

/// <summary>
/// The Coin Game M-FOS agent's seat during an RL trial: it acts exactly as <see cref="GridMfosAgent"/>'s policy does
/// (the same embedding, GRU and softmax kernels in the same order, so the action probabilities are the same to the bit
/// and a trained vector behaves in <see cref="GridEvaluation"/> as it did in training) and records per step and row
/// what pax's <c>MFOSSample</c> (<c>pax/runners/runner_marl.py</c>, filled at lines 225-235) holds: the flat
/// observation, the action, the reward, the behaviour log-probability and value, the actor's and critic's hidden state
/// before the step and the th the step acted under. The critic runs too (the ES policy skips it): its value is PPO's
/// baseline. Samples are time-major, i = (episode x inner + step) x rows + row (pax's <c>reduce_outer_traj</c>).
/// </summary>
internal sealed class GridMfosRlSeat : IGridSeat
{
    readonly GridMfosAgent agent;
    readonly GridMfosAgent.Embedding meta, actor, critic;
    readonly LogitHead head;
    readonly int rows, envs, outer, inner, h, hp, obs, actions;
    readonly float[] metaWh, actorWh, criticWh;         // [H, 3Hp]
    readonly float[] metaOut, metaOutBias, valueHead;   // [H, Hp], [Hp], [Hp]
    readonly float[] th, hMeta, hActor, hCritic;        // [rows, Hp]
    readonly float[] gates, scratch, product;
    readonly float[] logProbabilities;                  // [rows, actions] of the current step
    readonly float[] thNow, actorNow, criticNow, valueNow; // [rows, H] x 3, [rows]: the current step's state before it, its value
    int episode;

    /// <summary>A seat for trials of <paramref name="outer"/> x <paramref name="inner"/> steps over <paramref name="layout"/>.</summary>
    public GridMfosRlSeat(GridMfosAgent agent, TrialLayout layout, int outer, int inner)
    {
        if (agent.Averaging != HiddenAveraging.Nothing) throw new ArgumentException("the RL seat plays M-FOS without batch averaging");
        this.agent = agent;
        rows = layout.Rows;
        envs = layout.Envs;
        this.outer = outer;
        this.inner = inner;
        h = agent.Hidden;
        hp = FastMath.Padded(h);
        obs = agent.Game.ObservationSize;
        actions = agent.Game.Actions;
        meta = agent.CreateEmbedding();
        actor = agent.CreateEmbedding();
        critic = agent.CreateEmbedding();
        head = new LogitHead(h, hp, actions);
        metaWh = new float[h * 3 * hp]; actorWh = new float[h * 3 * hp]; criticWh = new float[h * 3 * hp];
        metaOut = new float[h * hp]; metaOutBias = new float[hp]; valueHead = new float[hp];
        th = new float[rows * hp]; hMeta = new float[rows * hp]; hActor = new float[rows * hp]; hCritic = new float[rows * hp];
        gates = new float[3 * hp];
        scratch = new float[3 * hp];
        product = new float[hp];
        logProbabilities = new float[rows * actions];
        thNow = new float[rows * h]; actorNow = new float[rows * h]; criticNow = new float[rows * h]; valueNow = new float[rows];
        var n = outer * inner * rows;
        Observations = new float[n * obs]; Actions = new byte[n]; Rewards = new float[n]; LogProbs = new float[n]; Values = new float[n];
        Th = new float[n * h]; HiddenActor = new float[n * h]; HiddenCritic = new float[n * h];
        CoPlayerReward = new double[layout.CoPlayers];
    }

    /// <summary>Samples of a trial: outer x inner x rows.</summary>
    public int Samples => Actions.Length;
    /// <summary>Observation per sample [samples, observation size].</summary>
    public float[] Observations { get; }
    /// <summary>Action taken (0-4).</summary>
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

    /// <summary>Binds a parameter vector in <see cref="GridMfosAgent"/>'s layout (as its policy's Load, plus the critic).</summary>
    public void Load(ReadOnlySpan<float> parameters)
    {
        Layouts.Check(parameters, agent.ParameterCount, "gridworld m-fos");
        var embeddings = agent.EmbeddingCount;
        var reader = new BlockReader(parameters[(3 * embeddings)..]);
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
        var wpi = reader.Next(h * actions);
        var wv = reader.Next(h);
        var metaReader = new BlockReader(parameters[..embeddings]);
        meta.Load(ref metaReader, metaWi, metaB);
        var actorReader = new BlockReader(parameters.Slice(embeddings, embeddings));
        actor.Load(ref actorReader, actorWi, actorB);
        var criticReader = new BlockReader(parameters.Slice(2 * embeddings, embeddings));
        critic.Load(ref criticReader, criticWi, criticB);
        Layouts.CopyGates(metaWhSource, h, 3, h, metaWh, hp);
        Layouts.CopyGates(actorWhSource, h, 3, h, actorWh, hp);
        Layouts.CopyGates(criticWhSource, h, 3, h, criticWh, hp);
        Layouts.CopyGates(outW, h, 1, h, metaOut, hp);
        Array.Clear(metaOutBias);
        outB.CopyTo(metaOutBias);
        head.Load(wpi);
        Array.Clear(valueHead);
        wv.CopyTo(valueHead);
    }

    /// <inheritdoc/>
    public void BeginTrial(TrialNoise noise, int seat)
    {
        if (noise.Outer != outer || noise.Inner != inner || noise.Rows != rows) throw new ArgumentException("the noise was drawn for another trial shape");
        Array.Clear(hMeta);
        Array.Clear(hActor);
        Array.Clear(hCritic);
        Array.Clear(th);
        Array.Clear(CoPlayerReward);
        for (var r = 0; r < rows; r++) th.AsSpan(r * hp, h).Fill(1f);
    }

    /// <inheritdoc/>
    public void BeginEpisode(int episode) => this.episode = episode;

    /// <inheritdoc/>
    public void Act(ReadOnlySpan<float> observations, Span<float> probabilities)
    {
        for (var r = 0; r < rows; r++)
        {
            var observation = observations.Slice(r * obs, obs);
            var state = hActor.AsSpan(r * hp, hp);
            var condition = th.AsSpan(r * hp, hp);
            var criticState = hCritic.AsSpan(r * hp, hp);
            // The state before the step, as pax's a1_mem (Observe stores it under the step's index).
            var slot = r * h;
            condition[..h].CopyTo(thNow.AsSpan(slot, h));
            state[..h].CopyTo(actorNow.AsSpan(slot, h));
            criticState[..h].CopyTo(criticNow.AsSpan(slot, h));
            // GridMfosAgent's policy, kernel for kernel.
            actor.Gates(observation, gates);
            GridKernels.Gru(gates, actorWh, h, state, scratch);
            for (var j = 0; j < hp; j++) product[j] = condition[j] * state[j];
            head.Probabilities(product, probabilities.Slice(r * actions, actions));
            LogSoftmax(head.Logits(actions), logProbabilities.AsSpan(r * actions, actions));
            meta.Gates(observation, gates);
            GridKernels.Gru(gates, metaWh, h, hMeta.AsSpan(r * hp, hp), scratch);
            // The critic: value = W_v (th * h_critic').
            critic.Gates(observation, gates);
            GridKernels.Gru(gates, criticWh, h, criticState, scratch);
            for (var j = 0; j < hp; j++) product[j] = condition[j] * criticState[j];
            valueNow[r] = FastMath.Dot(product, valueHead);
        }
    }

    /// <inheritdoc/>
    public void Observe(int step, ReadOnlySpan<float> observations, ReadOnlySpan<byte> actions, ReadOnlySpan<float> rewards)
    {
        var baseIndex = (episode * inner + step) * rows;
        observations[..(rows * obs)].CopyTo(Observations.AsSpan(baseIndex * obs, rows * obs));
        thNow.CopyTo(Th.AsSpan(baseIndex * h, rows * h));
        actorNow.CopyTo(HiddenActor.AsSpan(baseIndex * h, rows * h));
        criticNow.CopyTo(HiddenCritic.AsSpan(baseIndex * h, rows * h));
        for (var r = 0; r < rows; r++)
        {
            var i = baseIndex + r;
            Actions[i] = actions[r];
            Rewards[i] = rewards[r];
            Values[i] = valueNow[r];
            LogProbs[i] = logProbabilities[r * this.actions + actions[r]];
            CoPlayerReward[r / envs] += rewards[r];
        }
    }

    /// <inheritdoc/>
    public void EndEpisode(int episode, ReadOnlySpan<float> nextObservations)
    {
        // pax's meta_policy (ppo_gru.py lines 531-543): th <- th_next of the episode's last step, hidden states <- 0.
        for (var r = 0; r < rows; r++)
        {
            var state = hMeta.AsSpan(r * hp, hp);
            var next = th.AsSpan(r * hp, hp);
            metaOutBias.CopyTo(next);
            for (var k = 0; k < h; k++) FastMath.MultiplyAdd(state[k], metaOut.AsSpan(k * hp, hp), next);
            for (var j = 0; j < h; j++) next[j] = FastMath.Sigmoid(next[j]);
            for (var j = h; j < hp; j++) next[j] = 0;
        }
        Array.Clear(hActor);
        Array.Clear(hCritic);
        if (agent.MetaMemory == MemorySpan.Episode) Array.Clear(hMeta);
    }

    // log softmax in double from the logits, not log(p): a tiny probability stays finite in PPO's ratio.
    static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> result)
    {
        double max = logits[0];
        for (var a = 1; a < logits.Length; a++) max = Math.Max(max, logits[a]);
        double sum = 0;
        for (var a = 0; a < logits.Length; a++) sum += Math.Exp(logits[a] - max);
        var log = max + Math.Log(sum);
        for (var a = 0; a < logits.Length; a++) result[a] = (float)(logits[a] - log);
    }
}
