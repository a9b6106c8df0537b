using Hybrid.TestSupport;
using Xunit;

namespace Hybrid.Shaping.Tests;

/// <summary>The IL checks of <see cref="Hybrid.TestSupport"/> on the Shaping library and its tests.</summary>
public class CodeChecksTests
{
    [Fact]
    public void TheShapingLibraryAndItsTestsNeverHandLibtorchATemporaryScalar()
    {
        var assemblies = ScalarLifetime.WithHybridReferences(typeof(CodeChecksTests).Assembly);
        Assert.Contains(typeof(Hybrid.Shaping.Training.ShapeTrainer).Assembly, assemblies);
        var offenders = ScalarLifetime.Offenders(assemblies);
        Assert.True(offenders.Count == 0, ScalarLifetime.Advice + "\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheShapingLibrarysNamespacesAreLayered()
    {
        var graph = NamespaceGraph.Of(typeof(Hybrid.Shaping.Training.ShapeTrainer).Assembly);
        Assert.Contains("Hybrid.Shaping.Trials", graph.Namespaces);
        Assert.True(graph.Cycles().Count == 0, graph.DescribeCycles());
        // Agents and co-players are seats; the trial loop knows neither, and nothing below Training knows the trainer.
        Assert.DoesNotContain(graph.Edges, e => e.From == "Hybrid.Shaping.Trials" && (e.To == "Hybrid.Shaping.CoPlayers" || e.To == "Hybrid.Shaping.Training"));
        Assert.DoesNotContain(graph.Edges, e => e.From == "Hybrid.Shaping.Agents" && e.To != "Hybrid.Shaping" && e.To.StartsWith("Hybrid.Shaping", StringComparison.Ordinal));
        Assert.DoesNotContain(graph.Edges, e => e.From == "Hybrid.Shaping.CoPlayers" && e.To != "Hybrid.Shaping" && e.To.StartsWith("Hybrid.Shaping", StringComparison.Ordinal));
    }
}
