using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace SslSharp.Core;

/// <summary>Builds the standard parameter groups of SSL recipes.</summary>
public static class ParameterGroups
{
    /// <summary>
    /// Splits the trainable parameters of <paramref name="module"/> into weights (weight decay and
    /// LARS adaptation on) and biases / normalisation parameters (both off).
    /// </summary>
    /// <remarks>
    /// Follows the rule of the reference code (MoCo v3 <c>exclude_bias_and_norm</c>, DINO
    /// <c>get_params_groups</c>, BYOL): every parameter with fewer than two dimensions, i.e. biases
    /// and BatchNorm/LayerNorm scales and shifts, is excluded. Frozen parameters are skipped.
    /// </remarks>
    public static IReadOnlyList<ParameterGroup> SplitDecay(Module module, string prefix = "")
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (_, p) in module.named_parameters())
        {
            if (!p.requires_grad) continue;
            (p.dim() <= 1 ? noDecay : decay).Add(p);
        }
        var groups = new List<ParameterGroup>();
        if (decay.Count > 0) groups.Add(new ParameterGroup(prefix + "weights", decay));
        if (noDecay.Count > 0) groups.Add(new ParameterGroup(prefix + "bias_norm", noDecay, WeightDecay: false, LarsAdaptation: false));
        return groups;
    }
}
