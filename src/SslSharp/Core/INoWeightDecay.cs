namespace SslSharp.Core;

/// <summary>
/// A module that names parameters which take no weight decay and no LARS adaptation although they have more
/// than one dimension (a ViT's position embedding <c>[1, L, D]</c>, its CLS token <c>[1, 1, D]</c>).
/// </summary>
/// <remarks>
/// The timm way (<c>VisionTransformer.no_weight_decay()</c> returning <c>{'pos_embed', 'cls_token', ...}</c>,
/// which MAE's and DINO's fine-tuning recipes read): <see cref="ParameterGroups.SplitDecay"/> puts every
/// parameter so named into the no-decay group, besides the one-dimensional ones it always puts there. Names are
/// relative to the declaring module (<c>pos_embed</c>, <c>blocks.0.ls1.gamma</c>); <c>*</c> stands for any
/// run of characters (<c>blocks.*.ls1.gamma</c>, <c>*.relative_position_bias_table</c>).
/// </remarks>
public interface INoWeightDecay
{
    /// <summary>Parameter names or <c>*</c> patterns, relative to this module, that take no weight decay.</summary>
    IEnumerable<string> NoWeightDecayNames { get; }
}
