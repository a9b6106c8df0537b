using System.Reflection;
using System.Reflection.Emit;

namespace Hybrid.TestSupport;

/// <summary>Reads the members and types a method body names, from its IL.</summary>
public static class IlReader
{
    static readonly Dictionary<short, OpCode> Codes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>Every binding flag, declared members only: with these, a type's members are visited once each.</summary>
    public const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>The methods and constructors a type declares, including its static constructor.</summary>
    public static IEnumerable<MethodBase> MethodsOf(Type type) =>
        type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared));

    /// <summary>The methods a method body calls, constructs with or takes the address of (call, callvirt, newobj, ldftn).</summary>
    public static IEnumerable<MethodBase> Calls(MethodBase method) =>
        Operands(method).Where(o => o.IsCall).Select(o => o.Member).OfType<MethodBase>();

    /// <summary>
    /// Every member or type token in a method body, resolved in the method's generic context. Tokens that do not
    /// resolve (a reference to an assembly that is not loaded) are skipped: the checks built on this only look at
    /// the assemblies they are given and TorchSharp, which are loaded.
    /// </summary>
    public static IEnumerable<(MemberInfo Member, bool IsCall)> Operands(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or BadImageFormatException) { il = null; }
        if (il is null) yield break;
        var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        var methodArgs = method is MethodInfo { IsGenericMethod: true } m ? m.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            var op = il[i] == 0xFE ? Codes[(short)(0xFE00 | il[i + 1])] : Codes[il[i]];
            i += op.Size;
            var size = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try { member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                catch (Exception e) when (e is ArgumentException or TypeLoadException or FileNotFoundException or BadImageFormatException) { }
                if (member is not null)
                    yield return (member, op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj || op == OpCodes.Ldftn);
            }
            i += size;
        }
    }
}
