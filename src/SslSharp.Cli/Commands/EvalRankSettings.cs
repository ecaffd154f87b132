using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval rank</c>.</summary>
public sealed class EvalRankSettings : CommonSettings
{
    /// <summary>Checkpoint file.</summary>
    [CommandOption("-c|--checkpoint|--init-from <CKPT>")]
    [Description("Checkpoint written by [green]sslsharp pretrain[/] (e.g. runs/X/last.ckpt), or a .safetensors export with its side JSON.")]
    public string Checkpoint { get; init; } = "";

    /// <summary>Data set override.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("Use this data set's training images instead of the one the checkpoint was trained on.")]
    public string? Dataset { get; init; }

    /// <summary>Data folder override.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files.")]
    public string? DataDir { get; init; }

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

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <summary>Output folder.</summary>
    [CommandOption("-o|--out <DIR>")]
    [Description("Folder for rank.json and rank.md. Default: the checkpoint's folder.")]
    public string? Out { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required.");
        if (Samples < 4) return ValidationResult.Error("--samples must be at least 4.");
        return ValidationResult.Success();
    }
}
