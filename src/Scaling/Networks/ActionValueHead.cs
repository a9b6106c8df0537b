using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// The output layer of the DQN family: per action, one value (atoms = 1) or the logits of a categorical return
/// distribution on a fixed support (C51, atoms &gt; 1), from features [C, M, F] to [C, M, A, atoms]. With
/// <c>dueling</c> (Wang et al. 2016) a value stream V [atoms] and an advantage stream A [A, atoms] are combined as
/// V + A - mean_a A, on the logits for distributional heads (dopamine's full Rainbow). Layers are dense, or
/// <see cref="NoisyDense"/> with <c>noisy</c>.
/// </summary>
public sealed class ActionValueHead : IBatchedModule
{
    readonly IBatchedModule? q, value, advantage;

    /// <summary>Adds "name.q", or "name.value" and "name.advantage".</summary>
    public ActionValueHead(ParameterLayout layout, string name, int features, int actions, int atoms = 1, bool dueling = false, bool noisy = false,
        WeightInit? init = null, double noisySigma = 0.1)
    {
        if (actions < 1) throw new ArgumentOutOfRangeException(nameof(actions), actions, $"{name}: at least one action");
        if (atoms < 1) throw new ArgumentOutOfRangeException(nameof(atoms), atoms, $"{name}: at least one atom");
        (Name, Actions, Atoms, Dueling, Noisy) = (name, actions, atoms, dueling, noisy);
        IBatchedModule Layer(string part, int outputs) => noisy
            ? new NoisyDense(layout, $"{name}.{part}", features, outputs, noisySigma)
            : new Dense(layout, $"{name}.{part}", features, outputs, init: init ?? Inits.XavierUniform);
        if (dueling)
        {
            value = Layer("value", atoms);
            advantage = Layer("advantage", actions * atoms);
        }
        else q = Layer("q", actions * atoms);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Actions A.</summary>
    public int Actions { get; }

    /// <summary>Atoms of the return distribution (1: plain action values).</summary>
    public int Atoms { get; }

    /// <summary>Value and advantage streams.</summary>
    public bool Dueling { get; }

    /// <summary>Noisy layers.</summary>
    public bool Noisy { get; }

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) => new long[] { Actions, Atoms };

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        long copies = x.shape[0], rows = x.shape[1];
        if (q is not null) return q.Forward(parameters, x, context).Value.view(copies, rows, Actions, Atoms);
        var a = advantage!.Forward(parameters, x, context).Value.view(copies, rows, Actions, Atoms);
        var v = value!.Forward(parameters, x, context).Value.view(copies, rows, 1, Atoms);
        return v.Plus(a - a.mean(new long[] { 2 }, keepdim: true));
    }
}
