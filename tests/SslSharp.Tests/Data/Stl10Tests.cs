using SslSharp.Data;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

public class Stl10Tests
{
    /// <summary>An STL-10 image as stored: 3 planes of 96x96, each column by column (byte c*9216 + x*96 + y is row y, column x).</summary>
    internal static byte[] StoredImage(Func<int, int, int, byte> pixel)
    {
        var b = new byte[3 * 96 * 96];
        for (int c = 0; c < 3; c++)
            for (int x = 0; x < 96; x++)
                for (int y = 0; y < 96; y++)
                    b[c * 9216 + x * 96 + y] = pixel(c, y, x);
        return b;
    }

    /// <summary>Writes stl10_binary with 2 train, 3 test and 4 unlabelled images.</summary>
    internal static string Write(string root)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, Stl10.Folder)).FullName;
        // Train image 0: a green pixel at row 3, column 7 only (hand-placed at the column-major offset).
        var marked = new byte[3 * 96 * 96];
        marked[1 * 9216 + 7 * 96 + 3] = 250;
        File.WriteAllBytes(Path.Combine(dir, "train_X.bin"), [.. marked, .. StoredImage((c, y, x) => (byte)(y + c))]);
        File.WriteAllBytes(Path.Combine(dir, "train_y.bin"), [1, 10]);
        File.WriteAllBytes(Path.Combine(dir, "test_X.bin"), Enumerable.Range(0, 3).SelectMany(i => StoredImage((c, y, x) => (byte)(x + i))).ToArray());
        File.WriteAllBytes(Path.Combine(dir, "test_y.bin"), [4, 5, 6]);
        File.WriteAllBytes(Path.Combine(dir, "unlabeled_X.bin"), Enumerable.Range(0, 4).SelectMany(i => StoredImage((c, y, x) => (byte)(100 + i))).ToArray());
        return dir;
    }

    [Fact]
    public void Images_stored_column_major_are_read_row_major()
    {
        using var dir = IdxTestFiles.NewDir();
        Write(dir.Path);

        using var train = Stl10.Load(dir.Path, Stl10Split.Train);

        Assert.Equal(new long[] { 2, 3, 96, 96 }, train.Images.shape);
        Assert.Equal(250, train.Images[0, 1, 3, 7].item<byte>());   // row 3, column 7
        Assert.Equal(0, train.Images[0, 1, 7, 3].item<byte>());
        Assert.Equal(250, train.Images[0].to(ScalarType.Int64).sum().item<long>());
        Assert.Equal(40 + 2, train.Images[1, 2, 40, 11].item<byte>());   // second image: value = row + channel
        Assert.Equal(new long[] { 0, 9 }, train.Labels.data<long>().ToArray());   // labels 1..10 become 0..9
        Assert.Equal("truck", train.ClassNames[9]);
    }

    [Fact]
    public void The_catalog_pairs_train_and_test_and_the_pretraining_set_adds_the_unlabelled_images()
    {
        using var dir = IdxTestFiles.NewDir();
        Write(dir.Path);

        var (train, test) = DatasetCatalog.Load("stl10", dir.Path);
        using (train) using (test)
        {
            Assert.Equal(2, train.Count);
            Assert.Equal(new long[] { 3, 4, 5 }, test.Labels.data<long>().ToArray());
            Assert.Equal(5, test.Images[2, 0, 50, 3].item<byte>());   // value = column + image index
        }
        var (pre, test2) = DatasetCatalog.Load("stl10-unlabeled", dir.Path);
        using (pre) using (test2)
        {
            Assert.Equal(6, pre.Count);
            Assert.Equal(new long[] { -1, -1, -1, -1, 0, 9 }, pre.Labels.data<long>().ToArray());
            Assert.Equal(103, pre.Images[3, 2, 95, 95].item<byte>());
            Assert.Equal(250, pre.Images[4, 1, 3, 7].item<byte>());
            Assert.Equal(96, DatasetCatalog.Find("stl10-unlabeled").ImageSize);
        }
    }

    [Fact]
    public void Labels_that_disagree_with_the_images_or_lie_outside_1_to_10_are_refused()
    {
        using var dir = IdxTestFiles.NewDir();
        var folder = Write(dir.Path);
        File.WriteAllBytes(Path.Combine(folder, "train_y.bin"), [1, 2, 3]);
        var count = Assert.Throws<InvalidDataException>(() => Stl10.Load(dir.Path, Stl10Split.Train));
        Assert.Contains("holds 3 labels", count.Message);
        Assert.Contains("holds 2 images", count.Message);

        File.WriteAllBytes(Path.Combine(folder, "train_y.bin"), [1, 0]);
        var range = Assert.Throws<InvalidDataException>(() => Stl10.Load(dir.Path, Stl10Split.Train));
        Assert.Contains("label 1 is 0", range.Message);
    }

    [Fact]
    public void A_truncated_images_file_names_the_file()
    {
        using var dir = IdxTestFiles.NewDir();
        var folder = Write(dir.Path);
        var path = Path.Combine(folder, "unlabeled_X.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..(2 * 27648 + 5)]);

        var e = Assert.Throws<InvalidDataException>(() => Stl10.Load(dir.Path, Stl10Split.Unlabeled));

        Assert.Contains(path, e.Message);
        Assert.Contains("2 whole records and 5 bytes of a truncated one", e.Message);
    }
}
