using Hybrid.TestSupport;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>The IL checks of <see cref="Hybrid.TestSupport"/> on the command-line tool.</summary>
public class CodeChecksTests
{
    [Fact]
    public void TheToolsNamespacesAreLayered()
    {
        var graph = NamespaceGraph.Of(typeof(CommandLine).Assembly);
        Assert.Contains("Hybrid.Cli.Commands", graph.Namespaces);
        Assert.True(graph.Cycles().Count == 0, graph.DescribeCycles());
    }
}
