using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games;

/// <summary>
/// Safe wrappers around TorchSharp's autograd for the exact higher-order derivatives the learning rules need.
/// </summary>
/// <remarks>
/// Misusing <c>torch.autograd.grad</c> aborts the process natively instead of throwing, so every call goes
/// through here: the graph is always retained (a second backward through it is legal), outputs that do
/// not depend on the input give zeros instead of an invalid handle, and constant outputs are never
/// differentiated.
/// </remarks>
public static class Autodiff
{
    /// <summary>
    /// Per-sample gradient of a batched quantity: <paramref name="output"/> has a leading batch dimension
    /// whose entries depend only on the same row of <paramref name="input"/>, so the gradient of the sum
    /// is the stack of per-sample gradients.
    /// </summary>
    /// <param name="output">Any shape; summed before differentiation.</param>
    /// <param name="input">The tensor to differentiate with respect to (a leaf or an intermediate).</param>
    /// <param name="createGraph">Keep the derivative differentiable (needed for every higher-order rule).</param>
    public static Tensor Grad(Tensor output, Tensor input, bool createGraph = true)
    {
        if (!output.requires_grad) return zeros_like(input);
        var total = output.dim() == 0 ? output : output.sum();
        var g = torch.autograd.grad(new[] { total }, new[] { input },
            retain_graph: true, create_graph: createGraph, allow_unused: true)[0];
        return g.IsInvalid ? zeros_like(input) : g;
    }

    /// <summary>
    /// Per-sample vector-Jacobian product v^T d output / d input, with <paramref name="v"/> held fixed in this
    /// derivative but still part of the result's graph. This is the stop-gradient of the LookAhead and SOS
    /// papers, applied without detaching: the rule's output stays a differentiable function of theta, so its
    /// consistency residual (which differentiates the opponent's update) uses the true Jacobian.
    /// </summary>
    public static Tensor Vjp(Tensor output, Tensor input, Tensor v, bool createGraph = true)
    {
        if (!output.requires_grad) return zeros_like(input);
        var g = torch.autograd.grad(new[] { output }, new[] { input }, new[] { v },
            retain_graph: true, create_graph: createGraph, allow_unused: true)[0];
        return g.IsInvalid ? zeros_like(input) : g;
    }

    /// <summary>
    /// Per-sample Jacobian d output / d input for output [B, m] and input [B, n], as [B, m, n]; one
    /// backward pass per output component.
    /// </summary>
    public static Tensor Jacobian(Tensor output, Tensor input, bool createGraph = true)
    {
        var m = output.shape[1];
        var rows = new Tensor[m];
        for (var k = 0; k < m; k++) rows[k] = Grad(output[.., k], input, createGraph);
        return stack(rows, 1);
    }

    /// <summary>Leaf copies of the parameters that require gradients, detached from any earlier graph.</summary>
    public static Tensor[] Leaves(IReadOnlyList<Tensor> theta) =>
        theta.Select(t => t.detach().clone().requires_grad_(true)).ToArray();

    /// <summary>The parameters as they are if they already take part in a graph, otherwise fresh leaves.</summary>
    public static Tensor[] EnsureDifferentiable(IReadOnlyList<Tensor> theta) =>
        theta.All(t => t.requires_grad) ? theta.ToArray() : Leaves(theta);
}
