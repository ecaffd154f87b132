using SslSharp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

public class ImageDatasetTests
{
    private static readonly string[] ThreeClasses = { "a", "b", "c" };

    /// <summary>n images 1x2x2 whose pixels all equal their index (mod 256); label = index mod 3.</summary>
    private static ImageDataset Numbered(int n)
    {
        var images = torch.arange(n, ScalarType.Int64).remainder(256).to_type(ScalarType.Byte).view(n, 1, 1, 1).expand(n, 1, 2, 2).contiguous();
        var labels = torch.arange(n, ScalarType.Int64).remainder(3);
        return new ImageDataset(images, labels, "numbered", ThreeClasses);
    }

    [Fact]
    public void Exposes_shape_and_classes()
    {
        using var d = Numbered(10);

        Assert.Equal(10, d.Count);
        Assert.Equal(1, d.Channels);
        Assert.Equal(2, d.Height);
        Assert.Equal(2, d.Width);
        Assert.Equal(3, d.NumClasses);
        Assert.Equal(ThreeClasses, d.ClassNames);
        Assert.Equal("numbered", d.Name);
    }

    [Fact]
    public void Constructor_rejects_float_images()
    {
        using var images = torch.zeros(4, 1, 2, 2);
        using var labels = torch.zeros(4, ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => new ImageDataset(images, labels, "x", ThreeClasses));
        Assert.Contains("uint8 [N, C, H, W]", e.Message);
    }

    [Fact]
    public void Constructor_rejects_3d_images()
    {
        using var images = torch.zeros(new long[] { 4, 2, 2 }, ScalarType.Byte);
        using var labels = torch.zeros(4, ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => new ImageDataset(images, labels, "x", ThreeClasses));
    }

    [Fact]
    public void Constructor_rejects_label_count_mismatch()
    {
        using var images = torch.zeros(new long[] { 4, 1, 2, 2 }, ScalarType.Byte);
        using var labels = torch.zeros(5, ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => new ImageDataset(images, labels, "x", ThreeClasses));
        Assert.Contains("4 images but 5 labels", e.Message);
    }

    [Fact]
    public void Constructor_rejects_int32_or_2d_labels()
    {
        using var images = torch.zeros(new long[] { 4, 1, 2, 2 }, ScalarType.Byte);
        using var int32 = torch.zeros(4, ScalarType.Int32);
        using var twoD = torch.zeros(new long[] { 4, 1 }, ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => new ImageDataset(images, int32, "x", ThreeClasses));
        Assert.Throws<ArgumentException>(() => new ImageDataset(images, twoD, "x", ThreeClasses));
    }

    [Fact]
    public void Constructor_rejects_labels_outside_the_classes()
    {
        using var images = torch.zeros(new long[] { 3, 1, 2, 2 }, ScalarType.Byte);
        using var labels = torch.tensor(new long[] { 0, 3, 1 });
        var e = Assert.Throws<ArgumentException>(() => new ImageDataset(images, labels, "x", ThreeClasses));
        Assert.Contains("[0, 3)", e.Message);
    }

    [Fact]
    public void Minus_one_marks_unlabelled_images()
    {
        var images = torch.zeros(new long[] { 3, 1, 2, 2 }, ScalarType.Byte);
        var labels = torch.tensor(new long[] { -1, -1, 2 });
        using var d = new ImageDataset(images, labels, "x", ThreeClasses);
        Assert.Equal(3, d.Count);
    }

    [Fact]
    public void Dataset_survives_the_dispose_scope_it_was_made_in()
    {
        ImageDataset d;
        using (torch.NewDisposeScope())
        {
            var images = torch.ones(new long[] { 2, 1, 2, 2 }, ScalarType.Byte);
            var labels = torch.zeros(2, ScalarType.Int64);
            d = new ImageDataset(images, labels, "scoped", ThreeClasses);
        }
        using (d)
        {
            Assert.False(d.Images.IsInvalid);
            Assert.Equal(8, d.Images.sum().item<long>());
        }
        Assert.True(d.Images.IsInvalid);
        Assert.True(d.Labels.IsInvalid);
    }

    [Fact]
    public void Subset_copies_the_chosen_images_in_order()
    {
        using var d = Numbered(10);

        using var s = d.Subset(new long[] { 7, 2, 2, 9 });

        Assert.Equal(4, s.Count);
        Assert.Equal(new long[] { 7, 2, 2, 9 }, s.Images[.., 0, 0, 0].to_type(ScalarType.Int64).data<long>().ToArray());
        Assert.Equal(new long[] { 1, 2, 2, 0 }, s.Labels.data<long>().ToArray());
        Assert.Equal(ThreeClasses, s.ClassNames);
    }

    [Fact]
    public void Subset_with_a_tensor_matches_subset_with_an_array()
    {
        using var d = Numbered(10);
        using var idx = torch.tensor(new long[] { 4, 1 });

        using var a = d.Subset(idx, "named");
        using var b = d.Subset(new long[] { 4, 1 });

        Assert.True(a.Images.eq(b.Images).all().item<bool>());
        Assert.Equal("named", a.Name);
        Assert.False(idx.IsInvalid); // the caller's index tensor is not consumed
    }

    [Fact]
    public void Subset_rejects_out_of_range_indices()
    {
        using var d = Numbered(10);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => d.Subset(new long[] { 0, 10 }));
        Assert.Contains("[0, 10)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Subset(new long[] { -1 }));
    }

    [Fact]
    public void SplitSeeded_gives_disjoint_covering_parts_that_depend_only_on_the_seed()
    {
        using var d = Numbered(100);

        var (a1, b1) = ImageDataset.SplitSeeded(d, 70, seed: 5);
        var (a2, b2) = ImageDataset.SplitSeeded(d, 70, seed: 5);
        var (a3, b3) = ImageDataset.SplitSeeded(d, 70, seed: 6);
        using (a1) using (b1) using (a2) using (b2) using (a3) using (b3)
        {
            long[] Ids(ImageDataset s) => s.Images[.., 0, 0, 0].to_type(ScalarType.Int64).data<long>().ToArray();
            Assert.Equal(70, a1.Count);
            Assert.Equal(30, b1.Count);
            Assert.Empty(Ids(a1).Intersect(Ids(b1)));
            Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), Ids(a1).Concat(Ids(b1)).Order());
            Assert.Equal(Ids(a1), Ids(a2));
            Assert.NotEqual(Ids(a1), Ids(a3));
            Assert.Equal(Ids(a1).Order(), Ids(a1)); // each part keeps the original order
            // Labels travel with their images.
            Assert.Equal(Ids(b1).Select(i => i % 3), b1.Labels.data<long>().ToArray());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public void SplitSeeded_rejects_empty_parts(int firstCount)
    {
        using var d = Numbered(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDataset.SplitSeeded(d, firstCount, 0));
    }
}
