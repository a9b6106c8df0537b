using Hybrid.TestSupport;
using Xunit;

namespace Hybrid.Cli.Tests;

/// <summary>The IL checks of <see cref="Hybrid.TestSupport"/> on the command-line tool.</summary>
public class CodeChecksTests
{
    [Fact]
    public void TheToolAndItsTestsNeverHandLibtorchATemporaryScalar()
    {
        var assemblies = ScalarLifetime.WithHybridReferences(typeof(CodeChecksTests).Assembly);
        Assert.Contains(typeof(CommandLine).Assembly, assemblies);
        var offenders = ScalarLifetime.Offenders(assemblies);
        Assert.True(offenders.Count == 0, ScalarLifetime.Advice + "\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheToolsNamespacesAreLayered()
    {
        var graph = NamespaceGraph.Of(typeof(CommandLine).Assembly);
        Assert.Contains("Hybrid.Cli.Commands", graph.Namespaces);
        Assert.True(graph.Cycles().Count == 0, graph.DescribeCycles());
    }
}
