using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Kernel;

/// <summary>
/// The memory of a contiguous float32 tensor on the CPU as a span, for managed kernels that read and write parameters
/// in place (no copy, no autograd). The span is valid while the tensor lives and is not resized.
/// </summary>
public static class HostSpan
{
    /// <summary>Whether <paramref name="tensor"/> is float32, on the CPU and contiguous, so <see cref="Floats"/> can view it.</summary>
    public static bool CanView(Tensor tensor) =>
        tensor.dtype == ScalarType.Float32 && tensor.device_type == DeviceType.CPU && tensor.is_contiguous();

    /// <summary>The tensor's values in row-major order.</summary>
    /// <exception cref="ArgumentException">The tensor is not float32, not on the CPU or not contiguous.</exception>
    public static unsafe Span<float> Floats(Tensor tensor)
    {
        if (!CanView(tensor))
            throw new ArgumentException($"a host view needs a contiguous float32 CPU tensor, got {tensor.dtype} on {tensor.device}{(tensor.is_contiguous() ? "" : ", not contiguous")}", nameof(tensor));
        return new Span<float>((void*)DataPointer(tensor.Handle), checked((int)tensor.numel()));
    }

    // TorchSharp 0.107 has no public data pointer (its TensorAccessor copies or indexes one value at a time); its own
    // binding of libtorch's data_ptr is taken once, so the library it resolves is TorchSharp's.
    static readonly Func<IntPtr, IntPtr> DataPointer = (Func<IntPtr, IntPtr>)(typeof(Tensor).Assembly.GetType("TorchSharp.PInvoke.NativeMethods")
        ?.GetMethod("THSTensor_data", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)
        ?.CreateDelegate(typeof(Func<IntPtr, IntPtr>)) ?? throw new MissingMethodException("TorchSharp.PInvoke.NativeMethods", "THSTensor_data"));
}
