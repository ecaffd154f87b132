using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval rank</c>: the checkpoint, data and device (<see cref="CheckpointSettings"/>) and the subset.</summary>
public sealed class EvalRankSettings : CheckpointSettings
{
    /// <summary>Subset size.</summary>
    [CommandOption("-n|--samples <N>")]
    [Description("Training images in the seeded subset (the run's diagnostics use 2000).")]
    [DefaultValue(2000)]
    public int Samples { get; init; } = 2000;

    /// <summary>Seed of the subset.</summary>
    [CommandOption("--seed <N>")]
    [Description("Seed of the subset and the augmented views. Default: the run's seed (then the numbers match the run's final diagnostics).")]
    public long? Seed { get; init; }

    /// <summary>Skip the rotation score.</summary>
    [CommandOption("--no-rotation")]
    [Description("Skip the rotation-prediction score (4 more feature passes).")]
    public bool NoRotation { get; init; }

    /// <summary>Output folder.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for rank.json and rank.md. Default: the checkpoint's folder.")]
    public string? Out { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } failed) return failed;
        if (Samples < 4) return ValidationResult.Error("--samples must be at least 4.");
        return ValidationResult.Success();
    }
}
