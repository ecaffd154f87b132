using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp export</c>.</summary>
public sealed class ExportSettings : CommonSettings
{
    /// <summary>Checkpoint file or run folder.</summary>
    [CommandOption("-c|--checkpoint <CKPT>")]
    [Description("Checkpoint written by [green]sslsharp pretrain[/] (runs/X/last.ckpt, or the run folder).")]
    public string Checkpoint { get; init; } = "";

    /// <summary>The safetensors file to write.</summary>
    [CommandOption("-o|--out <FILE>")]
    [Description("The .safetensors file to write; NAME.json beside it describes the network.")]
    public string Out { get; init; } = "";

    /// <summary>Also export the projector.</summary>
    [CommandOption("--projector")]
    [Description("Also write the projector (its tensors prefixed 'projector.').")]
    public bool Projector { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required.");
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (e.g. --out model.safetensors).");
        if (!Out.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            return ValidationResult.Error($"--out must name a .safetensors file, got '{Out}'.");
        return ValidationResult.Success();
    }
}
