using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>Options of <c>sslsharp eval knn</c>.</summary>
public sealed class EvalKnnSettings : EvalSettings
{
    /// <summary>Neighbour counts.</summary>
    [CommandOption("-k <K>")]
    [Description("Neighbour counts (repeat the option): default 20 and 200.")]
    public int[]? K { get; init; }

    /// <summary>Temperature.</summary>
    [CommandOption("-t|--temperature <T>")]
    [Description("Temperature of the exp(sim/T) vote weights.")]
    [DefaultValue(0.07)]
    public double Temperature { get; init; } = 0.07;

    /// <summary>Voting rule.</summary>
    [CommandOption("--vote <RULE>")]
    [Description("weighted (exp(sim/T)), majority (one vote per neighbour) or both.")]
    [DefaultValue("both")]
    public string Vote { get; init; } = "both";

    /// <summary>kNN on the raw pixels instead of the encoder (the baseline).</summary>
    [CommandOption("--raw-pixels")]
    [Description("Use the flattened pixels (/255) of the same images instead of the checkpoint's encoder: the raw-pixel baseline on this data set and split. The checkpoint only picks the data set and split. Results go to knn_pixels.json.")]
    public bool RawPixels { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate()
    {
        var basic = base.Validate();
        if (!basic.Successful) return basic;
        if (K is not null && K.Any(k => k <= 0)) return ValidationResult.Error("-k values must be positive.");
        if (Temperature <= 0) return ValidationResult.Error("--temperature must be positive.");
        if (Vote is not ("weighted" or "majority" or "both")) return ValidationResult.Error("--vote must be weighted, majority or both.");
        return ValidationResult.Success();
    }
}
