using SslSharp.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Backbones;

/// <summary><see cref="VisionTransformer.EncodeMasked"/>: masked patch embeddings become the mask token before the
/// positions are added (iBOT's <c>mask_model</c>), so a masked patch's pixels cannot reach the output.</summary>
public class VitMaskedEncodeTests
{
    private static VisionTransformer Vit() => new(new VisionTransformerOptions
    {
        ImageSize = 8, PatchSize = 4, InChannels = 1, Dim = 8, Depth = 1, Heads = 2, MlpRatio = 2,
    }, seed: 3);

    [Fact]
    public void No_mask_gives_the_plain_tokens_and_masked_pixels_do_not_reach_the_output()
    {
        using var scope = NewDisposeScope();
        using var vit = Vit();
        vit.eval();
        var g = new Generator(5);
        var x = torch.randn(new long[] { 2, 1, 8, 8 }, generator: g);
        var token = torch.randn(new long[] { 1, 1, 8 }, generator: g);
        var none = torch.zeros(2, 4).to_type(ScalarType.Bool);
        Assert.True(torch.allclose(vit.EncodeTokens(x), vit.EncodeMasked(x, none, token), rtol: 1e-6, atol: 1e-6));

        var mask = torch.tensor(new[] { true, false, false, false, false, false, false, true }, new long[] { 2, 4 });
        var y = x.clone();
        y[0, 0, 0..4, 0..4] = torch.randn(new long[] { 4, 4 }, generator: g);   // image 0, patch 0 (masked)
        y[1, 0, 4..8, 4..8] = torch.randn(new long[] { 4, 4 }, generator: g);   // image 1, patch 3 (masked)
        Assert.True(torch.allclose(vit.EncodeMasked(x, mask, token), vit.EncodeMasked(y, mask, token), rtol: 1e-6, atol: 1e-6));
        Assert.False(torch.allclose(vit.EncodeTokens(x), vit.EncodeTokens(y), rtol: 1e-3, atol: 1e-4));

        // The token itself enters the blocks: another token changes the output.
        var other = torch.randn(new long[] { 1, 1, 8 }, generator: g);
        Assert.False(torch.allclose(vit.EncodeMasked(x, mask, token), vit.EncodeMasked(x, mask, other), rtol: 1e-3, atol: 1e-4));
    }

    [Fact]
    public void A_wrong_mask_or_token_fails_with_one_message()
    {
        using var scope = NewDisposeScope();
        using var vit = Vit();
        var x = torch.randn(2, 1, 8, 8);
        var e = Assert.Throws<ArgumentException>(() => vit.EncodeMasked(x, torch.zeros(2, 4), torch.zeros(8)));
        Assert.Contains("boolean [2, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => vit.EncodeMasked(x, torch.zeros(2, 4).to_type(ScalarType.Bool), torch.zeros(7)));
        Assert.Contains("width 8", e.Message);
    }
}
