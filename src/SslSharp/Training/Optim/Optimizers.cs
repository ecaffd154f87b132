using SslSharp.Core;

namespace SslSharp.Training.Optim;

/// <summary>Builds an optimizer by name from <see cref="TrainerOptions"/>.</summary>
public static class Optimizers
{
    /// <summary>The optimizer names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "sgd", "adamw", "lars" };

    /// <summary>
    /// Creates <c>sgd</c> (momentum <see cref="TrainerOptions.Momentum"/>, no Nesterov),
    /// <c>adamw</c> (<see cref="TrainerOptions.Betas"/>) or <c>lars</c> (<see cref="TrainerOptions.LarsEta"/>)
    /// over <paramref name="groups"/>, with weight decay <see cref="TrainerOptions.WeightDecay"/> on the
    /// groups that take it.
    /// </summary>
    public static SslOptimizer Create(IReadOnlyList<ParameterGroup> groups, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Optimizer.ToLowerInvariant() switch
        {
            "sgd" => new Sgd(groups, options.BaseLr, options.Momentum, options.WeightDecay),
            "adamw" => new AdamWOptimizer(groups, options.BaseLr, options.Betas.Beta1, options.Betas.Beta2, options.WeightDecay),
            "lars" => new Lars(groups, options.BaseLr, options.Momentum, options.WeightDecay, options.LarsEta),
            _ => throw new ArgumentException(
                $"Unknown optimizer '{options.Optimizer}'. Use one of: {string.Join(", ", Names)}.", nameof(options)),
        };
    }
}
