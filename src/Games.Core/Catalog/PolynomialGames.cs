using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Games.Catalog;

/// <summary>
/// Tandem game (Letcher et al. 2019b): L^1 = (x+y)^2 - 2x, L^2 = (x+y)^2 - 2y. Its stable fixed points are
/// the line x + y = 1, which LOLA fails to preserve. Vector parameters sum the scalar losses over components.
/// </summary>
public sealed class Tandem(int size = 1) : TwoPlayerGame(size)
{
    /// <inheritdoc/>
    public override string Name => "tandem";
    /// <inheritdoc/>
    public override Region Region => Region.Unit;
    /// <inheritdoc/>
    protected override Tensor Loss1(Tensor x, Tensor y) => (x.Plus(y).Square() - x.mul(Keep.Two)).sum(1);
    /// <inheritdoc/>
    protected override Tensor Loss2(Tensor x, Tensor y) => (x.Plus(y).Square() - y.mul(Keep.Two)).sum(1);
}

/// <summary>Hamiltonian game (Balduzzi et al. 2018): L^1 = xy, L^2 = -xy; pure rotation around the origin.</summary>
public sealed class Hamiltonian(int size = 1) : TwoPlayerGame(size)
{
    /// <inheritdoc/>
    public override string Name => "hamiltonian";
    /// <inheritdoc/>
    public override Region Region => Region.Unit;
    /// <inheritdoc/>
    protected override Tensor Loss1(Tensor x, Tensor y) => (x * y).sum(1);
    /// <inheritdoc/>
    protected override Tensor Loss2(Tensor x, Tensor y) => (-(x * y)).sum(1);
}

/// <summary>
/// Balduzzi game (Balduzzi et al. 2018): L^1 = x^2/2 + 10xy, L^2 = y^2/2 - 10xy; a weak attractor coupled
/// with strong rotation.
/// </summary>
public sealed class Balduzzi(int size = 1) : TwoPlayerGame(size)
{
    static readonly Scalar Coupling = 10.ToScalar();

    /// <inheritdoc/>
    public override string Name => "balduzzi";
    /// <inheritdoc/>
    public override Region Region => Region.Unit;
    /// <inheritdoc/>
    protected override Tensor Loss1(Tensor x, Tensor y) => x.Square().mul(Keep.Half).Plus(x.mul(Coupling) * y).sum(1);
    /// <inheritdoc/>
    protected override Tensor Loss2(Tensor x, Tensor y) => (y.Square().mul(Keep.Half) - x.mul(Coupling) * y).sum(1);
}
