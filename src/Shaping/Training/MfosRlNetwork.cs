using Hybrid.Shaping.Agents;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Training;

/// <summary>
/// pax's <c>ActorCriticMFOS</c> (<c>pax/agents/mfos_ppo/networks.py</c>, class at lines 12-62) as a differentiable
/// float32 TorchSharp network for PPO, over one leaf [1, P] whose row is exactly <see cref="MfosAgent"/>'s flat layout
/// (same block names, shapes and order): a trained row is evaluated by the ES code path
/// (<c>new MfosAgent(hidden).CreatePolicy(layout)</c>, <c>Load(row)</c>) without any conversion.
/// </summary>
/// <remarks>
/// <para>Initialisation is Haiku's for the modules pax builds: the three embeddings and meta_out are <c>hk.Linear</c>
/// defaults (weights truncated normal within two standard deviations, stddev 1/sqrt(fan_in), bias 0), the three GRUs
/// <c>hk.GRU</c> defaults (w_i and w_h VarianceScaling(1, fan_in, truncated normal): stddev sqrt(1/H)/0.8796, b 0), the
/// logit head orthogonal with gain 0.01 and the value head orthogonal with gain 1 (both bias-free). Every block is
/// drawn from one torch generator seeded explicitly, in layout order.</para>
/// <para>The one-hot observation enters as a row lookup of the embedding weights (the same numbers as one_hot x W).</para>
/// </remarks>
public sealed class MfosRlNetwork : IDisposable
{
    readonly int h;
    readonly int metaIn, metaInB, actorIn, actorInB, criticIn, criticInB;
    readonly int metaWi, metaWh, metaB, actorWi, actorWh, actorB, criticWi, criticWh, criticB;
    readonly int metaOut, metaOutB, logits, value;

    /// <summary>A network of <paramref name="hidden"/> units per part, initialised from <paramref name="seed"/>.</summary>
    public MfosRlNetwork(int hidden, ulong seed)
    {
        Agent = new MfosAgent(hidden);
        h = hidden;
        var layout = new ParameterLayout();
        foreach (var block in Agent.Layout)
        {
            var shape = block.Shape.Select(d => (long)d).ToArray();
            layout.Add(block.Name, shape, InitFor(block.Name, shape));
        }
        Store = layout.Build(new[] { unchecked((long)seed) }); // the store seeds a torch generator with (ulong)seed
        int I(string name) => Store.IndexOf(name);
        (metaIn, metaInB, actorIn, actorInB, criticIn, criticInB) = (I("meta_in/w"), I("meta_in/b"), I("actor_in/w"), I("actor_in/b"), I("critic_in/w"), I("critic_in/b"));
        (metaWi, metaWh, metaB) = (I("meta_gru/w_i"), I("meta_gru/w_h"), I("meta_gru/b"));
        (actorWi, actorWh, actorB) = (I("actor_gru/w_i"), I("actor_gru/w_h"), I("actor_gru/b"));
        (criticWi, criticWh, criticB) = (I("critic_gru/w_i"), I("critic_gru/w_h"), I("critic_gru/b"));
        (metaOut, metaOutB, logits, value) = (I("meta_out/w"), I("meta_out/b"), I("logits/w"), I("value/w"));
    }

    /// <summary>The architecture whose layout the row follows (averaging nothing, as pax's <c>make_mfos_network</c>).</summary>
    public MfosAgent Agent { get; }

    /// <summary>Units per part.</summary>
    public int Hidden => h;

    /// <summary>The parameters [1, P] in <see cref="MfosAgent"/>'s layout (a leaf that requires gradients).</summary>
    public ParameterStore Store { get; }

    /// <summary>A copy of the row, ready for <see cref="IMetaPolicy.Load"/>.</summary>
    public float[] Parameters
    {
        get
        {
            using var scope = NewDisposeScope();
            return Store.Values.detach().contiguous().data<float>().ToArray();
        }
    }

    /// <summary>Overwrites the row (e.g. with a vector trained by ES).</summary>
    public void Load(ReadOnlySpan<float> parameters)
    {
        if (parameters.Length != Store.Size) throw new ArgumentException($"m-fos has {Store.Size} parameters, got a vector of {parameters.Length}");
        using var scope = NewDisposeScope();
        Store.Assign(tensor(parameters.ToArray(), new long[] { 1, Store.Size }));
    }

