using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hybrid.Scaling.Training;

/// <summary>
/// Typed configuration records from defaults, a JSON file and <c>key=value</c> overrides, in that order. Keys are the
/// properties' JSON names (snake_case, or a [JsonPropertyName]); unknown keys and values of the wrong type are errors
/// that list what is accepted.
/// </summary>
public static class ConfigBinder
{
    /// <summary>JSON settings of saved configurations: snake_case names, enums as strings, indented.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The settable keys of <typeparamref name="T"/> with their properties.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> Keys<T>() =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetSetMethod() != null)
            .ToDictionary(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name));

    /// <summary>
    /// <paramref name="defaults"/> with the keys of the JSON object in <paramref name="jsonFile"/> (if given), then the
    /// <paramref name="overrides"/> ("key=value") applied.
    /// </summary>
    public static T Bind<T>(T defaults, string? jsonFile, IEnumerable<string> overrides) where T : class
    {
        var keys = Keys<T>();
        var config = Clone(defaults);
        if (jsonFile != null)
        {
            if (!File.Exists(jsonFile)) throw new FileNotFoundException($"config file {jsonFile} does not exist", jsonFile);
            JsonDocument document;
            try { document = JsonDocument.Parse(File.ReadAllText(jsonFile)); }
            catch (JsonException e) { throw new FormatException($"config file {jsonFile} is not valid JSON: {e.Message}"); }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException($"config file {jsonFile} must hold one JSON object");
                foreach (var entry in document.RootElement.EnumerateObject())
                    Set(config, keys, entry.Name, entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : entry.Value.GetRawText(), $"config file {jsonFile}");
            }
        }
        foreach (var pair in overrides)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new FormatException($"--set needs key=value, got '{pair}'");
            Set(config, keys, pair[..eq].Trim(), pair[(eq + 1)..].Trim(), "--set");
        }
        return config;
    }

    /// <summary>The configuration as indented JSON (every key, resolved values).</summary>
    public static string ToJson<T>(T config) => JsonSerializer.Serialize(config, Json);

    /// <summary>Reads a configuration saved by <see cref="ToJson{T}"/>.</summary>
    public static T FromJson<T>(string json) => JsonSerializer.Deserialize<T>(json, Json) ?? throw new FormatException("empty configuration");

    static T Clone<T>(T value) => FromJson<T>(ToJson(value));

    static void Set<T>(T config, IReadOnlyDictionary<string, PropertyInfo> keys, string key, string text, string source)
    {
        if (!keys.TryGetValue(key, out var property))
            throw new ArgumentException($"{source}: unknown key '{key}' (keys: {string.Join(", ", keys.Keys.Order())})");
        property.SetValue(config, Parse(property.PropertyType, text, key, source));
    }

    static object Parse(Type type, string text, string key, string source)
    {
        var inv = CultureInfo.InvariantCulture;
        try
        {
            if (type == typeof(string)) return text;
            if (type == typeof(int)) return int.Parse(text, NumberStyles.Integer, inv);
            if (type == typeof(long)) return long.Parse(text.Contains('e', StringComparison.OrdinalIgnoreCase) ? ((long)double.Parse(text, inv)).ToString(inv) : text, NumberStyles.Integer, inv);
            if (type == typeof(double)) return double.Parse(text, NumberStyles.Float, inv);
            if (type == typeof(float)) return float.Parse(text, NumberStyles.Float, inv);
            if (type == typeof(bool)) return bool.Parse(text);
            if (type.IsEnum)
            {
                var names = Enum.GetNames(type);
                var match = names.FirstOrDefault(n => string.Equals(JsonNamingPolicy.SnakeCaseLower.ConvertName(n), text, StringComparison.OrdinalIgnoreCase) || string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
                return match != null ? Enum.Parse(type, match) : throw new FormatException($"one of {string.Join(", ", names.Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))}");
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new FormatException($"{source}: {key}={text} is not a valid {Describe(type)}" + (type.IsEnum ? $" ({e.Message})" : ""));
        }
        throw new NotSupportedException($"{source}: key '{key}' has type {type.Name}, which cannot be set from text");
    }

    static string Describe(Type type) => type == typeof(int) || type == typeof(long) ? "integer" : type == typeof(double) || type == typeof(float) ? "number" : type == typeof(bool) ? "true/false" : type.IsEnum ? "choice" : type.Name;
}
