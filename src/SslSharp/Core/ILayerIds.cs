namespace SslSharp.Core;

/// <summary>
/// A module whose parameters sit at numbered depths, for layer-wise learning-rate decay
/// (<see cref="ParameterGroups.LayerDecay"/>).
/// </summary>
/// <remarks>BEiT / MAE fine-tuning (<c>util/lr_decay.py</c> <c>get_layer_id_for_vit</c>): the embedding is layer 0,
/// transformer block <c>i</c> is layer <c>i + 1</c>, everything after the last block is layer <c>L + 1</c>.</remarks>
public interface ILayerIds
{
    /// <summary>Number of blocks <c>L</c>; layer ids run from 0 to <c>L + 1</c>.</summary>
    int LayerCount { get; }

    /// <summary>The layer id (0 to <see cref="LayerCount"/> + 1) of the parameter <paramref name="name"/>, relative to this module.</summary>
    int LayerId(string name);
}
