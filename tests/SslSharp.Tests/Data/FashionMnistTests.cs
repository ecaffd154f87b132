using SslSharp.Data;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

public class FashionMnistTests(ITestOutputHelper output)
{
    [Fact]
    public void Embedded_data_is_the_10000_image_test_split_with_1000_per_class()
    {
        using var d = FashionMnist.LoadEmbedded();

        Assert.Equal(new long[] { 10000, 1, 28, 28 }, d.Images.shape);
        Assert.Equal(ScalarType.Byte, d.Images.dtype);
        Assert.Equal(10, d.NumClasses);
        Assert.Equal("fashion-mnist-embedded", d.Name);
        using var counts = d.Labels.bincount(null);
        Assert.Equal(Enumerable.Repeat(1000L, 10), counts.data<long>().ToArray());
        // Real images, not zeros: Fashion-MNIST's mean pixel is about 73 (0.286 x 255).
        double mean = d.Images.to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(mean, 65, 80);
        // The first test label of Fashion-MNIST is 9 (Ankle boot), the second 2 (Pullover).
        Assert.Equal(9, d.Labels[0].item<long>());
        Assert.Equal(2, d.Labels[1].item<long>());
    }

    [Fact]
    public void Embedded_split_is_8000_and_2000_disjoint_and_fixed()
    {
        var (train, heldOut) = FashionMnist.EmbeddedSplit();
        var (train2, heldOut2) = FashionMnist.EmbeddedSplit();
        var (train3, _) = FashionMnist.EmbeddedSplit(seed: 1);
        using (train) using (heldOut) using (train2) using (heldOut2) using (train3)
        {
            Assert.Equal(8000, train.Count);
            Assert.Equal(2000, heldOut.Count);
            Assert.True(train.Images.eq(train2.Images).all().item<bool>());
            Assert.True(heldOut.Labels.eq(heldOut2.Labels).all().item<bool>());
            Assert.False(train.Images.eq(train3.Images).all().item<bool>());

            // Disjoint: no held-out image equals any training image (Fashion-MNIST's test split
            // has no exact duplicates across these parts; compare by a per-image hash).
            var trainHashes = Hashes(train).ToHashSet();
            int shared = Hashes(heldOut).Count(trainHashes.Contains);
            Assert.Equal(0, shared);
            Assert.Equal("fashion-mnist-embedded-train", train.Name);
            Assert.Equal("fashion-mnist-embedded-heldout", heldOut.Name);
            // Every class is represented in the held-out set, roughly 200 each.
            using var counts = heldOut.Labels.bincount(null, 10);
            Assert.All(counts.data<long>().ToArray(), c => Assert.InRange(c, 150, 250));
        }
    }

    [Fact]
    public void Embedded_license_names_the_source()
    {
        Assert.Contains("zalandoresearch/fashion-mnist", FashionMnist.EmbeddedLicense);
    }

