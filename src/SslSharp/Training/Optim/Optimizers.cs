using SslSharp.Core;

namespace SslSharp.Training.Optim;

/// <summary>Builds an optimizer by name from <see cref="TrainerOptions"/>.</summary>
public static class Optimizers
{
    /// <summary>The optimizer names configs and the command line use: <see cref="OptimizerKind"/> in lower case.</summary>
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<OptimizerKind>().Select(NameOf).ToArray();

    /// <summary>The config name of <paramref name="kind"/> (<c>sgd</c>, <c>adamw</c>, <c>lars</c>).</summary>
    public static string NameOf(OptimizerKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The optimizer called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known ones).</exception>
    public static OptimizerKind Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Enum.GetValues<OptimizerKind>().FirstOrDefault(k => NameOf(k) == name.Trim().ToLowerInvariant(), (OptimizerKind)(-1)) is var kind
               && Enum.IsDefined(kind)
            ? kind
            : throw new ArgumentException($"Unknown optimizer '{name}'. Known optimizers: {string.Join(", ", Names)}.");
    }

    /// <summary>
    /// Creates <c>sgd</c> (momentum <see cref="TrainerOptions.Momentum"/>, no Nesterov),
    /// <c>adamw</c> (<see cref="TrainerOptions.Betas"/>) or <c>lars</c> (<see cref="TrainerOptions.LarsEta"/>)
    /// over <paramref name="groups"/>, with weight decay <see cref="TrainerOptions.WeightDecay"/> on the
    /// groups that take it.
    /// </summary>
    public static SslOptimizer Create(IReadOnlyList<ParameterGroup> groups, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Optimizer switch
        {
            OptimizerKind.Sgd => new Sgd(groups, options.BaseLr, options.Momentum, options.WeightDecay),
            OptimizerKind.AdamW => new AdamWOptimizer(groups, options.BaseLr, options.Betas.Beta1, options.Betas.Beta2, options.WeightDecay),
            OptimizerKind.Lars => new Lars(groups, options.BaseLr, options.Momentum, options.WeightDecay, options.LarsEta),
            _ => throw new ArgumentException(
                $"Unknown optimizer {(int)options.Optimizer}. Use one of: {string.Join(", ", Names)}.", nameof(options)),
        };
    }
}
