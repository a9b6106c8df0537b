using static TorchSharp.torch;

namespace Hybrid.Games;

/// <summary>Row-wise helpers for [B, D] batches.</summary>
public static class TensorRows
{
    /// <summary>Euclidean norm of every row: [B] (or [B, 1] with <paramref name="keepdim"/>).</summary>
    public static Tensor Norm(Tensor rows, bool keepdim = false) => rows.Square().sum(1, keepdim: keepdim).sqrt();
}
