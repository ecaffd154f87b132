using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval knn</c>.</summary>
public sealed class EvalKnnSettings : CommandSettings
{
    /// <summary>Checkpoint file.</summary>
    [CommandOption("-c|--checkpoint <CKPT>")]
    [Description("Checkpoint written by [green]sslsharp pretrain[/] (e.g. runs/X/last.ckpt).")]
    public string Checkpoint { get; init; } = "";

    /// <summary>Data set override.</summary>
    [CommandOption("-d|--dataset <NAME>")]
    [Description("Evaluate on this data set instead of the one the checkpoint was trained on.")]
    public string? Dataset { get; init; }

    /// <summary>Data folder override.</summary>
    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the data set files.")]
    public string? DataDir { get; init; }

    /// <summary>Neighbour counts.</summary>
    [CommandOption("-k <K>")]
    [Description("Neighbour counts (repeat the option): default 20 and 200.")]
    public int[]? K { get; init; }

    /// <summary>Temperature.</summary>
    [CommandOption("-t|--temperature <T>")]
    [Description("Temperature of the exp(sim/T) vote weights.")]
    [DefaultValue(0.07)]
    public double Temperature { get; init; } = 0.07;

    /// <summary>Device.</summary>
    [CommandOption("--device <DEVICE>")]
    [Description("cpu or cuda.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Checkpoint)) return ValidationResult.Error("--checkpoint is required.");
        if (K is not null && K.Any(k => k <= 0)) return ValidationResult.Error("-k values must be positive.");
        if (Temperature <= 0) return ValidationResult.Error("--temperature must be positive.");
        return ValidationResult.Success();
    }
}
