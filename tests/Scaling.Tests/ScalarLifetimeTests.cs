using Hybrid.TestSupport;
using Xunit;

namespace Hybrid.Scaling.Tests;

/// <summary>
/// TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping the Scalar object alive, so a Scalar
/// made for one call can be finalised by the garbage collector while libtorch reads it (<see cref="ScalarLifetime"/>).
/// Long training runs died of that ("Unknown scalar type.", "Expected false to be true"). This test reads the IL of
/// every method of the library and fails on each call that makes such a temporary Scalar.
/// </summary>
public class ScalarLifetimeTests
{
    [Fact]
    public void TheLibraryNeverHandsLibtorchATemporaryScalar()
    {
        var offenders = ScalarLifetime.Offenders(typeof(Hybrid.Scaling.Algorithms.PpoTrainer).Assembly);
        Assert.True(offenders.Count == 0, ScalarLifetime.Advice + "\n" + string.Join("\n", offenders));
    }
}
