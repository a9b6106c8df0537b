using System.Globalization;

namespace Hybrid.Cli.Parsing;

/// <summary>Bad command-line input: reported on one line with exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Parsed <c>--name value</c> options and <c>--flag</c> switches of one command.</summary>
public sealed class Arguments
{
    readonly Dictionary<string, string?> values;
    readonly Dictionary<string, List<string>> lists;

    Arguments(Dictionary<string, string?> values, Dictionary<string, List<string>> lists) { this.values = values; this.lists = lists; }

    /// <summary>
    /// Parses <paramref name="args"/> against the known options (name without dashes; a trailing '!' marks a
    /// switch that takes no value, a trailing '*' an option that may be repeated). Unknown or repeated options and
    /// missing values are errors.
    /// </summary>
    public static Arguments Parse(IReadOnlyList<string> args, IReadOnlyList<string> known)
    {
        var switches = known.Where(k => k.EndsWith('!')).Select(k => k.TrimEnd('!')).ToHashSet();
        var repeatable = known.Where(k => k.EndsWith('*')).Select(k => k.TrimEnd('*')).ToHashSet();
        var options = known.Where(k => !k.EndsWith('!')).Select(k => k.TrimEnd('*')).ToHashSet();
        var values = new Dictionary<string, string?>();
        var lists = new Dictionary<string, List<string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{a}'");
            var name = a[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (values.ContainsKey(name) && !repeatable.Contains(name)) throw new UsageException($"option --{name} given twice");
            if (switches.Contains(name))
            {
                if (value != null) throw new UsageException($"--{name} takes no value");
                values[name] = null;
            }
            else if (options.Contains(name))
            {
                if (value == null)
                {
                    if (i + 1 >= args.Count) throw new UsageException($"--{name} needs a value");
                    value = args[++i];
                }
                values[name] = value;
                if (!lists.TryGetValue(name, out var list)) lists[name] = list = new List<string>();
                list.Add(value);
            }
            else throw new UsageException($"unknown option --{name} (options: {string.Join(", ", known.Select(k => "--" + k.TrimEnd('!', '*')))})");
        }
        return new Arguments(values, lists);
    }

    /// <summary>Every value of a repeatable option (marked with a trailing '*'), in order.</summary>
    public IReadOnlyList<string> All(string name) => lists.TryGetValue(name, out var list) ? list : Array.Empty<string>();

    /// <summary>True when the switch was given.</summary>
    public bool Flag(string name) => values.ContainsKey(name);

    /// <summary>The raw value, or null when absent.</summary>
    public string? Get(string name) => values.TryGetValue(name, out var v) ? v : null;

    /// <summary>The value; throws when absent.</summary>
    public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required");

    /// <summary>
    /// A file the command will write, checked before any work is done: a directory given where a file belongs would
    /// otherwise fail only when the result is saved, after the whole computation.
    /// </summary>
    public string? OutputFile(string name)
    {
        var path = Get(name);
        if (path is not null && Directory.Exists(path)) throw new UsageException($"--{name} {path} is a directory; give a file name");
        return path;
    }

    /// <summary>An integer option within [min, max].</summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var raw = Get(name);
        if (raw == null) return fallback;
        if (!int.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            throw new UsageException($"--{name}: '{raw}' is not an integer");
        if (v < min || v > max) throw new UsageException($"--{name}: {v} is outside [{min}, {max}]");
        return v;
    }

    /// <summary>A finite number option; with <paramref name="positive"/> it must be &gt; 0.</summary>
    public double Double(string name, double? fallback, bool positive = false, bool nonNegative = false)
    {
        var raw = Get(name);
        if (raw == null) return fallback ?? throw new UsageException($"--{name} is required");
        return ParseNumber(name, raw, positive, nonNegative);
    }

    /// <summary>A comma-separated list of finite numbers.</summary>
    public IReadOnlyList<double> Doubles(string name, bool positive = false)
    {
        var raw = Required(name);
        var items = raw.Split(',', StringSplitOptions.TrimEntries);
        if (items.Any(string.IsNullOrEmpty)) throw new UsageException($"--{name}: empty entry in '{raw}'");
        return items.Select(x => ParseNumber(name, x, positive, false)).ToList();
    }

    /// <summary>A comma-separated list of integers within [min, max].</summary>
    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback, int min, int max)
    {
        var raw = Get(name);
        if (raw == null) return fallback;
        return raw.Split(',', StringSplitOptions.TrimEntries).Select(x =>
        {
            if (!int.TryParse(x, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                throw new UsageException($"--{name}: '{x}' is not an integer");
            if (v < min || v > max) throw new UsageException($"--{name}: {v} is outside [{min}, {max}]");
            return v;
        }).ToList();
    }

    static double ParseNumber(string name, string raw, bool positive, bool nonNegative)
    {
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new UsageException($"--{name}: '{raw}' is not a finite number");
        if (positive && v <= 0) throw new UsageException($"--{name}: {raw} must be > 0");
        if (nonNegative && v < 0) throw new UsageException($"--{name}: {raw} must be >= 0");
        return v;
    }
}
