using System.Reflection;
using TorchSharp;

namespace Hybrid.TestSupport;

/// <summary>
/// TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping the Scalar object alive, so a Scalar
/// made for one call (an implicit conversion from a number, or the alpha = 1 that <c>Tensor.add(Tensor)</c>, the
/// <c>+</c> operator and <c>add_</c> make internally, the exponent 2 of <c>square()</c>) can be finalised by the garbage
/// collector while libtorch reads it. Long training runs and clean-clone test runs died of that ("Unknown scalar
/// type.", "Expected false to be true"). This check reads the IL of every method of the given assemblies and reports
/// each call into TorchSharp that makes such a temporary Scalar, following TorchSharp's own method bodies two levels deep.
/// </summary>
public static class ScalarLifetime
{
    static readonly Assembly TorchSharpAssembly = typeof(Scalar).Assembly;

    /// <summary>The advice that goes with a non-empty list of offenders.</summary>
    public const string Advice = "temporary Scalars (hold them in a field or a using-variable, e.g. Keep.One, or use Keep.Plus/PlusInPlace/Squared):";

    /// <summary>One line per offending call, "Type.Method calls Declaring.Callee(Parameter types)", each once, in a stable order.</summary>
    public static IReadOnlyList<string> Offenders(IEnumerable<Assembly> assemblies) =>
        assemblies.Distinct().SelectMany(Offenders).Distinct().ToList();

    /// <summary>The offending calls of one assembly (see <see cref="Offenders(IEnumerable{Assembly})"/>).</summary>
    public static IReadOnlyList<string> Offenders(Assembly assembly)
    {
        var offenders = new List<string>();
        foreach (var type in assembly.GetTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
            foreach (var method in IlReader.MethodsOf(type))
                foreach (var callee in IlReader.Calls(method))
                {
                    if (callee.DeclaringType?.Assembly != TorchSharpAssembly) continue;
                    if (MakesTemporaryScalar(callee, depth: 0))
                        offenders.Add($"{type.FullName}.{method.Name} calls {callee.DeclaringType!.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})");
                }
        return offenders.Distinct().ToList();
    }

    /// <summary>The offending methods (without the callees), "Type.Method", each once.</summary>
    public static IReadOnlyList<string> OffendingMethods(IEnumerable<Assembly> assemblies) =>
        Offenders(assemblies).Select(o => o[..o.IndexOf(" calls ", StringComparison.Ordinal)]).Distinct().ToList();

    /// <summary>
    /// <paramref name="root"/> and every Hybrid assembly it references, directly or through another Hybrid assembly:
    /// what a test project scans (its own code and the library code it runs).
    /// </summary>
    public static IReadOnlyList<Assembly> WithHybridReferences(Assembly root)
    {
        var found = new List<Assembly> { root };
        for (var i = 0; i < found.Count; i++)
            foreach (var name in found[i].GetReferencedAssemblies())
                if (IsHybrid(name.Name) && found.All(a => a.GetName().Name != name.Name))
                    found.Add(Assembly.Load(name));
        return found;
    }

    /// <summary>The solution's assemblies: Hybrid.* and the CLI, hybrid.</summary>
    public static bool IsHybrid(string? assemblyName) =>
        assemblyName is not null && (assemblyName == "hybrid" || assemblyName.StartsWith("Hybrid.", StringComparison.Ordinal));

    /// <summary>A call into TorchSharp makes a temporary Scalar when it is a conversion to Scalar, or when its own body (two levels deep) makes one.</summary>
    static bool MakesTemporaryScalar(MethodBase callee, int depth)
    {
        if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit") return true;
        // Explicit ToScalar() calls in our code go into held variables; inside TorchSharp they are temporaries.
        if (callee.Name == "ToScalar") return depth > 0;
        if (depth == 2 || callee.DeclaringType?.Assembly != TorchSharpAssembly) return false;
        return IlReader.Calls(callee).Any(c => c.DeclaringType?.Assembly == TorchSharpAssembly && MakesTemporaryScalar(c, depth + 1));
    }
}
