using static TorchSharp.torch;

namespace Hybrid.Scaling.Networks;

/// <summary>How a <see cref="QNetwork"/> is composed: encoder, dense hidden layers, head.</summary>
/// <param name="Encoder">The observation encoder.</param>
/// <param name="HiddenLayers">Dense hidden layers (ReLU) between encoder and head.</param>
/// <param name="Hidden">Their width.</param>
/// <param name="Atoms">Atoms of the return distribution (1: plain action values).</param>
/// <param name="Vmax">Support [-vmax, vmax] of a distributional head.</param>
/// <param name="Dueling">Dueling head.</param>
/// <param name="Noisy">Noisy hidden layers and head.</param>
/// <param name="NoisySigma">sigma_0 of the noisy layers.</param>
public sealed record QNetworkOptions(EncoderKind Encoder = EncoderKind.Minatar, int HiddenLayers = 0, int Hidden = 512, int Atoms = 1, double Vmax = 10,
    bool Dueling = false, bool Noisy = false, double NoisySigma = 0.1);

/// <summary>
/// The networks of a value-based learner for C copies (training seeds): one module tree (encoder, hidden layers,
/// <see cref="ActionValueHead"/>) applied with two parameter stores, the online network and its target copy.
/// Distributional heads give logits on the support linspace(-vmax, vmax, atoms); <see cref="Values"/> turns any head's
/// output into action values.
/// </summary>
public sealed class QNetwork : IDisposable
{
    readonly IBatchedModule body;
    readonly ActionValueHead head;

    /// <summary>Builds the networks for observations of <paramref name="observation"/> and <paramref name="actions"/> actions; copy c from <paramref name="seeds"/>[c].</summary>
    public QNetwork(long[] observation, int actions, QNetworkOptions options, IReadOnlyList<long> seeds, Device? device = null, ModuleFactory? encoder = null)
    {
        if (seeds.Count < 1) throw new ArgumentException("at least one copy (seed) is needed", nameof(seeds));
        Options = options;
        CustomEncoder = encoder is not null;
        var layout = new ParameterLayout();
        var modules = new List<IBatchedModule>();
        var encoded = encoder?.Invoke(layout, "encoder", observation) ?? Encoders.Create(options.Encoder, layout, "encoder", observation);
        modules.Add(encoded);
        var features = encoded.OutputShape(observation);
        if (features.Length != 1) throw new ArgumentException($"the encoder must end in flat features, it gives [{string.Join(", ", features)}]");
        var width = (int)features[0];
        for (var l = 0; l < options.HiddenLayers; l++)
        {
            modules.Add(options.Noisy ? new NoisyDense(layout, $"hidden.{l}", width, options.Hidden, options.NoisySigma)
                : new Dense(layout, $"hidden.{l}", width, options.Hidden, init: Inits.XavierUniform));
            modules.Add(new ActivationLayer(Activation.Relu));
            width = options.Hidden;
        }
        body = new Sequential("body", modules.ToArray());
        head = new ActionValueHead(layout, "head", width, actions, options.Atoms, options.Dueling, options.Noisy, noisySigma: options.NoisySigma);
        Online = layout.Build(seeds, device);
        Target = layout.Build(seeds, device);
        Target.Values.requires_grad_(false);
        SyncTarget();
        Actions = actions;
        Support = options.Atoms > 1 ? linspace(-options.Vmax, options.Vmax, options.Atoms, device: device).DetachFromDisposeScope() : null;
    }

    /// <summary>The composition.</summary>
    public QNetworkOptions Options { get; }

    /// <summary>Whether a caller's encoder replaces the one <see cref="QNetworkOptions.Encoder"/> names.</summary>
    public bool CustomEncoder { get; }

    /// <summary>The trained parameters.</summary>
    public ParameterStore Online { get; }

    /// <summary>The target network's parameters (a copy of the online ones, refreshed by <see cref="SyncTarget"/>).</summary>
    public ParameterStore Target { get; }

    /// <summary>Actions A.</summary>
    public int Actions { get; }

    /// <summary>Atoms of the head.</summary>
    public int Atoms => Options.Atoms;

    /// <summary>The support z [atoms] of a distributional head, or null.</summary>
    public Tensor? Support { get; }

    /// <summary>Copies C.</summary>
    public int Copies => Online.Copies;

    /// <summary>The head's output with <paramref name="parameters"/> (online or target) on rows [C, M, ...]: [C, M, A, atoms].</summary>
    public Tensor Forward(ParameterStore parameters, Tensor observations, ForwardContext context)
    {
        var features = body.Forward(parameters, observations, context).Value;
        return head.Forward(parameters, features, context).Value;
    }

    /// <summary>Action values [C, M, A] of a head output [C, M, A, atoms]: the value itself, or sum_j softmax(logits)_j z_j.</summary>
    public Tensor Values(Tensor output) =>
        Support is null ? output.squeeze(-1) : (output.softmax(-1) * Support).sum(-1);

    /// <summary>Copies the online parameters into the target network.</summary>
    public void SyncTarget()
    {
        using var _ = no_grad();
        Target.Values.copy_(Online.Values);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Online.Dispose();
        Target.Dispose();
        Support?.Dispose();
    }
}
