using System.ComponentModel;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options every <c>sslsharp eval</c> command shares: the model, the data and the device (<see cref="ModelDataSettings"/>), and where results go.</summary>
public class EvalSettings : ModelDataSettings, IJsonSettings
{
    /// <inheritdoc />
    [CommandOption("--json")]
    [Description("Print the result as one JSON document on stdout (the same as the <name>.json file); progress and tables go to stderr.")]
    public bool Json { get; init; }

    /// <summary>Output folder.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for the result files (<name>.json, <name>.md); default: the checkpoint's run folder.")]
    public string? Out { get; init; }
}
