using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp embed</c>.</summary>
public sealed class EmbedSettings : ModelDataSettings
{
    /// <summary>Output .npy file.</summary>
    [CommandOption("-o|--out <FILE>")]
    [Description("The .npy file of features [[N, D]] (float32); NAME.csv beside it says which image each row is.")]
    public string Out { get; init; } = "";

    /// <summary>Also write the projector's embeddings.</summary>
    [CommandOption("--projector")]
    [Description("Also write the projector's embeddings as NAME.projector.npy.")]
    public bool Projector { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } failed) return failed;
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (e.g. --out features.npy).");
        if (!Out.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error($"--out must name a .npy file, got '{Out}'.");
        return ValidationResult.Success();
    }
}
