using System.ComponentModel;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp methods</c>.</summary>
public sealed class MethodsSettings : CommonSettings, IJsonSettings
{
    /// <inheritdoc />
    [CommandOption("--json")]
    [Description("Print the methods (or one method with its settings and presets) as one JSON document on stdout.")]
    public bool Json { get; init; }

    /// <summary>A method to show in full (its presets), or null for the table of all methods.</summary>
    [CommandArgument(0, "[METHOD]")]
    [Description("Show one method in full: its description and its built-in presets.")]
    public string? Method { get; init; }

    /// <summary>Print only the names, one per line (for scripts).</summary>
    [CommandOption("--names")]
    [Description("Print only the method names, one per line (for scripts).")]
    public bool NamesOnly { get; init; }
}