    /// <summary>Haiku's initialiser of an M-FOS block by name (shared with <see cref="GridMfosRlNetwork"/>, whose blocks have the same names).</summary>
    internal static Func<Generator, Tensor> InitFor(string name, long[] shape)
    {
        if (name.EndsWith("/b", StringComparison.Ordinal)) return _ => zeros(shape);
        if (name == "logits/w") return g => Hybrid.Scaling.Networks.Init.Orthogonal(shape[0], shape[1], 0.01, g);
        if (name == "value/w") return g => Hybrid.Scaling.Networks.Init.Orthogonal(shape[0], shape[1], 1.0, g);
        if (name.EndsWith("/w_i", StringComparison.Ordinal) || name.EndsWith("/w_h", StringComparison.Ordinal))
            return g => Hybrid.Scaling.Networks.Init.LecunNormal(shape[0], shape, g);
        // hk.Linear: TruncatedNormal(stddev = 1 / sqrt(fan_in)), no correction for the truncation.
        return g => TruncatedNormal(shape, 1 / Math.Sqrt(shape[0]), g);
    }

    static Tensor TruncatedNormal(long[] shape, double stddev, Generator generator)
    {
        var x = randn(shape, ScalarType.Float64, generator: generator);
        using Scalar two = 2.0.ToScalar(), scale = stddev.ToScalar(); // held for the calls (see Keep)
        for (var outside = x.abs().gt(two); outside.any().item<bool>(); outside = x.abs().gt(two))
            x = where(outside, randn(shape, ScalarType.Float64, generator: generator), x);
        return x.mul(scale).to_type(ScalarType.Float32);
    }

    Tensor W(int block) => Store.Block(block).select(0, 0);

    // One Haiku GRU step (hk.GRU): z, r = sigmoid(x W_i,zr + h W_h,zr + b_zr), a = tanh(x W_i,a + (r h) W_h,a + b_a),
    // h' = (1 - z) h + z a, with x = embedding(s) = W_e[s] + b_e.
    Tensor Gru(Tensor observations, int embedding, int embeddingBias, int wi, int wh, int b, Tensor state)
    {
        var x = W(embedding).index_select(0, observations).Plus(W(embeddingBias));
        var gates = x.matmul(W(wi)).Plus(W(b));
        var whAll = W(wh);
        var zr = sigmoid(gates.narrow(1, 0, 2 * h).Plus(state.matmul(whAll.narrow(1, 0, 2 * h))));
        var a = tanh(gates.narrow(1, 2 * h, h).Plus((zr.narrow(1, h, h) * state).matmul(whAll.narrow(1, 2 * h, h))));
        return lerp(state, a, zr.narrow(1, 0, h));
    }

    /// <summary>
    /// What PPO's loss needs of a batch of M stored steps (pax's loss re-applies the network for one step from each
    /// stored hidden state, no backpropagation through time): logits [M, 2] = (th * GRU_actor(h_actor)) W_pi and values
    /// [M] = (th * GRU_critic(h_critic)) W_v. The meta GRU is left out: its output th_next is discarded by pax's loss
    /// (ppo_gru.py lines 152-154), so it contributes neither to the loss nor to any gradient.
    /// </summary>
    /// <param name="observations">State indices 0-4 [M] (int64).</param>
    /// <param name="th">The conditioning vector each step acted under [M, H].</param>
    /// <param name="hActor">The actor's hidden state before each step [M, H].</param>
    /// <param name="hCritic">The critic's hidden state before each step [M, H].</param>
    public (Tensor Logits, Tensor Values) Evaluate(Tensor observations, Tensor th, Tensor hActor, Tensor hCritic)
    {
        var actor = Gru(observations, actorIn, actorInB, actorWi, actorWh, actorB, hActor);
        var critic = Gru(observations, criticIn, criticInB, criticWi, criticWh, criticB, hCritic);
        return ((th * actor).matmul(W(logits)), (th * critic).matmul(W(value)).squeeze(1));
    }

    /// <summary>
    /// The whole network for one step, as pax's <c>ActorCriticMFOS.__call__</c>: from the hidden state [M, 3H] (meta |
    /// actor | critic, pax's concatenation order) and th [M, H], the logits [M, 2], the values [M], th_next =
    /// sigmoid(W_m h_meta' + b_m) [M, H] and the next hidden state [M, 3H]. Used to check the layout against
    /// <see cref="MfosAgent"/>'s policy.
    /// </summary>
    public (Tensor Logits, Tensor Values, Tensor ThNext, Tensor HiddenNext) Step(Tensor observations, Tensor th, Tensor hidden)
    {
        var meta = Gru(observations, metaIn, metaInB, metaWi, metaWh, metaB, hidden.narrow(1, 0, h));
        var actor = Gru(observations, actorIn, actorInB, actorWi, actorWh, actorB, hidden.narrow(1, h, h));
        var critic = Gru(observations, criticIn, criticInB, criticWi, criticWh, criticB, hidden.narrow(1, 2 * h, h));
        var thNext = sigmoid(meta.matmul(W(metaOut)).Plus(W(metaOutB)));
        return ((th * actor).matmul(W(logits)), (th * critic).matmul(W(value)).squeeze(1), thNext, cat(new[] { meta, actor, critic }, 1));
    }

    /// <inheritdoc/>
    public void Dispose() => Store.Dispose();
}
