using System.ComponentModel;
using Spectre.Console;
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

    /// <summary>Score on a seeded validation split of the training images instead of the test set.</summary>
    [CommandOption("--val-split <N>")]
    [Description("Hold out N training images (or a fraction below 1) with the run's seed, as [green]pretrain --val-split[/] does, train on the rest and score on them: the test set is not read. Choose settings this way; read the test set once, for the row you publish.")]
    public double? ValSplit { get; init; }

    /// <inheritdoc />
    internal override Runs.EvaluationData ToData() => base.ToData() with { ValSplit = ValSplit };

    /// <summary>The file stem of the result: <paramref name="stem"/>, with <c>_val</c> on a validation split (so that
    /// tuning never overwrites the test-set result).</summary>
    public string ReportName(string stem) => ValSplit is null ? stem : stem + "_val";

    /// <summary>Which images the scores come from, recorded in the result (<c>evaluated_on</c>).</summary>
    public string EvaluatedOn => ValSplit is { } v
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"validation split: {v} of the training images held out with the run's seed (as pretrain --val-split); the test set was not read")
        : "test split";

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        if (ValSplit is { } v && !(v > 0 && double.IsFinite(v) && (v < 1 || v == Math.Floor(v))))
            return ValidationResult.Error($"--val-split takes a count of images or a fraction between 0 and 1, got {v}.");
        return base.Validate();
    }
}
