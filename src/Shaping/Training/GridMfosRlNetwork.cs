using Hybrid.Shaping.Agents;
using Hybrid.Shaping.Grid;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Shaping.Training;

/// <summary>
/// pax's Coin Game M-FOS network (<c>make_mfos_network</c> in <c>pax/agents/mfos_ppo/networks.py</c>, chosen for
/// <c>env_id == "coin_game"</c> by <c>make_mfos_agent</c> in <c>ppo_gru.py</c>: the same <c>ActorCriticMFOS</c> as
/// the matrix games, its three <c>hk.Linear(hidden)</c> embeddings reading the flat egocentric 36-float observation,
/// the logit head over the 5 moves) as a differentiable float32 TorchSharp network for PPO, over one leaf [1, P] whose
/// row is exactly <see cref="GridMfosAgent"/>'s dense flat layout: a trained row is evaluated by
/// <c>new GridMfosAgent(GridGame.CoinGame, hidden).CreatePolicy(layout).Load(row)</c> without any conversion.
/// </summary>
/// <remarks>
/// Initialisation is Haiku's, as <see cref="MfosRlNetwork"/>'s (the block names are the same): embeddings and meta_out
/// truncated normal with stddev 1/sqrt(fan_in) (fan_in 36 for the embeddings), bias 0; GRUs Haiku's defaults; logits
/// orthogonal with gain 0.01, value orthogonal with gain 1, both bias-free. One torch generator seeded explicitly
/// draws every block in layout order. pax's CNN variant for storm_2p (<c>CNNMFOS</c>) is not built here.
/// </remarks>
public sealed class GridMfosRlNetwork : IDisposable
{
    readonly int h;
    readonly int metaIn, metaInB, actorIn, actorInB, criticIn, criticInB;
    readonly int metaWi, metaWh, metaB, actorWi, actorWh, actorB, criticWi, criticWh, criticB;
    readonly int metaOut, metaOutB, logits, value;

    /// <summary>A Coin Game network of <paramref name="hidden"/> units per part, initialised from <paramref name="seed"/>.</summary>
    public GridMfosRlNetwork(int hidden, ulong seed, MemorySpan metaMemory = MemorySpan.Episode)
    {
        Agent = new GridMfosAgent(GridGame.CoinGame, hidden, metaMemory: metaMemory);
        if (Agent.Torso != GridTorso.Dense) throw new InvalidOperationException("the RL network reads the Coin Game's flat observation");
        h = hidden;
        var layout = new ParameterLayout();
        foreach (var block in Agent.Layout)
        {
            var shape = block.Shape.Select(d => (long)d).ToArray();
            layout.Add(block.Name, shape, MfosRlNetwork.InitFor(block.Name, shape));
        }
        Store = layout.Build(new[] { unchecked((long)seed) });
        int I(string name) => Store.IndexOf(name);
        (metaIn, metaInB, actorIn, actorInB, criticIn, criticInB) = (I("meta_in/w"), I("meta_in/b"), I("actor_in/w"), I("actor_in/b"), I("critic_in/w"), I("critic_in/b"));
        (metaWi, metaWh, metaB) = (I("meta_gru/w_i"), I("meta_gru/w_h"), I("meta_gru/b"));
        (actorWi, actorWh, actorB) = (I("actor_gru/w_i"), I("actor_gru/w_h"), I("actor_gru/b"));
        (criticWi, criticWh, criticB) = (I("critic_gru/w_i"), I("critic_gru/w_h"), I("critic_gru/b"));
        (metaOut, metaOutB, logits, value) = (I("meta_out/w"), I("meta_out/b"), I("logits/w"), I("value/w"));
    }

    /// <summary>The architecture whose layout the row follows (averaging nothing, as pax's <c>make_mfos_network</c>).</summary>
    public GridMfosAgent Agent { get; }

    /// <summary>Units per part.</summary>
    public int Hidden => h;

    /// <summary>The parameters [1, P] in <see cref="GridMfosAgent"/>'s layout (a leaf that requires gradients).</summary>
    public ParameterStore Store { get; }

    /// <summary>A copy of the row, ready for <see cref="IGridMetaPolicy.Load"/>.</summary>
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
        if (parameters.Length != Store.Size) throw new ArgumentException($"coin game m-fos has {Store.Size} parameters, got a vector of {parameters.Length}");
        using var scope = NewDisposeScope();
        Store.Assign(tensor(parameters.ToArray(), new long[] { 1, Store.Size }));
    }

    Tensor W(int block) => Store.Block(block).select(0, 0);

    // One Haiku GRU step from x = observation W_e + b_e (hk.Linear on the flat observation).
    Tensor Gru(Tensor observations, int embedding, int embeddingBias, int wi, int wh, int b, Tensor state)
    {
        var x = observations.matmul(W(embedding)).Plus(W(embeddingBias));
        var gates = x.matmul(W(wi)).Plus(W(b));
        var whAll = W(wh);
        var zr = sigmoid(gates.narrow(1, 0, 2 * h).Plus(state.matmul(whAll.narrow(1, 0, 2 * h))));
        var a = tanh(gates.narrow(1, 2 * h, h).Plus((zr.narrow(1, h, h) * state).matmul(whAll.narrow(1, 2 * h, h))));
        return lerp(state, a, zr.narrow(1, 0, h));
    }

    /// <summary>
    /// What PPO's loss needs of M stored steps (one step from each stored hidden state, no backpropagation through
    /// time, as pax's loss): logits [M, 5] = (th * GRU_actor(h_actor)) W_pi and values [M] = (th * GRU_critic(h_critic))
    /// W_v. The meta GRU is left out: pax's loss discards th_next, so it gets no gradient.
    /// </summary>
    /// <param name="observations">Flat observations [M, 36].</param>
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
    /// actor | critic) and th [M, H], the logits [M, 5], the values [M], th_next = sigmoid(W_m h_meta' + b_m) and the
    /// next hidden state. Used to check the layout against <see cref="GridMfosAgent"/>'s policy.
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
