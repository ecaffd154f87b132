using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;
using M = SslSharp.Tests.Losses.MimFixtures;

namespace SslSharp.Tests.Losses;

public class PatchesTests
{
    public static IEnumerable<object[]> Cases() => M.Names("patchify");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Patchify_matches_MAE_s_layout_and_unpatchify_inverts_it(string name)
    {
        var c = M.Case("patchify", name);
        long n = M.Int(c, "n"), ch = M.Int(c, "c"), h = M.Int(c, "height"), w = M.Int(c, "width"), p = M.Int(c, "p");
        using var scope = torch.NewDisposeScope();
        var images = M.Tensor(c, "images", n, ch, h, w);
        var expected = M.Tensor(c, "patches", n, (h / p) * (w / p), p * p * ch);
        var patches = Patches.Patchify(images, (int)p);
        Assert.True(patches.Same(expected), name);   // a pure rearrangement: exact
        Assert.True(Patches.Unpatchify(patches, (int)p, (int)h, (int)w).Same(images));
    }

    [Fact]
    public void Patch_order_is_row_major_and_pixels_inside_a_patch_are_row_col_channel()
    {
        // Hand-derived: 1 image, 2 channels, 4x4, patch 2: patch 1 is the top-right 2x2 block; its first entries are
        // pixel (0, 2) of channel 0 then of channel 1, then pixel (0, 3).
        var img = torch.arange(32, dtype: ScalarType.Float32).reshape(1, 2, 4, 4);
        var p = Patches.Patchify(img, 2);
        Assert.Equal(new long[] { 1, 4, 8 }, p.shape);
        Assert.Equal(new float[] { 2, 18, 3, 19, 6, 22, 7, 23 }, p[0, 1].data<float>().ToArray());
    }

    [Fact]
    public void Shapes_that_do_not_split_fail_clearly()
    {
        var e = Assert.Throws<ArgumentException>(() => Patches.Patchify(torch.zeros(1, 3, 10, 8), 4));
        Assert.Contains("multiples of the patch size", e.Message);
        Assert.Throws<ArgumentException>(() => Patches.Patchify(torch.zeros(3, 8, 8), 4));
        e = Assert.Throws<ArgumentException>(() => Patches.Unpatchify(torch.zeros(1, 5, 48), 4, 8, 8));
        Assert.Contains("[N, 4, 16 x C]", e.Message);
    }
}
