using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>
/// Options of the commands that load a trained model and read a data set with it (<c>eval *</c>, <c>embed</c>): the
/// checkpoint, the data set and its folder, and the device.
/// </summary>
public abstract class CheckpointSettings : CommonSettings
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

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Checkpoint) ? ValidationResult.Error("--checkpoint is required.") : ValidationResult.Success();
}
