using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// A backbone that works on a grid of patch tokens (a Vision Transformer), as masked methods (MAE, I-JEPA, iBOT)
/// need it: it can encode only a subset of the patches and return every output token, not just the pooled feature.
/// </summary>
/// <remarks>
/// <para>An image <c>[N, C, H, W]</c> is cut into <see cref="GridSize"/> = <c>(H/p, W/p)</c> non-overlapping
/// <c>p x p</c> patches, <c>p</c> = <see cref="PatchSize"/>, numbered row by row: patch <c>i</c> sits at row
/// <c>i / GridSize.Width</c>, column <c>i % GridSize.Width</c>; <see cref="NumPatches"/> = <c>L</c> =
/// <c>GridSize.Height * GridSize.Width</c>. Each becomes a token of width <see cref="TokenDim"/> = <c>D</c>.</para>
/// <para>Two paths: the ordinary <see cref="IBackbone.forward"/> maps images <c>[N, C, H, W]</c> to the pooled
/// feature <c>[N, FeatureDim]</c> (CLS token or mean of the patch tokens, after the final norm), which evaluation
/// uses; <see cref="EncodeTokens"/> runs the encoder on the patches a masked method keeps and returns all output
/// tokens. MAE: <c>keep</c> from <c>Modules.Masking.TokenIndex.RandomMasking</c>, tokens to the decoder
/// (facebookresearch/mae <c>models_mae.py</c> <c>forward_encoder</c>: patch embedding, position embedding, keep
/// the subset, prepend the CLS token, blocks, norm).</para>
/// </remarks>
public interface ITokenBackbone : IBackbone
{
    /// <summary>Side <c>p</c> of the square patches, in pixels.</summary>
    int PatchSize { get; }

    /// <summary>Patches per column and per row, <c>(H/p, W/p)</c>, for the image size the backbone was built for.</summary>
    (int Height, int Width) GridSize { get; }

    /// <summary>Number of patch tokens <c>L</c> = <c>GridSize.Height * GridSize.Width</c>.</summary>
    int NumPatches { get; }

    /// <summary>Token width <c>D</c> of the encoder's output tokens.</summary>
    int TokenDim { get; }

    /// <summary>Whether the output starts with a CLS token (then <see cref="EncodeTokens"/> returns <c>1 + L_keep</c> tokens).</summary>
    bool HasClsToken { get; }

    /// <summary>
    /// Encodes the patches <paramref name="keep"/> of each image (all of them when null) and returns every output
    /// token after the final norm: <c>[N, 1 + L_keep, D]</c> with the CLS token first when <see cref="HasClsToken"/>,
    /// else <c>[N, L_keep, D]</c>; patch tokens in the order of <paramref name="keep"/>.
    /// </summary>
    /// <param name="images"><c>[N, C, H, W]</c> with <c>(H/p, W/p)</c> = <see cref="GridSize"/>.</param>
    /// <param name="keep">Patch indices <c>[N, L_keep]</c> (int64, each in <c>[0, L)</c>, no repeats within a row),
    /// possibly different per image; null: all <c>L</c> patches in grid order.</param>
    /// <exception cref="ArgumentException">Wrong image shape, or <paramref name="keep"/> is not <c>[N, L_keep]</c> int64.</exception>
    Tensor EncodeTokens(Tensor images, Tensor? keep = null);

    /// <summary>
    /// The feature <see cref="IBackbone.forward"/> returns, read from output tokens <c>[N, 1 + K, D]</c> (CLS first) of
    /// any <see cref="EncodeTokens"/> call: the CLS token, or the mean of the <c>K</c> patch tokens (the pooling the
    /// backbone was built with). <c>[N, D]</c>.
    /// </summary>
    /// <param name="tokens"><c>[N, 1 + K, D]</c>, CLS first.</param>
    Tensor Pool(Tensor tokens);
}
