using Hybrid.TestSupport;
using Xunit;

namespace Hybrid.Scaling.Tests;

/// <summary>The IL checks of <see cref="Hybrid.TestSupport"/> on the Scaling library and its tests.</summary>
public class CodeChecksTests
{
    /// <summary>
    /// TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping the Scalar object alive, so a Scalar
    /// made for one call can be finalised by the garbage collector while libtorch reads it (<see cref="ScalarLifetime"/>).
    /// Long training runs died of that ("Unknown scalar type.", "Expected false to be true").
    /// </summary>
    [Fact]
    public void TheScalingLibraryAndItsTestsNeverHandLibtorchATemporaryScalar()
    {
        var assemblies = ScalarLifetime.WithHybridReferences(typeof(CodeChecksTests).Assembly);
        Assert.Contains(typeof(Hybrid.Scaling.Algorithms.PpoTrainer).Assembly, assemblies);
        var offenders = ScalarLifetime.Offenders(assemblies);
        Assert.True(offenders.Count == 0, ScalarLifetime.Advice + "\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheScalingLibrarysNamespacesAreLayered()
    {
        var graph = NamespaceGraph.Of(typeof(Hybrid.Scaling.Algorithms.PpoTrainer).Assembly);
        Assert.Contains("Hybrid.Scaling.Rollouts", graph.Namespaces);
        Assert.True(graph.Cycles().Count == 0, graph.DescribeCycles());
        // Environments know nothing of networks, rollouts or algorithms; networks nothing of environments.
        Assert.DoesNotContain(graph.Edges, e => e.From.StartsWith("Hybrid.Scaling.Environments", StringComparison.Ordinal) &&
            (e.To.EndsWith(".Rollouts", StringComparison.Ordinal) || e.To.EndsWith(".Networks", StringComparison.Ordinal) || e.To.EndsWith(".Algorithms", StringComparison.Ordinal) || e.To.EndsWith(".Catalog", StringComparison.Ordinal)));
        Assert.DoesNotContain(graph.Edges, e => e.From == "Hybrid.Scaling.Networks" && e.To.StartsWith("Hybrid.Scaling.Environments", StringComparison.Ordinal));
    }
}
