using System.Reflection;
using System.Runtime.CompilerServices;

namespace Hybrid.TestSupport;

/// <summary>One edge of a <see cref="NamespaceGraph"/>: a type of <see cref="From"/> uses <see cref="To"/>, shown by one example pair.</summary>
/// <param name="From">The using namespace.</param>
/// <param name="To">The used namespace.</param>
/// <param name="ExampleUser">A type of <paramref name="From"/> that uses <paramref name="ExampleUsed"/> (the first by name).</param>
/// <param name="ExampleUsed">A type of <paramref name="To"/> that <paramref name="ExampleUser"/> uses.</param>
public sealed record NamespaceEdge(string From, string To, string ExampleUser, string ExampleUsed)
{
    /// <inheritdoc/>
    public override string ToString() => $"{From} -> {To} ({ExampleUser} uses {ExampleUsed})";
}

/// <summary>
/// The graph "namespace A uses a type of namespace B" over one assembly's own namespaces, read from its metadata and
/// IL: base types, interfaces, fields, properties, events, signatures, local variables, attributes and every type,
/// method or field a method body names. Compiler-generated types (closures, iterators, display classes) count for the
/// type that declares them; types the compiler embeds (nullable attributes and the like) are left out.
/// </summary>
public sealed class NamespaceGraph
{
    /// <summary>The name shown for types outside any namespace (the top-level statements' Program).</summary>
    public const string Global = "(global)";

    NamespaceGraph(string assembly, IReadOnlyList<string> namespaces, IReadOnlyList<NamespaceEdge> edges)
    {
        Assembly = assembly; Namespaces = namespaces; Edges = edges;
    }

    /// <summary>The assembly's name.</summary>
    public string Assembly { get; }

    /// <summary>The assembly's namespaces, sorted.</summary>
    public IReadOnlyList<string> Namespaces { get; }

    /// <summary>The edges, sorted by From then To, each with one example.</summary>
    public IReadOnlyList<NamespaceEdge> Edges { get; }

    /// <summary>Builds the graph of <paramref name="assembly"/>.</summary>
    public static NamespaceGraph Of(Assembly assembly)
    {
        var own = assembly.GetTypes().Where(t => !IsEmbedded(t)).ToList();
        var ownSet = own.Select(Outermost).ToHashSet();
        var examples = new SortedDictionary<(string From, string To), (string User, string Used)>();
        foreach (var type in own)
        {
            var user = Outermost(type);
            if (IsCompilerGenerated(user)) continue;
            foreach (var used in UsedTypes(type).Select(Outermost).Where(ownSet.Contains).Where(u => !IsCompilerGenerated(u)))
            {
                var (from, to) = (NamespaceOf(user), NamespaceOf(used));
                if (from == to) continue;
                var example = (user.FullName!, used.FullName!);
                if (!examples.TryGetValue((from, to), out var old) || string.CompareOrdinal(example.Item1 + example.Item2, old.User + old.Used) < 0)
                    examples[(from, to)] = example;
            }
        }
        var namespaces = own.Select(Outermost).Where(t => !IsCompilerGenerated(t)).Select(NamespaceOf).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var edges = examples.Select(e => new NamespaceEdge(e.Key.From, e.Key.To, e.Value.User, e.Value.Used)).ToList();
        return new NamespaceGraph(assembly.GetName().Name!, namespaces, edges);
    }

    /// <summary>
    /// Every elementary cycle of the graph, each as its edges in order, starting at its alphabetically first
    /// namespace; an empty list for a layered assembly.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<NamespaceEdge>> Cycles()
    {
        var next = Edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.ToList());
        var cycles = new List<IReadOnlyList<NamespaceEdge>>();
        // A cycle is found once: from its smallest namespace, through larger ones only.
        foreach (var start in Namespaces)
        {
            var path = new List<NamespaceEdge>();
            var onPath = new HashSet<string> { start };
            void Walk(string at)
            {
                foreach (var edge in next.GetValueOrDefault(at) ?? new List<NamespaceEdge>())
                {
                    if (edge.To == start) { cycles.Add(path.Append(edge).ToList()); continue; }
                    if (string.CompareOrdinal(edge.To, start) < 0 || !onPath.Add(edge.To)) continue;
                    path.Add(edge);
                    Walk(edge.To);
                    path.RemoveAt(path.Count - 1);
                    onPath.Remove(edge.To);
                }
            }
            Walk(start);
        }
        return cycles;
    }

    /// <summary>The cycles as text, one per line: "A -> B -> A" followed by each edge's example pair.</summary>
    public string DescribeCycles() => string.Join("\n", Cycles().Select(c =>
        string.Join(" -> ", c.Select(e => e.From).Append(c[^1].To)) + "\n    " + string.Join("\n    ", c.Select(e => $"{e.ExampleUser} uses {e.ExampleUsed}"))));

    /// <inheritdoc/>
    public override string ToString() => $"{Assembly}:\n  " + string.Join("\n  ", Edges);

    static string NamespaceOf(Type t) => string.IsNullOrEmpty(t.Namespace) ? Global : t.Namespace;

    static Type Outermost(Type t)
    {
        if (t.IsGenericType && !t.IsGenericTypeDefinition) t = t.GetGenericTypeDefinition();
        while (t.DeclaringType is { } outer) t = outer;
        return t;
    }

    // F# puts module initialisers into namespaces named <StartupCode$assembly>.
    static bool IsCompilerGenerated(Type t) =>
        t.Name.StartsWith('<') || t.Namespace?.StartsWith('<') == true || t.IsDefined(typeof(CompilerGeneratedAttribute), false);

    static bool IsEmbedded(Type t) => t.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "Microsoft.CodeAnalysis.EmbeddedAttribute");

    /// <summary>The types one type names (not its nested types: they are visited on their own).</summary>
    static IEnumerable<Type> UsedTypes(Type type)
    {
        var found = new List<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericParameter) return;
            found.Add(t);
            if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) Add(a);
        }
        void AddAttributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var a in attributes) Add(a.AttributeType);
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        AddAttributes(type.GetCustomAttributesData());
        foreach (var f in type.GetFields(IlReader.Declared)) { Add(f.FieldType); AddAttributes(f.GetCustomAttributesData()); }
        foreach (var p in type.GetProperties(IlReader.Declared)) { Add(p.PropertyType); AddAttributes(p.GetCustomAttributesData()); }
        foreach (var e in type.GetEvents(IlReader.Declared)) Add(e.EventHandlerType);
        foreach (var method in IlReader.MethodsOf(type))
        {
            AddAttributes(method.GetCustomAttributesData());
            if (method is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in method.GetParameters()) { Add(p.ParameterType); AddAttributes(p.GetCustomAttributesData()); }
            MethodBody? body = null;
            try { body = method.GetMethodBody(); }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException or BadImageFormatException) { }
            if (body is not null) foreach (var local in body.LocalVariables) Add(local.LocalType);
            foreach (var (member, _) in IlReader.Operands(method))
            {
                switch (member)
                {
                    case Type t: Add(t); break;
                    case FieldInfo f: Add(f.DeclaringType); Add(f.FieldType); break;
                    case MethodBase m:
                        Add(m.DeclaringType);
                        if (m is MethodInfo { IsGenericMethod: true } g) foreach (var a in g.GetGenericArguments()) Add(a);
                        break;
                }
            }
        }
        return found;
    }
}
