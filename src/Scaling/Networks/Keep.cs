using TorchSharp;

namespace Hybrid.Scaling.Networks;

/// <summary>
/// Scalars that live as long as the process. TorchSharp 0.107 turns a double argument into a Scalar object that
/// nothing keeps alive during the native call, so a garbage collection at the wrong moment finalises it while libtorch
/// reads it; two long training runs died that way ("Unknown scalar type.", "Expected false to be true"). Hot paths
/// therefore pass Scalars held in fields or in using-variables, never temporaries.
/// </summary>
public static class Keep
{
    /// <summary>1.</summary>
    public static readonly Scalar One = 1.0.ToScalar();

    /// <summary>0.5.</summary>
    public static readonly Scalar Half = 0.5.ToScalar();
}
