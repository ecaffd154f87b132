namespace SslSharp.Methods;

/// <summary>
/// Marks an init property of a method options record as a setting that <see cref="MethodOptionsBinder"/> reads from
/// <see cref="MethodSettings"/> and that <c>sslsharp methods NAME</c> lists with its default and <see cref="Description"/>.
/// </summary>
/// <remarks>The setting name is the property name in snake_case (<c>WarmupTeacherTempEpochs</c> =
/// <c>warmup_teacher_temp_epochs</c>) unless <see cref="Name"/> gives another.</remarks>
/// <param name="description">One line on what the setting does, for <c>sslsharp methods NAME</c>.</param>
[AttributeUsage(AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
public sealed class SettingAttribute(string description) : Attribute
{
    /// <summary>One line on what the setting does.</summary>
    public string Description { get; } = description ?? throw new ArgumentNullException(nameof(description));

    /// <summary>The setting's name when it is not the property name in snake_case (null: derived).</summary>
    public string? Name { get; init; }

    /// <summary>What the default means when the initial value is null (e.g. <c>&lt;backbone width&gt;</c>); required
    /// for nullable settings, ignored otherwise.</summary>
    public string? DefaultText { get; init; }
}
