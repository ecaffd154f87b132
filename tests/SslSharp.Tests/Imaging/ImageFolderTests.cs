using SkiaSharp;
using SslSharp.Data;
using SslSharp.Imaging;
using SslSharp.Tests.Data;

namespace SslSharp.Tests.Imaging;

/// <summary><see cref="ImageFolder"/> on folders of PNG and JPEG files written here, decoded by <see cref="SkiaImageDecoder"/>.</summary>
public class ImageFolderTests
{
    private static readonly SkiaImageDecoder Decoder = SkiaImageDecoder.Instance;

    /// <summary>cats/ (3 PNG, 1 JPEG, a truncated JPEG, a zero-byte PNG) and dogs/ (2 PNG), plus a hidden folder and a text file.</summary>
    private static void WriteClasses(string root)
    {
        for (int i = 0; i < 3; i++) ImageFiles.Solid(Path.Combine(root, "cats", $"c{i}.png"), new SKColor((byte)(10 + i), 0, 0));
        ImageFiles.Solid(Path.Combine(root, "cats", "c3.JPG"), new SKColor(200, 200, 200), 16, SKEncodedImageFormat.Jpeg);
        var broken = ImageFiles.Write(Path.Combine(root, "cats", "broken.jpg"), 64, 64, (x, y) => new SKColor((byte)(x * 5), (byte)(y * 3), (byte)(x ^ y)), SKEncodedImageFormat.Jpeg, 95);
        File.WriteAllBytes(broken, File.ReadAllBytes(broken)[..200]);
        File.WriteAllBytes(Path.Combine(root, "cats", "empty.png"), []);
        for (int i = 0; i < 2; i++) ImageFiles.Solid(Path.Combine(root, "dogs", $"d{i}.png"), new SKColor(0, 0, (byte)(100 + i)));
        ImageFiles.Solid(Path.Combine(root, ".thumbnails", "t.png"), SKColors.White);
        File.WriteAllText(Path.Combine(root, "dogs", "notes.txt"), "not an image");
    }

    [Fact]
    public void Class_sub_folders_give_sorted_labels_and_unreadable_files_are_skipped_with_a_count()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteClasses(dir.Path);
        var listing = ImageFolder.List(dir.Path);
        Assert.Equal(new[] { "cats", "dogs" }, listing.ClassNames);
        Assert.Equal(8, listing.Files.Count);   // 6 cats (2 unreadable) + 2 dogs; no .txt, nothing hidden
        var warnings = new List<string>();

        using var data = ImageFolder.Read(listing, "pets", Decoder, new ImageFolderOptions(ImageSize: 8), warnings.Add);

