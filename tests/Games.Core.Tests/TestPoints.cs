using static TorchSharp.torch;

namespace Hybrid.Games.Tests;

/// <summary>Small helpers to build parameter batches.</summary>
static class TestPoints
{
    public static Tensor Column(params double[] values) => tensor(values, dtype: ScalarType.Float64).reshape(values.Length, 1);

    public static Tensor Row(params double[] values) => tensor(values, dtype: ScalarType.Float64).reshape(1, values.Length);

    public static double[] Values(Tensor t) => t.detach().cpu().contiguous().data<double>().ToArray();

    public static Tensor Rate(double alpha) => tensor(alpha, dtype: ScalarType.Float64);
}

/// <summary>Element-wise comparison of arrays rounded to a number of decimal places.</summary>
static class ArrayAssert
{
    public static void Close(IEnumerable<double> expected, IEnumerable<double> actual, int precision)
    {
        var e = expected.ToArray(); var a = actual.ToArray();
        Xunit.Assert.Equal(e.Length, a.Length);
        for (var i = 0; i < e.Length; i++) Xunit.Assert.Equal(e[i], a[i], precision);
    }
}
