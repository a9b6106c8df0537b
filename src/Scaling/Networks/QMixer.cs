using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// QMIX's mixing network for C copies (Rashid et al. 2018, as JaxMARL's qmix_rnn.py): hypernetworks of the state s
/// give the weights of a two-layer mixer of the n agents' chosen action values q,
/// w1 = |Dense(nE)(ReLU(Dense(K)(s)))| [n, E], b1 = Dense(E)(s), w2 = |Dense(E)(ReLU(Dense(K)(s)))| [E],
/// b2 = Dense(1)(ReLU(Dense(E)(s))), and Q_tot = ELU(q w1 + b1) w2 + b2. The absolute values make Q_tot monotonic in
/// every q_i, so the greedy joint action is every agent's greedy action. Kernels orthogonal with gain init_scale,
/// biases zero. Blocks "name.w1.0" .. "name.b2.1".
/// </summary>
public sealed class QMixer
{
    readonly Dense w1Hidden, w1Out, b1, w2Hidden, w2Out, b2Hidden, b2Out;

    /// <summary>Adds the mixer's blocks to <paramref name="layout"/> for <paramref name="agents"/> agents and states of <paramref name="stateSize"/>.</summary>
    public QMixer(ParameterLayout layout, string name, int agents, int stateSize, int embedding, int hypernetHidden, double initScale)
    {
        if (agents < 1 || stateSize < 1) throw new ArgumentOutOfRangeException(nameof(agents), $"{name}: a mixer needs agents and a state, got {agents} and {stateSize}");
        (Agents, StateSize, Embedding) = (agents, stateSize, embedding);
        Dense D(string part, int i, int o) => new(layout, $"{name}.{part}", i, o, gain: initScale);
        w1Hidden = D("w1.0", stateSize, hypernetHidden);
        w1Out = D("w1.1", hypernetHidden, agents * embedding);
        b1 = D("b1", stateSize, embedding);
        w2Hidden = D("w2.0", stateSize, hypernetHidden);
        w2Out = D("w2.1", hypernetHidden, embedding);
        b2Hidden = D("b2.0", stateSize, embedding);
        b2Out = D("b2.1", embedding, 1);
    }

    /// <summary>Agents n.</summary>
    public int Agents { get; }

    /// <summary>State width.</summary>
    public int StateSize { get; }

    /// <summary>Embedding E.</summary>
    public int Embedding { get; }

    /// <summary>Q_tot [C, M] of chosen values <paramref name="q"/> [C, M, n] at states <paramref name="state"/> [C, M, S].</summary>
    public Tensor Forward(ParameterStore parameters, Tensor q, Tensor state)
    {
        long copies = q.shape[0], rows = q.shape[1];
        var w1 = w1Out.Apply(parameters, nn.functional.relu(w1Hidden.Apply(parameters, state))).abs().view(copies * rows, Agents, Embedding);
        var bias1 = b1.Apply(parameters, state).view(copies * rows, 1, Embedding);
        var hidden = Elu(bmm(q.reshape(copies * rows, 1, Agents), w1).Plus(bias1)).view(copies, rows, Embedding);
        var w2 = w2Out.Apply(parameters, nn.functional.relu(w2Hidden.Apply(parameters, state))).abs();
        var bias2 = b2Out.Apply(parameters, nn.functional.relu(b2Hidden.Apply(parameters, state))).squeeze(-1);
        return (hidden * w2).sum(-1).Plus(bias2);
    }

    /// <summary>ELU with alpha 1, max(x, 0) + exp(min(x, 0)) - 1, written with held Scalars (TorchSharp's elu makes a temporary one).</summary>
    static Tensor Elu(Tensor x) => x.clamp_min(Keep.Zero).Plus(x.clamp_max(Keep.Zero).expm1());
}
