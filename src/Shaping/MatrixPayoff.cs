using Hybrid.Scaling.Environments;

namespace Hybrid.Shaping;

/// <summary>
/// A finite iterated matrix game as the trial kernels play it: payoffs of (row, column) player for the joint actions
/// CC, CD, DC, DD (row player's action first, 0 = cooperate), pax's conventions (anchors.md section 2).
/// </summary>
public sealed class MatrixPayoff
{
    /// <summary>State index of START (no previous joint action: reset and every episode boundary).</summary>
    public const byte Start = 4;

    /// <summary>The state the column player sees for joint action (or START) <paramref name="state"/>: CD and DC swap.</summary>
    public static byte Mirror(byte state) => state switch { 1 => 2, 2 => 1, _ => state };

    readonly float[] row = new float[4], column = new float[4];

    /// <summary>A game from a 4 x 2 table [CC, CD, DC, DD] x (row player, column player).</summary>
    public MatrixPayoff(string name, float[,] payoff)
    {
        if (payoff.GetLength(0) != 4 || payoff.GetLength(1) != 2) throw new ArgumentException("the payoff table must be 4 x 2 (CC, CD, DC, DD) x (row player, column player)", nameof(payoff));
        Name = name;
        for (var j = 0; j < 4; j++) { row[j] = payoff[j, 0]; column[j] = payoff[j, 1]; }
    }

    /// <summary>The game's name (ipd, imp).</summary>
    public string Name { get; }

    /// <summary>Row player's payoff per joint action.</summary>
    public ReadOnlySpan<float> Row => row;

    /// <summary>Column player's payoff per joint action.</summary>
    public ReadOnlySpan<float> Column => column;

    /// <summary>The iterated Prisoner's Dilemma of pax: CC -1/-1, CD -3/0, DC 0/-3, DD -2/-2.</summary>
    public static MatrixPayoff PrisonersDilemma { get; } = new("ipd", IteratedMatrixGame.PrisonersDilemma);

    /// <summary>Iterated Matching Pennies: the row player (the meta-agent) wins +1 when the actions match.</summary>
    public static MatrixPayoff MatchingPennies { get; } = new("imp", IteratedMatrixGame.MatchingPennies);

    /// <summary>The game called <paramref name="name"/>: ipd or imp.</summary>
    public static MatrixPayoff Named(string name) => name switch
    {
        "ipd" => PrisonersDilemma,
        "imp" => MatchingPennies,
        _ => throw new ArgumentException($"unknown matrix game '{name}' (available: ipd, imp)"),
    };
}