    [Fact]
    public void Loads_the_installed_data_set_when_present()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDataDir, "train-images-idx3-ubyte.gz")))
        {
            output.WriteLine($"{FashionMnist.DefaultDataDir} not installed (apt install dataset-fashion-mnist); test skipped.");
            return;
        }
        using var train = FashionMnist.Load(FashionMnist.DefaultDataDir, train: true);
        using var test = FashionMnist.Load(FashionMnist.DefaultDataDir, train: false);
        using var embedded = FashionMnist.LoadEmbedded();

        Assert.Equal(new long[] { 60000, 1, 28, 28 }, train.Images.shape);
        Assert.Equal(new long[] { 10000, 1, 28, 28 }, test.Images.shape);
        Assert.Equal("fashion-mnist-train", train.Name);
        using var counts = train.Labels.bincount(null);
        Assert.Equal(Enumerable.Repeat(6000L, 10), counts.data<long>().ToArray());
        // The embedded copy is the installed test split, byte for byte.
        Assert.True(test.Images.eq(embedded.Images).all().item<bool>());
        Assert.True(test.Labels.eq(embedded.Labels).all().item<bool>());
        // The normalisation constants are the statistics of the 60k training pixels.
        using var pixels = train.Images.to(TorchSharp.torch.float64).div(255.0);
        Assert.Equal(FashionMnist.Mean[0], pixels.mean().item<double>(), 3);
        Assert.Equal(FashionMnist.Std[0], pixels.std().item<double>(), 3);
    }

    [Fact]
    public void Load_reads_raw_files_in_any_folder()
    {
        using var dir = IdxTestFiles.NewDir();
        dir.Write("t10k-images-idx3-ubyte", IdxTestFiles.Images(3, 28, 28));
        dir.Write("t10k-labels-idx1-ubyte.gz", IdxTestFiles.Gzip(IdxTestFiles.Labels(new byte[] { 9, 0, 4 })));

        using var d = FashionMnist.Load(dir.Path, train: false);

        Assert.Equal(3, d.Count);
        Assert.Equal(new long[] { 9, 0, 4 }, d.Labels.data<long>().ToArray());
        Assert.Equal("Ankle boot", d.ClassNames[9]);
    }

    [Fact]
    public void Missing_files_say_where_to_get_the_data()
    {
        using var dir = IdxTestFiles.NewDir();

        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir.Path, train: true));

        Assert.Contains("train-images-idx3-ubyte", e.Message);
        Assert.Contains(dir.Path, e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
        Assert.Contains("/usr/share/datasets/fashion-mnist", e.Message);
        Assert.Contains("--data-dir", e.Message);
    }

    [Fact]
    public void Missing_folder_says_where_to_get_the_data()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Load("/nonexistent/fmnist", train: true));
        Assert.Contains("/nonexistent/fmnist", e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void A_data_dir_that_is_a_file_is_named_as_one()
    {
        using var dir = IdxTestFiles.NewDir();
        var file = dir.Write("not-a-folder", new byte[] { 1, 2, 3 });
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Load(file, train: true));
        Assert.Contains($"'{file}' is a file", e.Message);
        Assert.Contains("--data-dir", e.Message);
    }

    [Fact]
    public void Truncated_file_says_where_to_get_the_data()
    {
        using var dir = IdxTestFiles.NewDir();
        var images = IdxTestFiles.Images(3, 28, 28);
        dir.Write("t10k-images-idx3-ubyte.gz", IdxTestFiles.Gzip(images[..^100]));
        dir.Write("t10k-labels-idx1-ubyte.gz", IdxTestFiles.Gzip(IdxTestFiles.Labels(new byte[] { 1, 2, 3 })));

        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path, train: false));

        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        using var dir = IdxTestFiles.NewDir();
        dir.Write("t10k-images-idx3-ubyte", IdxTestFiles.Images(3, 28, 28));
        dir.Write("t10k-labels-idx1-ubyte", IdxTestFiles.Labels(new byte[] { 1, 2 }));

        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir.Path, train: false));

        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
    }

    private static IEnumerable<ulong> Hashes(ImageDataset d)
    {
        using var scope = torch.NewDisposeScope();
        // A cheap 64-bit fingerprint per image: pixel bytes weighted by pseudo-random integers.
        var flat = d.Images.view(d.Count, -1).to_type(ScalarType.Int64);
        var g = new torch.Generator(123, torch.CPU);
        var w1 = torch.randint(1, 1 << 30, new long[] { flat.shape[1] }, generator: g);
        var w2 = torch.randint(1, 1 << 30, new long[] { flat.shape[1] }, generator: g);
        var h1 = flat.matmul(w1).data<long>().ToArray();
        var h2 = flat.matmul(w2).data<long>().ToArray();
        g.Dispose();
        return h1.Zip(h2, (a, b) => unchecked(((ulong)a << 32) ^ (ulong)b)).ToArray();
    }
}
