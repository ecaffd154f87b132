using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>
/// Options of the commands that run a trained model over a data set (<c>eval *</c>, <c>embed</c>): the model, the data
/// and the device.
/// </summary>
public abstract class ModelDataSettings : CommonSettings
{
    /// <summary>Checkpoint file, run folder or safetensors export.</summary>
    [CommandOption("-c|--checkpoint|--init-from <CKPT>")]
    [Description("Checkpoint written by [green]sslsharp pretrain[/] (e.g. runs/X/last.ckpt), or a .safetensors file with its side JSON ([green]sslsharp export[/], or torchvision weights): the model to evaluate or fine-tune.")]
    public string Checkpoint { get; init; } = "";

    /// <summary>Data set override.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("Evaluate on this data set instead of the one the checkpoint was trained on.")]
    public string? Dataset { get; init; }

    /// <summary>Data folder override.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files.")]
    public string? DataDir { get; init; }

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <summary>Use only the first N training and test images (smoke runs and tests).</summary>
    [CommandOption("--limit <N>", IsHidden = true)]
    public int? Limit { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required.");
        if (Limit is < 2) return ValidationResult.Error("--limit must be at least 2.");
        return ValidationResult.Success();
    }
}
