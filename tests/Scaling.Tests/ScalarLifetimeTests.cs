using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;
using Xunit;

namespace Hybrid.Scaling.Tests;

/// <summary>
/// TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping the Scalar object alive, so a Scalar
/// made for one call (an implicit conversion from a number, or the alpha = 1 that <c>Tensor.add(Tensor)</c>, the
/// <c>+</c> operator and <c>add_</c> make internally) can be finalised by the garbage collector while libtorch reads
/// it. Long training runs died of that ("Unknown scalar type.", "Expected false to be true"). This test reads the IL
/// of every method of the library and fails on each call that makes such a temporary Scalar.
/// </summary>
public class ScalarLifetimeTests
{
    [Fact]
    public void TheLibraryNeverHandsLibtorchATemporaryScalar()
    {
        var offenders = new List<string>();
        var assembly = typeof(Hybrid.Scaling.Algorithms.PpoTrainer).Assembly;
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
                foreach (var callee in IlCalls.Of(method))
                {
                    if (callee.DeclaringType?.Assembly != typeof(Scalar).Assembly) continue;
                    if (MakesTemporaryScalar(callee, depth: 0))
                        offenders.Add($"{type.FullName}.{method.Name} calls {callee.DeclaringType!.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))})");
                }
        Assert.True(offenders.Count == 0, "temporary Scalars (hold them in a field or a using-variable, e.g. Keep.One):\n" + string.Join("\n", offenders.Distinct()));
    }

    /// <summary>A call into TorchSharp makes a temporary Scalar when it is a conversion to Scalar, or when its own body (two levels deep) makes one.</summary>
    static bool MakesTemporaryScalar(MethodBase callee, int depth)
    {
        if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit") return true;
        if (callee.Name == "ToScalar") return depth > 0; // our own explicit ToScalar() calls go into held variables
        if (depth == 2 || callee.DeclaringType?.Assembly != typeof(Scalar).Assembly) return false;
        return IlCalls.Of(callee).Any(c => c.DeclaringType?.Assembly == typeof(Scalar).Assembly && MakesTemporaryScalar(c, depth + 1));
    }
}

/// <summary>The methods a method body calls, read from its IL.</summary>
static class IlCalls
{
    static readonly Dictionary<short, OpCode> Codes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    public static IEnumerable<MethodBase> Of(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException) { il = null; }
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method is MethodInfo { IsGenericMethod: true } m ? m.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var op = il[i] == 0xFE ? Codes[(short)(0xFE00 | il[i + 1])] : Codes[il[i]];
            i += op.Size;
            var operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj || op == OpCodes.Ldftn)
            {
                MethodBase? callee = null;
                try { callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                catch (ArgumentException) { }
                if (callee is not null) yield return callee;
            }
            i += operand;
        }
    }
}
