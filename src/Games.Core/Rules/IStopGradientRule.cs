using static TorchSharp.torch;

namespace Hybrid.Games.Rules;

/// <summary>
/// A rule whose definition contains stop-gradients: vectors held fixed while another term is differentiated
/// (LookAhead's stop(grad_j L^j), the shaping term's stop(grad_j L^i), higher-order LookAhead's stop(f_j^k)).
/// </summary>
/// <remarks>
/// <see cref="ILearningRule.Update"/> holds those vectors fixed only inside the derivative they enter, so the update
/// is the true function of theta and its Jacobian (which the consistency residual differentiates) is exact.
/// Written with <c>detach()</c>, as the PyTorch reference <c>rules_reference.py</c> does, the same values come with
/// another Jacobian: autograd treats the held vectors as constants in every later derivative too.
/// <see cref="UpdateDetached"/> gives that variant, so both residual conventions can be computed (issue 13).
/// Rules without stop-gradients (naive, exact and Taylor HOLA, CGD, iLOLA) do not implement this interface: both
/// conventions coincide for them.
/// </remarks>
public interface IStopGradientRule : ILearningRule
{
    /// <summary>
    /// The same values as <see cref="ILearningRule.Update"/>, with every held vector detached from the graph.
    /// </summary>
    Tensor[] UpdateDetached(DifferentiableGame game, IReadOnlyList<Tensor> theta, Tensor alpha);
}
