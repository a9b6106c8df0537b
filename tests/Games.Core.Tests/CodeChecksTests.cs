using Hybrid.TestSupport;
using Xunit;

namespace Hybrid.Games.Tests;

/// <summary>The IL checks of <see cref="Hybrid.TestSupport"/> on the games library.</summary>
public class CodeChecksTests
{
    [Fact]
    public void TheGamesLibraryAndItsTestsNeverHandLibtorchATemporaryScalar()
    {
        var assemblies = ScalarLifetime.WithHybridReferences(typeof(CodeChecksTests).Assembly);
        Assert.Contains(typeof(DifferentiableGame).Assembly, assemblies);
        var offenders = ScalarLifetime.Offenders(assemblies);
        Assert.True(offenders.Count == 0, ScalarLifetime.Advice + "\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheGamesLibrarysNamespacesAreLayered()
    {
        var graph = NamespaceGraph.Of(typeof(DifferentiableGame).Assembly);
        Assert.Contains("Hybrid.Games.Catalog", graph.Namespaces);
        Assert.True(graph.Cycles().Count == 0, graph.DescribeCycles());
        // The layers the cycles used to run through: derivatives below the rules, the COLA-aware table above COLA.
        Assert.DoesNotContain(graph.Edges, e => e.From == "Hybrid.Games.Rules" && e.To == "Hybrid.Games.Analysis");
        Assert.DoesNotContain(graph.Edges, e => e.From == "Hybrid.Games.Analysis" && e.To == "Hybrid.Games.Cola");
    }
}
