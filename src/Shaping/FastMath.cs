using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Hybrid.Shaping;

/// <summary>
/// The few vector kernels the matrix-game trials spend their time in, on float32 spans of a multiple of 8: the trial
/// loop runs millions of tiny GRU steps per second, where the dispatch cost of a tensor library would dominate.
/// </summary>
static class FastMath
{
    /// <summary>Lanes of one vector; hidden sizes are padded to a multiple of it.</summary>
    public const int Lanes = 8;

    /// <summary><paramref name="n"/> rounded up to a multiple of <see cref="Lanes"/>.</summary>
    public static int Padded(int n) => (n + Lanes - 1) / Lanes * Lanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        // tanh x = 1 - 2 / (exp(2x) + 1); the clamp keeps exp finite, where tanh is +-1 in float32 anyway.
        var e = Vector256.Exp(Vector256.Min(x + x, Vector256.Create(80f)));
        return Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
    }

    /// <summary>Logistic function in float32, the scalar twin of <see cref="Sigmoid(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>acc[j] += s * row[j] for j below acc.Length (a multiple of 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(float s, ReadOnlySpan<float> row, Span<float> acc)
    {
        ref var a = ref MemoryMarshal.GetReference(acc);
        ref var w = ref MemoryMarshal.GetReference(row);
        var v = Vector256.Create(s);
        for (nuint j = 0; j < (nuint)acc.Length; j += Lanes)
            Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref w, j), Vector256.LoadUnsafe(ref a, j)), ref a, j);
    }

    /// <summary>Sum of x[j] * y[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        ref var a = ref MemoryMarshal.GetReference(x);
        ref var b = ref MemoryMarshal.GetReference(y);
        var acc = Vector256<float>.Zero;
        for (nuint j = 0; j < (nuint)x.Length; j += Lanes)
            acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, j), Vector256.LoadUnsafe(ref b, j), acc);
        return Vector256.Sum(acc);
    }

    /// <summary>
    /// One Haiku GRU step on a padded hidden state h [Hp]: gates = x W_i + b (given, [3 Hp] as z | r | a), then
    /// z, r = sigmoid(gates_zr + h W_h,zr), a = tanh(gates_a + (r * h) W_h,a), h' = (1 - z) h + z a. The reset gate
    /// scales h before the recurrent product (Haiku), unlike PyTorch's r * (h W + b). wh is [H, 3 Hp].
    /// </summary>
    public static void HaikuGru(ReadOnlySpan<float> inputGates, ReadOnlySpan<float> wh, int hidden, Span<float> h, Span<float> scratch)
    {
        var hp = h.Length;
        if (hp == 16) { HaikuGru16(inputGates, wh, hidden, h); return; }
        var zr = scratch[..(2 * hp)];
        var a = scratch.Slice(2 * hp, hp);
        inputGates[..(2 * hp)].CopyTo(zr);
        inputGates.Slice(2 * hp, hp).CopyTo(a);
        var stride = 3 * hp;
        for (var k = 0; k < hidden; k++) MultiplyAdd(h[k], wh.Slice(k * stride, 2 * hp), zr);
        ref var zRef = ref MemoryMarshal.GetReference(zr);
        ref var hRef = ref MemoryMarshal.GetReference(h);
        // zr becomes z | r * h
        for (nuint j = 0; j < (nuint)hp; j += Lanes)
        {
            Vector256.StoreUnsafe(Sigmoid(Vector256.LoadUnsafe(ref zRef, j)), ref zRef, j);
            var r = Sigmoid(Vector256.LoadUnsafe(ref zRef, j + (nuint)hp));
            Vector256.StoreUnsafe(r * Vector256.LoadUnsafe(ref hRef, j), ref zRef, j + (nuint)hp);
        }
        for (var k = 0; k < hidden; k++) MultiplyAdd(zr[hp + k], wh.Slice(k * stride + 2 * hp, hp), a);
        ref var aRef = ref MemoryMarshal.GetReference(a);
        for (nuint j = 0; j < (nuint)hp; j += Lanes)
        {
            var z = Vector256.LoadUnsafe(ref zRef, j);
            var hv = Vector256.LoadUnsafe(ref hRef, j);
            var cand = Tanh(Vector256.LoadUnsafe(ref aRef, j));
            Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(z, cand - hv, hv), ref hRef, j);
        }
    }

    // The common case (16 units, the thesis' matrix-game size) with every accumulator in a register.
    static void HaikuGru16(ReadOnlySpan<float> inputGates, ReadOnlySpan<float> wh, int hidden, Span<float> h)
    {
        ref var g = ref MemoryMarshal.GetReference(inputGates);
        ref var w = ref MemoryMarshal.GetReference(wh);
        ref var hRef = ref MemoryMarshal.GetReference(h);
        // Two accumulator sets (even and odd k) halve the dependency chains of the fused multiply-adds.
        var z0 = Vector256.LoadUnsafe(ref g, 0);
        var z1 = Vector256.LoadUnsafe(ref g, 8);
        var r0 = Vector256.LoadUnsafe(ref g, 16);
        var r1 = Vector256.LoadUnsafe(ref g, 24);
        Vector256<float> y0 = default, y1 = default, s0 = default, s1 = default;
        nuint k = 0;
        for (; k + 1 < (nuint)hidden; k += 2)
        {
            var hk = Vector256.Create(Unsafe.Add(ref hRef, (nint)k));
            var hl = Vector256.Create(Unsafe.Add(ref hRef, (nint)k + 1));
            var row = k * 48;
            z0 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row), z0);
            z1 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row + 8), z1);
            r0 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row + 16), r0);
            r1 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row + 24), r1);
            y0 = Vector256.FusedMultiplyAdd(hl, Vector256.LoadUnsafe(ref w, row + 48), y0);
            y1 = Vector256.FusedMultiplyAdd(hl, Vector256.LoadUnsafe(ref w, row + 56), y1);
            s0 = Vector256.FusedMultiplyAdd(hl, Vector256.LoadUnsafe(ref w, row + 64), s0);
            s1 = Vector256.FusedMultiplyAdd(hl, Vector256.LoadUnsafe(ref w, row + 72), s1);
        }
        if (k < (nuint)hidden)
        {
            var hk = Vector256.Create(Unsafe.Add(ref hRef, (nint)k));
            var row = k * 48;
            z0 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row), z0);
            z1 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row + 8), z1);
            r0 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row + 16), r0);
            r1 = Vector256.FusedMultiplyAdd(hk, Vector256.LoadUnsafe(ref w, row + 24), r1);
        }
        z0 += y0; z1 += y1; r0 += s0; r1 += s1;
        var h0 = Vector256.LoadUnsafe(ref hRef, 0);
        var h1 = Vector256.LoadUnsafe(ref hRef, 8);
        var rh0 = Sigmoid(r0) * h0;
        var rh1 = Sigmoid(r1) * h1;
        Span<float> rh = stackalloc float[16];
        ref var rhRef = ref MemoryMarshal.GetReference(rh);
        Vector256.StoreUnsafe(rh0, ref rhRef, 0);
        Vector256.StoreUnsafe(rh1, ref rhRef, 8);
        var a0 = Vector256.LoadUnsafe(ref g, 32);
        var a1 = Vector256.LoadUnsafe(ref g, 40);
        Vector256<float> b0 = default, b1 = default;
        for (k = 0; k + 1 < (nuint)hidden; k += 2)
        {
            var rk = Vector256.Create(Unsafe.Add(ref rhRef, (nint)k));
            var rl = Vector256.Create(Unsafe.Add(ref rhRef, (nint)k + 1));
            var row = k * 48 + 32;
            a0 = Vector256.FusedMultiplyAdd(rk, Vector256.LoadUnsafe(ref w, row), a0);
            a1 = Vector256.FusedMultiplyAdd(rk, Vector256.LoadUnsafe(ref w, row + 8), a1);
            b0 = Vector256.FusedMultiplyAdd(rl, Vector256.LoadUnsafe(ref w, row + 48), b0);
            b1 = Vector256.FusedMultiplyAdd(rl, Vector256.LoadUnsafe(ref w, row + 56), b1);
        }
        if (k < (nuint)hidden)
        {
            var rk = Vector256.Create(Unsafe.Add(ref rhRef, (nint)k));
            var row = k * 48 + 32;
            a0 = Vector256.FusedMultiplyAdd(rk, Vector256.LoadUnsafe(ref w, row), a0);
            a1 = Vector256.FusedMultiplyAdd(rk, Vector256.LoadUnsafe(ref w, row + 8), a1);
        }
        a0 += b0; a1 += b1;
        var zz0 = Sigmoid(z0);
        var zz1 = Sigmoid(z1);
        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(zz0, Tanh(a0) - h0, h0), ref hRef, 0);
        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(zz1, Tanh(a1) - h1, h1), ref hRef, 8);
    }

    /// <summary>h[r] &lt;- lambda mean_group(h) + (1 - lambda) h[r] over the rows of each group of <paramref name="groupSize"/> consecutive rows of width <paramref name="width"/>.</summary>
    public static void AverageGroups(Span<float> h, int rows, int width, int groupSize, float lambda, Span<float> mean)
    {
        for (var g = 0; g < rows; g += groupSize)
        {
            mean[..width].Clear();
            for (var r = g; r < g + groupSize; r++)
            {
                var row = h.Slice(r * width, width);
                for (var j = 0; j < width; j++) mean[j] += row[j];
            }
            var scale = lambda / groupSize;
            for (var r = g; r < g + groupSize; r++)
            {
                var row = h.Slice(r * width, width);
                for (var j = 0; j < width; j++) row[j] = scale * mean[j] + (1 - lambda) * row[j];
            }
        }
    }
}
