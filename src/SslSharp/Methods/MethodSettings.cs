using System.Globalization;

namespace SslSharp.Methods;

/// <summary>
/// String-valued method hyper-parameters (from the command line or a YAML preset) read as typed values
/// by a <see cref="MethodRegistry"/> factory; keys a factory never reads are reported as errors.
/// </summary>
/// <remarks>Keys are case-insensitive and <c>-</c> equals <c>_</c> (<c>hidden-dim</c> = <c>hidden_dim</c>).
/// Numbers use the invariant culture.</remarks>
public sealed class MethodSettings
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> originalKeys = new(StringComparer.Ordinal);

    /// <summary>Creates settings from key/value pairs (null: none).</summary>
    /// <exception cref="ArgumentException">Two keys are the same after normalisation.</exception>
    public MethodSettings(IEnumerable<KeyValuePair<string, string>>? values = null)
    {
        if (values is null) return;
        foreach (var (key, value) in values)
        {
            var k = Normalize(key);
            if (!this.values.TryAdd(k, value))
                throw new ArgumentException($"Method setting '{key}' is given twice.", nameof(values));
            originalKeys[k] = key;
        }
    }

    /// <summary>No settings: every factory uses its defaults.</summary>
    public static MethodSettings Empty => new();

    /// <summary>Reads a floating-point setting, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not a number.</exception>
    public double GetDouble(string key, double defaultValue)
    {
        if (!TryGet(key, out var s)) return defaultValue;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new ArgumentException($"Method setting '{key}' must be a number but is '{s}'.");
        return v;
    }

    /// <summary>Reads an integer setting, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not an integer.</exception>
    public int? GetInt(string key, int? defaultValue)
    {
        if (!TryGet(key, out var s)) return defaultValue;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new ArgumentException($"Method setting '{key}' must be an integer but is '{s}'.");
        return v;
    }

    /// <summary>Reads a floating-point setting, or <paramref name="defaultValue"/> (possibly null) when absent.</summary>
    /// <exception cref="ArgumentException">The value is not a number.</exception>
    public double? GetDouble(string key, double? defaultValue) =>
        TryGet(key, out _) ? GetDouble(key, 0.0) : defaultValue;

    /// <summary>Reads a 64-bit integer setting, or <paramref name="defaultValue"/> (possibly null) when absent.</summary>
    /// <exception cref="ArgumentException">The value is not an integer.</exception>
    public long? GetLong(string key, long? defaultValue) =>
        TryGet(key, out _) ? GetLong(key, 0L) : defaultValue;

    /// <summary>Reads a boolean setting, or <paramref name="defaultValue"/> (possibly null) when absent.</summary>
    /// <exception cref="ArgumentException">The value is not a boolean.</exception>
    public bool? GetBool(string key, bool? defaultValue) =>
        TryGet(key, out _) ? GetBool(key, false) : defaultValue;

    /// <summary>Binds a method's typed options record (see <see cref="MethodOptionsBinder.Bind{TOptions}"/>): every
    /// setting given replaces the record's default; an unknown key fails with the list of known settings.</summary>
    /// <param name="method">The method name, for error messages.</param>
    /// <exception cref="ArgumentException">A value does not parse or a key is unknown.</exception>
    public TOptions Bind<TOptions>(string method) where TOptions : class, new() => MethodOptionsBinder.Bind<TOptions>(this, method);

    /// <summary>Reads an integer setting, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not an integer.</exception>
    public int GetInt(string key, int defaultValue) => GetInt(key, (int?)defaultValue)!.Value;

    /// <summary>Reads a 64-bit integer setting, or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not an integer.</exception>
    public long GetLong(string key, long defaultValue)
    {
        if (!TryGet(key, out var s)) return defaultValue;
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new ArgumentException($"Method setting '{key}' must be an integer but is '{s}'.");
        return v;
    }

    /// <summary>Reads a boolean setting (<c>true/false/1/0/yes/no</c>), or <paramref name="defaultValue"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not a boolean.</exception>
    public bool GetBool(string key, bool defaultValue)
    {
        if (!TryGet(key, out var s)) return defaultValue;
        return s.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw new ArgumentException($"Method setting '{key}' must be true or false but is '{s}'."),
        };
    }

    /// <summary>Reads a setting that must be one of <paramref name="choices"/> (case-insensitive; <c>-</c> equals
    /// <c>_</c>), or <paramref name="defaultValue"/> when absent.</summary>
    /// <returns>The matching entry of <paramref name="choices"/>.</returns>
    /// <exception cref="ArgumentException">The value is none of the choices.</exception>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(defaultValue))]
    public string? GetChoice(string key, string? defaultValue, params string[] choices)
    {
        if (!TryGet(key, out var s)) return defaultValue;
        return choices.FirstOrDefault(c => Normalize(c) == Normalize(s))
            ?? throw new ArgumentException($"Method setting '{key}' must be one of {string.Join(", ", choices)} but is '{s}'.");
    }

    /// <summary>Throws when a setting was given that the factory of <paramref name="method"/> never read.</summary>
    /// <param name="method">The method name, for the message.</param>
    /// <param name="known">The keys the method understands, for the message.</param>
    /// <exception cref="ArgumentException">Some settings were not used.</exception>
    public void ThrowIfUnused(string method, IEnumerable<string> known)
    {
        var unused = values.Keys.Where(k => !read.Contains(k)).Select(k => originalKeys[k]).ToList();
        if (unused.Count > 0)
            throw new ArgumentException(
                $"Method '{method}' does not understand the setting(s) {string.Join(", ", unused.Select(u => $"'{u}'"))}. " +
                $"Known settings: {string.Join(", ", known)}.");
    }

    private bool TryGet(string key, out string value)
    {
        var k = Normalize(key);
        read.Add(k);
        return values.TryGetValue(k, out value!);
    }

    private static string Normalize(string key) => key.Trim().Replace('-', '_').ToLowerInvariant();
}
