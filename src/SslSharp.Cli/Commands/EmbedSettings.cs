using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp embed</c>.</summary>
public sealed class EmbedSettings : CommonSettings
{
    /// <summary>Checkpoint file or run folder.</summary>
    [CommandOption("-c|--checkpoint <CKPT>")]
    [Description("Checkpoint written by [green]sslsharp pretrain[/] (runs/X/last.ckpt, or the run folder).")]
    public string Checkpoint { get; init; } = "";

    /// <summary>Data set override.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("Embed this data set instead of the one the checkpoint was trained on.")]
    public string? Dataset { get; init; }

    /// <summary>Data folder override.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files.")]
    public string? DataDir { get; init; }

    /// <summary>Output .npy file.</summary>
    [CommandOption("-o|--out <FILE>")]
    [Description("The .npy file of features [N, D] (float32); NAME.csv beside it says which image each row is.")]
    public string Out { get; init; } = "";

    /// <summary>Also write the projector's embeddings.</summary>
    [CommandOption("--projector")]
    [Description("Also write the projector's embeddings as NAME.projector.npy.")]
    public bool Projector { get; init; }

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <summary>Only the first N images of each split (smoke runs and tests).</summary>
    [CommandOption("--limit <N>", IsHidden = true)]
    public int? Limit { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required.");
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (e.g. --out features.npy).");
        if (!Out.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)) return ValidationResult.Error($"--out must name a .npy file, got '{Out}'.");
        if (Limit is < 2) return ValidationResult.Error("--limit must be at least 2.");
        return ValidationResult.Success();
    }
}
