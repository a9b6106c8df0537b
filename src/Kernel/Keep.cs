using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Kernel;

/// <summary>
/// Scalars that live as long as the process, and tensor operations that make no temporary Scalar. TorchSharp 0.107
/// hands a Scalar's native handle to libtorch without keeping the Scalar object alive, so a garbage collection at the
/// wrong moment finalises a Scalar made for one call while libtorch reads it; three long training runs died that way
/// ("Unknown scalar type.", "Expected false to be true"). Such temporaries come from implicit conversions of numbers
/// and from TorchSharp itself: <c>a + b</c>, <c>add(Tensor)</c>, <c>add_(Tensor)</c>, <c>add(Scalar)</c> make an alpha
/// of 1, <c>square()</c> an exponent of 2. The library therefore passes Scalars held in fields or using-variables and
/// uses the operations below; every test project runs <c>Hybrid.TestSupport.ScalarLifetime</c>, which reads the IL of the
/// solution's assemblies and fails on any temporary Scalar.
/// </summary>
public static class Keep
{
    /// <summary>1.</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>0.</summary>
    public static readonly Scalar Zero = 0.0.ToScalar();

    /// <summary>0.5.</summary>
    public static readonly Scalar Half = 0.5.ToScalar();

    /// <summary>2.</summary>
    public static readonly Scalar Two = 2.0.ToScalar();

    // The integer 2 that TorchSharp's square() passes to pow: Square keeps square()'s autograd node and exponent exactly.
    static readonly Scalar SquareExponent = 2.ToScalar();

    /// <summary>a + b (with the held alpha 1).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>a += b in place (with the held alpha 1).</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary>a + s for a held Scalar s.</summary>
    public static Tensor Plus(this Tensor a, Scalar s) => a.add(s, One);

    /// <summary>a += s in place for a held Scalar s.</summary>
    public static Tensor PlusInPlace(this Tensor a, Scalar s) => a.add_(s, One);

    /// <summary>a * a (TorchSharp's square() makes a temporary exponent).</summary>
    public static Tensor Squared(this Tensor a) => a.mul(a);

    /// <summary>
    /// TorchSharp's square(), a to the power 2, with a held exponent. Unlike <see cref="Squared"/> it builds the same
    /// autograd node as square(), so code that differentiates many times (HOLA, COLA) keeps its numbers to the bit.
    /// </summary>
    public static Tensor Square(this Tensor a) => a.pow(SquareExponent);

    /// <summary>s - a as TorchSharp's <c>s - a</c> computes it, -a + s, with held Scalars.</summary>
    public static Tensor SubtractedFrom(this Tensor a, Scalar s) => a.negative().add(s, One);
}
