using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hybrid.Cli.Commands;

/// <summary>Shared JSON settings: compact, one object per line, non-finite numbers as named literals.</summary>
static class Json
{
    public static readonly JsonSerializerOptions Compact = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    public static string Line(object value) => JsonSerializer.Serialize(value, Compact);
}
