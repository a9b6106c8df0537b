using System.Globalization;
using System.Text;
using TorchSharp.Modules;

namespace Hybrid.Scaling.Training;

/// <summary>
/// The numbers of one update by name: per-copy metrics (one value per training seed, e.g. "return", "actor_loss") and
/// scalars shared by all copies (e.g. "lr", "seconds"). Algorithms add what they compute; writers and reports read
/// names, so a new algorithm adds columns without touching them.
/// </summary>
public sealed class UpdateMetrics
{
    readonly List<(string Name, double[] Values)> perCopy = new();
    readonly List<(string Name, double Value)> scalars = new();

    /// <summary>Starts the record of update <paramref name="update"/> (from 1) of <paramref name="copies"/> copies.</summary>
    public UpdateMetrics(int update, long envSteps, int copies)
    {
        (Update, EnvSteps, Copies) = (update, envSteps, copies);
    }

    /// <summary>Update index, from 1.</summary>
    public int Update { get; }

    /// <summary>Environment steps of each copy so far.</summary>
    public long EnvSteps { get; }

    /// <summary>Copies C.</summary>
    public int Copies { get; }

    /// <summary>The per-copy metrics in the order they were added.</summary>
    public IReadOnlyList<(string Name, double[] Values)> PerCopy => perCopy;

    /// <summary>The scalars in the order they were added.</summary>
    public IReadOnlyList<(string Name, double Value)> Scalars => scalars;

    /// <summary>Adds a per-copy metric (one value per copy).</summary>
    public UpdateMetrics Add(string name, IReadOnlyList<double> values)
    {
        if (values.Count != Copies) throw new ArgumentException($"metric '{name}' has {values.Count} values for {Copies} copies", nameof(values));
        Check(name);
        perCopy.Add((name, values.ToArray()));
        return this;
    }

    /// <summary>Adds a scalar.</summary>
    public UpdateMetrics Add(string name, double value)
    {
        Check(name);
        scalars.Add((name, value));
        return this;
    }

    void Check(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains(',') || name.Contains('\n')) throw new ArgumentException($"metric name '{name}' must be a non-empty CSV column name", nameof(name));
        if (perCopy.Any(m => m.Name == name) || scalars.Any(m => m.Name == name)) throw new ArgumentException($"metric '{name}' is added twice", nameof(name));
    }

    /// <summary>The per-copy values of <paramref name="name"/>.</summary>
    public double[] this[string name] =>
        perCopy.FirstOrDefault(m => m.Name == name).Values ?? throw new KeyNotFoundException($"no per-copy metric '{name}' (metrics: {string.Join(", ", perCopy.Select(m => m.Name))})");

    /// <summary>The scalar <paramref name="name"/>.</summary>
    public double Scalar(string name)
    {
        foreach (var (n, v) in scalars) if (n == name) return v;
        throw new KeyNotFoundException($"no scalar '{name}' (scalars: {string.Join(", ", scalars.Select(m => m.Name))})");
    }

    /// <summary>Whether a per-copy metric or scalar of that name exists.</summary>
    public bool Has(string name) => perCopy.Any(m => m.Name == name) || scalars.Any(m => m.Name == name);
}

/// <summary>
/// Writes update metrics to a CSV file (one row per update and copy: update, env_steps, the copy's id column, then the
/// per-copy metrics, then the scalars, numbers in round-trip precision) and, if asked, TensorBoard event files
/// ("seed{id}/{name}" per copy, "{name}" for scalars; NaN values are left out). The header comes from the first
/// record; a resumed run's file must have the same columns.
/// </summary>
public sealed class MetricsWriter
{
    readonly string path;
    readonly IReadOnlyList<long> ids;
    readonly string idColumn;
    readonly SummaryWriter? tensorboard;
    string? header;

    /// <summary>Appends to <paramref name="csvPath"/> (created with a header if missing); copy c is written as <paramref name="copyIds"/>[c].</summary>
    public MetricsWriter(string csvPath, IReadOnlyList<long> copyIds, string copyColumn = "seed", string? tensorboardDirectory = null)
    {
        path = csvPath;
        ids = copyIds;
        idColumn = copyColumn;
        if (File.Exists(path)) header = File.ReadLines(path).FirstOrDefault();
        if (string.IsNullOrEmpty(header)) header = null;
        if (tensorboardDirectory is not null) tensorboard = TorchSharp.torch.utils.tensorboard.SummaryWriter(tensorboardDirectory, createRunName: false);
    }

    /// <summary>The CSV header of a record.</summary>
    public string HeaderOf(UpdateMetrics m) =>
        string.Join(",", new[] { "update", "env_steps", idColumn }.Concat(m.PerCopy.Select(x => x.Name)).Concat(m.Scalars.Select(x => x.Name)));

    /// <summary>Writes one record.</summary>
    public void Write(UpdateMetrics m)
    {
        if (m.Copies != ids.Count) throw new ArgumentException($"{m.Copies} copies in the record, {ids.Count} ids");
        var columns = HeaderOf(m);
        var text = new StringBuilder();
        if (header is null)
        {
            header = columns;
            text.Append(columns).Append('\n');
        }
        else if (header != columns)
            throw new InvalidDataException($"{path} has the columns {header}, this run writes {columns}: another algorithm or version wrote it");
        var inv = CultureInfo.InvariantCulture;
        for (var c = 0; c < m.Copies; c++)
        {
            text.Append(inv, $"{m.Update},{m.EnvSteps},{ids[c]}");
            foreach (var (_, values) in m.PerCopy) text.Append(',').Append(values[c].ToString("R", inv));
            foreach (var (_, value) in m.Scalars) text.Append(',').Append(value.ToString("R", inv));
            text.Append('\n');
        }
        File.AppendAllText(path, text.ToString());
        if (tensorboard is null) return;
        var step = (int)Math.Min(int.MaxValue, m.EnvSteps);
        for (var c = 0; c < m.Copies; c++)
            foreach (var (name, values) in m.PerCopy)
                if (double.IsFinite(values[c])) tensorboard.add_scalar($"seed{ids[c]}/{name}", (float)values[c], step, null);
        foreach (var (name, value) in m.Scalars)
            if (double.IsFinite(value)) tensorboard.add_scalar(name, (float)value, step, null);
    }

    /// <summary>Writes a text entry to the TensorBoard files (if any).</summary>
    public void Text(string tag, string text, int step) => tensorboard?.add_text(tag, text, step, null);

    /// <summary>
    /// Keeps the header and the rows of updates up to <paramref name="update"/> (a resumed run rewrites what followed its
    /// checkpoint); a missing file is created empty.
    /// </summary>
    public static void Truncate(string csvPath, int update)
    {
        var lines = File.Exists(csvPath) ? File.ReadAllLines(csvPath) : Array.Empty<string>();
        if (lines.Length == 0) { AtomicFile.Write(csvPath, ""); return; }
        var kept = lines.Skip(1).Where(line => int.TryParse(line.Split(',')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) && u <= update);
        AtomicFile.Write(csvPath, string.Join("\n", new[] { lines[0] }.Concat(kept)) + "\n");
    }
}
