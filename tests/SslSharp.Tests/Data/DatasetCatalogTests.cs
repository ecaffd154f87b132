using SslSharp.Data;

namespace SslSharp.Tests.Data;

public class DatasetCatalogTests
{
    [Fact]
    public void Default_is_the_embedded_split()
    {
        var (train, test) = DatasetCatalog.Load();
        using (train) using (test)
        {
            Assert.Equal("fashion-mnist-embedded", DatasetCatalog.DefaultName);
            Assert.Equal(8000, train.Count);
            Assert.Equal(2000, test.Count);
        }
    }

    [Fact]
    public void Names_are_matched_case_insensitively()
    {
        Assert.Equal("fashion-mnist", DatasetCatalog.Find("Fashion-MNIST").Name);
    }

    [Fact]
    public void Unknown_name_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Load("imagenet-22k"));
        Assert.Contains("imagenet-22k", e.Message);
        Assert.Contains("fashion-mnist-embedded", e.Message);
        Assert.Contains("fashion-mnist,", e.Message + ",");
    }

    [Fact]
    public void Fashion_mnist_reads_from_the_given_folder()
    {
        using var dir = IdxTestFiles.NewDir();
        foreach (var (prefix, n) in new[] { ("train", 4), ("t10k", 2) })
        {
            dir.Write($"{prefix}-images-idx3-ubyte.gz", IdxTestFiles.Gzip(IdxTestFiles.Images(n, 28, 28)));
            dir.Write($"{prefix}-labels-idx1-ubyte.gz", IdxTestFiles.Gzip(IdxTestFiles.Labels(new byte[n])));
        }

        var (train, test) = DatasetCatalog.Load("fashion-mnist", dir.Path);
        using (train) using (test)
        {
            Assert.Equal(4, train.Count);
            Assert.Equal(2, test.Count);
        }
    }

    [Fact]
    public void New_data_sets_plug_in_by_registration()
    {
        string name = "test-registered-" + Guid.NewGuid().ToString("N");
        DatasetCatalog.Register(new DatasetEntry(name, "a test entry", (dir, seed) => throw new NotSupportedException($"called with {dir} {seed}"), new[] { 0.5f }, new[] { 0.25f }));

        Assert.Contains(name, DatasetCatalog.Names);
        var e = Assert.Throws<NotSupportedException>(() => DatasetCatalog.Load(name, "/some/dir", 3));
        Assert.Equal("called with /some/dir 3", e.Message);
    }
}
