using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace SslSharp.Core;

/// <summary>
/// A set of parameters that share optimizer treatment.
/// </summary>
/// <param name="Name">Readable name for logs (e.g. "weights", "no_decay", "predictor").</param>
/// <param name="Parameters">The parameters in this group.</param>
/// <param name="WeightDecay">Whether weight decay applies. Biases and norm parameters get false.</param>
/// <param name="LarsAdaptation">Whether LARS trust-ratio adaptation applies (false for biases and norms).</param>
/// <param name="LrScale">Multiplier on the scheduled learning rate (e.g. Barlow Twins' bias lr).</param>
/// <param name="FixedLr">
/// True when the group keeps its base lr instead of following the schedule (SimSiam's
/// fix-pred-lr).
/// </param>
public sealed record ParameterGroup(
    string Name,
    IReadOnlyList<Parameter> Parameters,
    bool WeightDecay = true,
    bool LarsAdaptation = true,
    double LrScale = 1.0,
    bool FixedLr = false);
