using System.Globalization;
using System.Reflection;
using System.Text;

namespace SslSharp.Methods;

/// <summary>
/// Reads a method's typed options record from <see cref="MethodSettings"/> by reflection, and describes the record's
/// settings (name, default, description) for <see cref="MethodRegistry"/> and <c>sslsharp methods NAME</c>.
/// </summary>
/// <remarks>
/// <para>A setting is a public init (or set) property carrying <see cref="SettingAttribute"/>; its initial value in
/// the record is the default, written only there. Types: <c>int</c>, <c>long</c>, <c>double</c>, <c>bool</c>, their
/// nullable forms (null: the default depends on something else, see <see cref="SettingAttribute.DefaultText"/>), and
/// enums, given as the member name in kebab-case (<c>NegativeMining.SemiHard</c> = <c>semi-hard</c>; messages list the
/// members in declaration order).</para>
/// <para>Keys are case-insensitive and <c>-</c> equals <c>_</c>; a key the record does not have fails with the list
/// of known settings (<see cref="MethodSettings.ThrowIfUnused"/>).</para>
/// </remarks>
public static class MethodOptionsBinder
{
    /// <summary>Binds <typeparamref name="TOptions"/> from <paramref name="settings"/>: each setting given replaces
    /// the record's initial value.</summary>
    /// <param name="settings">The string settings (from a preset or the command line).</param>
    /// <param name="method">The method name, for error messages.</param>
    /// <exception cref="ArgumentException">A value does not parse, or a key is unknown (the message lists the known
    /// settings).</exception>
    public static TOptions Bind<TOptions>(MethodSettings settings, string method) where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(method);
        var options = new TOptions();
        var properties = Properties(typeof(TOptions));
        foreach (var (property, name) in properties)
        {
            object? current = property.GetValue(options);
            object? value = Read(settings, name, property.PropertyType, current);
            if (!Equals(value, current)) property.SetValue(options, value);
        }
        settings.ThrowIfUnused(method, properties.Select(p => p.Name));
        return options;
    }

    /// <summary>The settings of <paramref name="optionsType"/>, in declaration order (base record first), with the
    /// defaults of a freshly constructed record.</summary>
    /// <exception cref="InvalidOperationException">The type has no parameterless constructor, a public settable
    /// property lacks <see cref="SettingAttribute"/>, or a nullable setting lacks its default text.</exception>
    public static IReadOnlyList<MethodSettingInfo> Settings(Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        var instance = Activator.CreateInstance(optionsType)
            ?? throw new InvalidOperationException($"{optionsType.Name} needs a public parameterless constructor.");
        return Properties(optionsType).Select(p =>
        {
            var attribute = p.Property.GetCustomAttribute<SettingAttribute>()!;
            object? value = p.Property.GetValue(instance);
            string text = value is null
                ? attribute.DefaultText ?? throw new InvalidOperationException(
                    $"{optionsType.Name}.{p.Property.Name} is null by default; say what that means with [Setting(DefaultText = ...)].")
                : Format(value);
            return new MethodSettingInfo(p.Name, text, attribute.Description);
        }).ToArray();
    }

    /// <summary>The description of a method from its options record: family and paper from its
    /// <see cref="MethodDocAttribute"/>, <c>name=default</c> text and the settings from <see cref="Settings"/>.</summary>
    /// <exception cref="InvalidOperationException">The record lacks <see cref="MethodDocAttribute"/> (or see
    /// <see cref="Settings"/>).</exception>
    public static MethodDescription Describe(Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        var doc = optionsType.GetCustomAttribute<MethodDocAttribute>(inherit: false)
            ?? throw new InvalidOperationException($"{optionsType.Name} needs a [MethodDoc(family, paper)] attribute.");
        var settings = Settings(optionsType);
        return new MethodDescription(doc.Family, doc.Paper, string.Join(" ", settings.Select(s => $"{s.Name}={s.Default}")), settings);
    }

    /// <summary>The setting name of a property name: snake_case (<c>WarmupTeacherTempEpochs</c> =
    /// <c>warmup_teacher_temp_epochs</c>).</summary>
    public static string SnakeCase(string propertyName) => Separate(propertyName, '_');

    /// <summary>The setting text of an enum member: kebab-case (<c>SemiHard</c> = <c>semi-hard</c>).</summary>
    public static string KebabCase(string memberName) => Separate(memberName, '-');

    private static string Separate(string name, char separator)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                sb.Append(separator);
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    private static List<(PropertyInfo Property, string Name)> Properties(Type type)
    {
        var result = new List<(PropertyInfo, string)>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .OrderBy(p => Depth(p.DeclaringType!)).ThenBy(p => p.MetadataToken))
        {
            if (property.SetMethod is not { IsPublic: true }) continue;
            var attribute = property.GetCustomAttribute<SettingAttribute>()
                ?? throw new InvalidOperationException(
                    $"{type.Name}.{property.Name} is a public settable property without [Setting(description)]; every option is a setting.");
            result.Add((property, attribute.Name ?? SnakeCase(property.Name)));
        }
        return result;
    }

    private static int Depth(Type type)
    {
        int depth = 0;
        for (var t = type.BaseType; t is not null; t = t.BaseType) depth++;
        return depth;
    }

    private static object? Read(MethodSettings settings, string name, Type type, object? current)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        var t = underlying ?? type;
        if (t == typeof(int))
            return underlying is null ? settings.GetInt(name, (int)current!) : settings.GetInt(name, (int?)current);
        if (t == typeof(long))
            return underlying is null ? settings.GetLong(name, (long)current!) : settings.GetLong(name, (long?)current);
        if (t == typeof(double))
            return underlying is null ? settings.GetDouble(name, (double)current!) : settings.GetDouble(name, (double?)current);
        if (t == typeof(bool))
        {
            if (underlying is null) return settings.GetBool(name, (bool)current!);
            return settings.GetBool(name, (bool?)current);
        }
        if (t.IsEnum)
        {
            var members = t.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToArray();   // declaration order
            var choices = members.Select(KebabCase).ToArray();
            string? currentText = current is null ? null : KebabCase(Enum.GetName(t, current)!);
            string? chosen = settings.GetChoice(name, currentText, choices);
            return chosen is null ? null : Enum.Parse(t, members[Array.IndexOf(choices, chosen)]);
        }
        throw new InvalidOperationException($"Setting '{name}' has type {type.Name}, which the binder cannot read.");
    }

    private static string Format(object value) => value switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        Enum e => KebabCase(e.ToString()),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