        Assert.Equal(6, data.Count);
        Assert.Equal(new long[] { 6, 3, 8, 8 }, data.Images.shape);
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1 }, data.Labels.data<long>().ToArray());
        // files in ordinal order within a class: broken.jpg, c0.png, c1.png, c2.png, c3.JPG, empty.png
        Assert.Equal(10, data.Images[0, 0, 4, 4].item<byte>());
        Assert.Equal(12, data.Images[2, 0, 0, 7].item<byte>());
        Assert.InRange(data.Images[3, 1, 3, 3].item<byte>(), 190, 210);   // the JPEG
        Assert.Equal(101, data.Images[5, 2, 7, 0].item<byte>());
        Assert.Equal(3, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("broken.jpg") && w.Contains("truncated"));
        Assert.Contains(warnings, w => w.Contains("empty.png") && w.Contains("empty"));
        Assert.Contains("2 of 8 image files", warnings[^1]);
    }

    [Fact]
    public void Strict_stops_at_the_first_unreadable_file_naming_it()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteClasses(dir.Path);

        var e = Assert.Throws<InvalidDataException>(() =>
            ImageFolder.Read(ImageFolder.List(dir.Path), "pets", Decoder, new ImageFolderOptions(ImageSize: 8, Strict: true), _ => { }));

        Assert.Contains("broken.jpg", e.Message);
        Assert.Contains("--strict", e.Message);
    }

    [Fact]
    public void Images_at_the_top_level_make_an_unlabelled_set_split_by_seed()
    {
        using var dir = IdxTestFiles.NewDir();
        for (int i = 0; i < 10; i++) ImageFiles.Solid(Path.Combine(dir.Path, $"img{i:D2}.png"), new SKColor((byte)(i * 20), 0, 0));
        ImageFiles.Solid(Path.Combine(dir.Path, "more", "deep.jpg"), SKColors.Gray, 16, SKEncodedImageFormat.Jpeg);

        var (train, test) = ImageFolder.Load(dir.Path, Decoder, new ImageFolderOptions(ImageSize: 8, Channels: 1, HeldOut: 0.2), splitSeed: 5, _ => { });
        using (train) using (test)
        {
            Assert.Equal(9, train.Count);
            Assert.Equal(2, test.Count);
            Assert.Equal(1, train.Channels);
            Assert.All(train.Labels.data<long>().ToArray().Concat(test.Labels.data<long>().ToArray()), l => Assert.Equal(-1, l));
            var (train2, test2) = ImageFolder.Load(dir.Path, Decoder, new ImageFolderOptions(ImageSize: 8, Channels: 1, HeldOut: 0.2), splitSeed: 5, _ => { });
            using (train2) using (test2)
                Assert.True(test.Images.eq(test2.Images).all().item<bool>());   // the same seed, the same split
        }
    }

    [Fact]
    public void Train_and_val_sub_folders_are_the_split_and_val_labels_follow_the_training_classes()
    {
        using var dir = IdxTestFiles.NewDir();
        foreach (var cls in new[] { "a", "b", "c" })
            for (int i = 0; i < 2; i++) ImageFiles.Solid(Path.Combine(dir.Path, "train", cls, $"{i}.png"), new SKColor((byte)cls[0], 0, 0));
        ImageFiles.Solid(Path.Combine(dir.Path, "val", "c", "0.png"), new SKColor((byte)'c', 0, 0));
        ImageFiles.Solid(Path.Combine(dir.Path, "val", "a", "0.png"), new SKColor((byte)'a', 0, 0));

        var entry = ImageFolder.Entry(Decoder, new ImageFolderOptions(ImageSize: 8));
        var (train, test) = entry.Load(dir.Path, 0);
        using (train) using (test)
        {
            Assert.Equal(6, train.Count);
            Assert.Equal(new[] { "a", "b", "c" }, test.ClassNames);
            Assert.Equal(new long[] { 0, 2 }, test.Labels.data<long>().ToArray());
            Assert.Equal((byte)'c', test.Images[1, 0, 0, 0].item<byte>());
            Assert.Equal("folder-val", test.Name);
        }
    }

    [Fact]
    public void A_missing_or_empty_folder_says_what_is_wrong()
    {
        using var dir = IdxTestFiles.NewDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "empty-class"));
        File.WriteAllText(Path.Combine(dir.Path, "readme.txt"), "x");

        var empty = Assert.Throws<InvalidDataException>(() => ImageFolder.List(dir.Path));
        Assert.Contains("holds no JPEG or PNG file", empty.Message);
        var missing = Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.List(Path.Combine(dir.Path, "nope")));
        Assert.Contains("does not exist", missing.Message);
        var none = Assert.Throws<DirectoryNotFoundException>(() => ImageFolder.List(null));
        Assert.Contains("--data-dir", none.Message);
        var placeholder = Assert.Throws<InvalidOperationException>(() => DatasetCatalog.Load("folder", dir.Path));
        Assert.Contains("image decoder", placeholder.Message);
    }

    [Fact]
    public void Fashion_mnist_images_written_as_grey_png_read_back_byte_for_byte()
    {
        using var source = FashionMnist.LoadEmbedded();
        using var dir = IdxTestFiles.NewDir();
        const int n = 200;
        var pixels = source.Images.narrow(0, 0, n).contiguous().data<byte>().ToArray();
        var labels = source.Labels.narrow(0, 0, n).data<long>().ToArray();
        for (int i = 0; i < n; i++)
            ImageFiles.Write(Path.Combine(dir.Path, $"{labels[i]}", $"{i:D4}.png"), 28, 28, (x, y) =>
            {
                byte v = pixels[i * 784 + y * 28 + x];
                return new SKColor(v, v, v);
            });

        using var data = ImageFolder.Read(ImageFolder.List(dir.Path), "fm", Decoder, new ImageFolderOptions(ImageSize: 28, Channels: 1), _ => { });

        // Class folders "0".."9" sort like the labels; within a class the files keep the source order.
        var order = Enumerable.Range(0, n).OrderBy(i => labels[i]).ThenBy(i => i).ToArray();
        using var expected = source.Images.index_select(0, TorchSharp.torch.tensor(order.Select(i => (long)i).ToArray()));
        Assert.Equal(new long[] { n, 1, 28, 28 }, data.Images.shape);
        Assert.True(data.Images.eq(expected).all().item<bool>(), "decoded pixels differ from the IDX pixels");
        Assert.Equal(order.Select(i => labels[i]).ToArray(), data.Labels.data<long>().ToArray());
    }
}
