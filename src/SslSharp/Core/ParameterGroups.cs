using System.Text.RegularExpressions;
using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace SslSharp.Core;

/// <summary>Builds the standard parameter groups of SSL recipes.</summary>
public static class ParameterGroups
{
    /// <summary>
    /// Splits the trainable parameters of <paramref name="module"/> into weights (weight decay and
    /// LARS adaptation on) and biases / normalisation parameters / named exceptions (both off).
    /// </summary>
    /// <remarks>
    /// <para>Follows the rule of the reference code (MoCo v3 <c>exclude_bias_and_norm</c>, DINO
    /// <c>get_params_groups</c>, BYOL): every parameter with fewer than two dimensions, i.e. biases
    /// and BatchNorm/LayerNorm scales and shifts, is excluded. So is every parameter that a module
    /// implementing <see cref="INoWeightDecay"/> (<paramref name="module"/> itself or any sub-module) names,
    /// matched against the parameter's name relative to that module (timm's <c>no_weight_decay()</c>: a
    /// ViT's <c>pos_embed</c> and <c>cls_token</c>). Frozen parameters are skipped.</para>
    /// <para>Both groups keep the order of <c>named_parameters()</c> (the optimizer state in checkpoints
    /// follows it); the no-decay group is named <c>bias_norm</c> and comes second.</para>
    /// </remarks>
    /// <param name="module">The module whose parameters are split.</param>
    /// <param name="prefix">Put in front of the group names (<c>weights</c>, <c>bias_norm</c>).</param>
    public static IReadOnlyList<ParameterGroup> SplitDecay(Module module, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        var named = NamedNoDecay(module);
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (_, p) in module.named_parameters())
        {
            if (!p.requires_grad) continue;
            (p.dim() <= 1 || named.Contains(p.Handle) ? noDecay : decay).Add(p);
        }
        var groups = new List<ParameterGroup>();
        if (decay.Count > 0) groups.Add(new ParameterGroup(prefix + "weights", decay));
        if (noDecay.Count > 0) groups.Add(new ParameterGroup(prefix + "bias_norm", noDecay, WeightDecay: false, LarsAdaptation: false));
        return groups;
    }

    /// <summary>
    /// Layer-wise learning-rate decay combined with the weight-decay split of <see cref="SplitDecay"/>: the
    /// parameters of layer <c>id</c> (<see cref="ILayerIds.LayerId"/>) get the lr scale <c>decay^(L + 1 - id)</c>,
    /// <c>L</c> = <see cref="ILayerIds.LayerCount"/>, so the last layer trains at the full rate and the embedding at
    /// <c>decay^(L + 1)</c>.
    /// </summary>
    /// <remarks>BEiT (Bao et al. 2022) and MAE fine-tuning (facebookresearch/mae <c>util/lr_decay.py</c>
    /// <c>param_groups_lrd</c>; 0.65 for ViT-B, 0.75 for ViT-L). Groups come in order of layer id, the weights before
    /// the no-decay parameters of the same layer, named <c>{prefix}layer{id}.weights</c> and
    /// <c>{prefix}layer{id}.bias_norm</c>; within a group parameters keep the order of <c>named_parameters()</c>.
    /// Frozen parameters are skipped; empty groups are left out.</remarks>
    /// <param name="module">The module whose parameters are grouped; it numbers its own layers (<see cref="ILayerIds"/>).</param>
    /// <param name="decay">Decay per layer in <c>(0, 1]</c> (1: no decay).</param>
    /// <param name="prefix">Put in front of the group names.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decay"/> is outside <c>(0, 1]</c>.</exception>
    /// <exception cref="ArgumentException"><paramref name="module"/> does not number its layers.</exception>
    public static IReadOnlyList<ParameterGroup> LayerDecay(Module module, double decay, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module is not ILayerIds layers)
            throw new ArgumentException(
                $"Layer-wise lr decay needs a backbone with numbered layers (a Vision Transformer); {module.GetName()} has none. Leave the layer decay unset.",
                nameof(module));
        if (!(decay > 0 && decay <= 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The layer-wise lr decay must be in (0, 1], e.g. 0.65 for ViT-B (MAE) or 0.75.");
        var named = NamedNoDecay(module);
        int top = layers.LayerCount + 1;
        var buckets = new SortedDictionary<(int Id, bool NoDecay), List<Parameter>>();
        foreach (var (name, p) in module.named_parameters())
        {
            if (!p.requires_grad) continue;
            int id = layers.LayerId(name);
            if (id < 0 || id > top)
                throw new InvalidOperationException($"{module.GetName()} puts parameter '{name}' at layer {id}, outside 0..{top}.");
            var key = (id, p.dim() <= 1 || named.Contains(p.Handle));
            if (!buckets.TryGetValue(key, out var list)) buckets[key] = list = new List<Parameter>();
            list.Add(p);
        }
        return buckets.Select(kv => new ParameterGroup(
            $"{prefix}layer{kv.Key.Id}.{(kv.Key.NoDecay ? "bias_norm" : "weights")}", kv.Value,
            WeightDecay: !kv.Key.NoDecay, LarsAdaptation: !kv.Key.NoDecay, LrScale: Math.Pow(decay, top - kv.Key.Id))).ToList();
    }

    /// <summary>Handles of the parameters that the <see cref="INoWeightDecay"/> modules in <paramref name="module"/> name.</summary>
    private static HashSet<IntPtr> NamedNoDecay(Module module)
    {
        var handles = new HashSet<IntPtr>();
        foreach (var m in module.named_modules().Select(nm => nm.module).Prepend(module))
        {
            if (m is not INoWeightDecay declares) continue;
            var patterns = declares.NoWeightDecayNames.Select(Pattern).ToList();
            foreach (var (name, p) in m.named_parameters())
                if (patterns.Any(r => r.IsMatch(name))) handles.Add(p.Handle);
        }
        return handles;
    }

    private static Regex Pattern(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A no-weight-decay name is empty; give a parameter name such as 'pos_embed' or a pattern such as 'blocks.*.gamma'.", nameof(name));
        return new Regex("^" + Regex.Escape(name).Replace(@"\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);
    }
}
