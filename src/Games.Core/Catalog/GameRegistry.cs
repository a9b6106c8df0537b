namespace Hybrid.Games.Catalog;

/// <summary>The built-in games by name.</summary>
public static class GameRegistry
{
    static readonly Dictionary<string, Func<DifferentiableGame>> factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["tandem"] = () => new Tandem(),
        ["hamiltonian"] = () => new Hamiltonian(),
        ["balduzzi"] = () => new Balduzzi(),
        ["mp"] = () => new MatchingPennies(),
        ["ultimatum"] = () => new Ultimatum(),
        ["chicken"] = () => new Chicken(),
        ["ipd"] = () => new IteratedPrisonersDilemma(),
    };

    /// <summary>The registered names.</summary>
    public static IReadOnlyList<string> Names => factories.Keys.ToList();

    /// <summary>Creates the game called <paramref name="name"/>; unknown names throw with the list of known ones.</summary>
    public static DifferentiableGame Create(string name) =>
        factories.TryGetValue(name, out var make)
            ? make()
            : throw new ArgumentException($"unknown game '{name}' (known: {string.Join(", ", Names)})");
}
