using System.Reflection;
using System.Reflection.Emit;
using Hybrid.TestSupport;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Hybrid.Kernel.Tests;

/// <summary>The IL checks every test project runs (<see cref="ScalarLifetime"/>, <see cref="NamespaceGraph"/>): on this project, and on a made-up assembly that breaks both rules.</summary>
public class CodeChecksTests
{
    [Fact]
    public void TheKernelAndItsTestsNeverHandLibtorchATemporaryScalar()
    {
        var assemblies = ScalarLifetime.WithHybridReferences(typeof(CodeChecksTests).Assembly);
        Assert.Contains(typeof(Keep).Assembly, assemblies);
        var offenders = ScalarLifetime.Offenders(assemblies);
        Assert.True(offenders.Count == 0, ScalarLifetime.Advice + "\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheKernelsNamespacesHaveNoCycle()
    {
        var graph = NamespaceGraph.Of(typeof(Keep).Assembly);
        Assert.Contains("Hybrid.Kernel", graph.Namespaces);
        Assert.True(graph.Cycles().Count == 0, graph.DescribeCycles());
    }

    [Fact]
    public void TheChecksFindWhatTheyLookFor()
    {
        var probe = Probe();
        var graph = NamespaceGraph.Of(probe);
        Assert.Equal(new[] { "P.Analysis", "P.Rules", "P.Top" }, graph.Namespaces);
        var cycle = Assert.Single(graph.Cycles());
        Assert.Equal(new[] { "P.Analysis -> P.Rules (P.Analysis.Table uses P.Rules.Rule)", "P.Rules -> P.Analysis (P.Rules.Rule uses P.Analysis.Table)" },
            cycle.Select(e => e.ToString()));
        Assert.Contains(graph.Edges, e => e.From == "P.Top" && e.To == "P.Analysis");
        Assert.Equal("P.Analysis -> P.Rules -> P.Analysis\n    P.Analysis.Table uses P.Rules.Rule\n    P.Rules.Rule uses P.Analysis.Table", graph.DescribeCycles());

        var offenders = ScalarLifetime.Offenders(probe);
        Assert.Equal(new[] { "P.Top.Report.Temporary calls Tensor.op_Addition(Tensor, Tensor)" }, offenders);
        Assert.Equal(new[] { "P.Top.Report.Temporary" }, ScalarLifetime.OffendingMethods(new[] { probe }));
    }

    /// <summary>
    /// Rules and Analysis use each other (a field one way, a cast in a method body the other way); Top uses Analysis
    /// through its base type; Top's Temporary adds tensors with TorchSharp's a + b (a temporary alpha), Held with a held one.
    /// </summary>
    static Assembly Probe()
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName("Probe"), typeof(object).Assembly);
        var module = builder.DefineDynamicModule("Probe");
        var table = module.DefineType("P.Analysis.Table", TypeAttributes.Public);
        var rule = module.DefineType("P.Rules.Rule", TypeAttributes.Public);
        table.DefineField("rule", rule, FieldAttributes.Public);
        var use = rule.DefineMethod("Use", MethodAttributes.Public | MethodAttributes.Static, typeof(void), Type.EmptyTypes).GetILGenerator();
        use.Emit(OpCodes.Ldnull);
        use.Emit(OpCodes.Castclass, table);
        use.Emit(OpCodes.Pop);
        use.Emit(OpCodes.Ret);
        var report = module.DefineType("P.Top.Report", TypeAttributes.Public, table);
        var temporary = report.DefineMethod("Temporary", MethodAttributes.Public | MethodAttributes.Static, typeof(Tensor), new[] { typeof(Tensor) }).GetILGenerator();
        temporary.Emit(OpCodes.Ldarg_0);
        temporary.Emit(OpCodes.Ldarg_0);
        temporary.Emit(OpCodes.Call, typeof(Tensor).GetMethod("op_Addition", new[] { typeof(Tensor), typeof(Tensor) })!);
        temporary.Emit(OpCodes.Ret);
        var held = report.DefineMethod("Held", MethodAttributes.Public | MethodAttributes.Static, typeof(Tensor), new[] { typeof(Tensor) }).GetILGenerator();
        held.Emit(OpCodes.Ldarg_0);
        held.Emit(OpCodes.Ldarg_0);
        held.Emit(OpCodes.Ldsfld, typeof(Keep).GetField(nameof(Keep.One))!);
        held.Emit(OpCodes.Callvirt, typeof(Tensor).GetMethod("add", new[] { typeof(Tensor), typeof(Scalar) })!);
        held.Emit(OpCodes.Ret);
        table.CreateType();
        rule.CreateType();
        report.CreateType();
        using var stream = new MemoryStream();
        builder.Save(stream);
        return Assembly.Load(stream.ToArray());
    }
}
