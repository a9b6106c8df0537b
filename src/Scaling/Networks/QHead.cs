using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// Action values Q [C, M, A] from features [C, M, F]: one dense layer, or with <c>dueling</c> (Wang et al. 2016) a
/// state-value stream V and an advantage stream A combined as Q = V + A - mean_a A.
/// </summary>
public sealed class QHead : IBatchedModule
{
    readonly Dense? q, value, advantage;

    /// <summary>Adds the head's blocks ("name.q", or "name.value" and "name.advantage").</summary>
    public QHead(ParameterLayout layout, string name, int features, int actions, bool dueling = false, double gain = 1.0, WeightInit? init = null)
    {
        if (actions < 1) throw new ArgumentOutOfRangeException(nameof(actions), actions, $"{name}: at least one action");
        (Name, Actions, Dueling) = (name, actions, dueling);
        if (dueling)
        {
            value = new Dense(layout, name + ".value", features, 1, gain, init: init);
            advantage = new Dense(layout, name + ".advantage", features, actions, gain, init: init);
        }
        else q = new Dense(layout, name + ".q", features, actions, gain, init: init);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>Number of actions A.</summary>
    public int Actions { get; }

    /// <summary>Whether the head has value and advantage streams.</summary>
    public bool Dueling { get; }

    /// <inheritdoc/>
    public long[] OutputShape(long[] inputShape) => new long[] { Actions };

    /// <inheritdoc/>
    public ModuleOutput Forward(ParameterStore parameters, Tensor x, ForwardContext context)
    {
        if (q is not null) return q.Apply(parameters, x);
        var a = advantage!.Apply(parameters, x);
        return value!.Apply(parameters, x).Plus(a - a.mean(new long[] { -1 }, keepdim: true));
    }
}
