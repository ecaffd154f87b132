using SslSharp.Data;
using static TorchSharp.torch;

namespace SslSharp.Tests.Data;

public class CifarTests
{
    /// <summary>A CIFAR record: the label bytes, then 3072 pixel bytes (R plane, G plane, B plane, each row by row).</summary>
    internal static byte[] Record(byte[] labelBytes, Func<int, int, int, byte> pixel)
    {
        var r = new byte[labelBytes.Length + 3072];
        labelBytes.CopyTo(r, 0);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    r[labelBytes.Length + c * 1024 + y * 32 + x] = pixel(c, y, x);
        return r;
    }

    internal static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>One pixel lit: red 200 at row 2, column 5; green 100 at row 31, column 0; everything else 0.</summary>
    private static byte Marked(int c, int y, int x) =>
        c == 0 && y == 2 && x == 5 ? (byte)200 : c == 1 && y == 31 && x == 0 ? (byte)100 : (byte)0;

    /// <summary>Writes a CIFAR-10 folder (cifar-10-batches-bin) with <paramref name="perFile"/> records per training file.</summary>
    internal static void WriteCifar10(string root, int perFile = 2)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, Cifar.Cifar10Folder)).FullName;
        for (int f = 1; f <= 5; f++)
            File.WriteAllBytes(Path.Combine(dir, $"data_batch_{f}.bin"),
                Concat(Enumerable.Range(0, perFile).Select(i => Record(new[] { (byte)((f + i) % 10) }, (c, y, x) => (byte)(f * 40 + i + c))).ToArray()));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), Concat(Record(new byte[] { 3 }, Marked), Record(new byte[] { 9 }, (c, y, x) => 7)));
    }

    [Fact]
    public void Cifar10_pixels_are_read_as_RGB_planes_row_by_row()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteCifar10(dir.Path);

        using var test = Cifar.LoadCifar10(dir.Path, train: false);

        Assert.Equal(new long[] { 2, 3, 32, 32 }, test.Images.shape);
        Assert.Equal(new long[] { 3, 9 }, test.Labels.data<long>().ToArray());
        Assert.Equal(200, test.Images[0, 0, 2, 5].item<byte>());
        Assert.Equal(100, test.Images[0, 1, 31, 0].item<byte>());
        Assert.Equal(300, test.Images[0].to(ScalarType.Int64).sum().item<long>());   // nothing else is lit
        Assert.Equal(7, test.Images[1, 2, 17, 30].item<byte>());
        Assert.Equal("cifar10-test", test.Name);
        Assert.Equal("cat", test.ClassNames[3]);
    }

    [Fact]
    public void Cifar10_training_files_are_read_in_order_from_the_folder_or_its_parent()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteCifar10(dir.Path, perFile: 3);

        using var fromParent = Cifar.LoadCifar10(dir.Path, train: true);
        using var fromFolder = Cifar.LoadCifar10(Path.Combine(dir.Path, Cifar.Cifar10Folder), train: true);

        Assert.Equal(15, fromParent.Count);
        // record i of file f: label (f + i) % 10, every pixel of channel c = f * 40 + i + c
        var expectedLabels = Enumerable.Range(1, 5).SelectMany(f => Enumerable.Range(0, 3).Select(i => (long)((f + i) % 10))).ToArray();
        Assert.Equal(expectedLabels, fromParent.Labels.data<long>().ToArray());
        Assert.Equal(4 * 40 + 2 + 1, fromParent.Images[3 * 3 + 2, 1, 10, 20].item<byte>());
        Assert.True(fromParent.Images.eq(fromFolder.Images).all().item<bool>());
    }

    [Fact]
    public void Cifar100_reads_fine_or_coarse_labels()
    {
        using var dir = IdxTestFiles.NewDir();
        var folder = Directory.CreateDirectory(Path.Combine(dir.Path, Cifar.Cifar100Folder)).FullName;
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), Concat(Record(new byte[] { 19, 99 }, Marked), Record(new byte[] { 4, 0 }, (c, y, x) => 1)));
        File.WriteAllBytes(Path.Combine(folder, "test.bin"), Record(new byte[] { 0, 57 }, (c, y, x) => 2));

        var (train, test) = DatasetCatalog.Load("cifar100", dir.Path);
        using (train) using (test)
        using (var coarse = Cifar.LoadCifar100(dir.Path, train: true, coarse: true))
        {
            Assert.Equal(new long[] { 99, 0 }, train.Labels.data<long>().ToArray());
            Assert.Equal(new long[] { 19, 4 }, coarse.Labels.data<long>().ToArray());
            Assert.Equal(new long[] { 57 }, test.Labels.data<long>().ToArray());
            Assert.Equal(100, train.NumClasses);
            Assert.Equal(20, coarse.NumClasses);
            Assert.Equal("worm", train.ClassNames[99]);
            Assert.Equal(200, train.Images[0, 0, 2, 5].item<byte>());
            Assert.Equal(100, train.Images[0, 1, 31, 0].item<byte>());
        }
    }

    [Fact]
    public void A_truncated_file_names_the_file_and_the_bytes_over()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteCifar10(dir.Path);
        var path = Path.Combine(dir.Path, Cifar.Cifar10Folder, "test_batch.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..(3073 + 100)]);

        var e = Assert.Throws<InvalidDataException>(() => Cifar.LoadCifar10(dir.Path, train: false));

        Assert.Contains(path, e.Message);
        Assert.Contains("3173 bytes", e.Message);
        Assert.Contains("1 whole records and 100 bytes of a truncated one", e.Message);
        Assert.Contains("--download", e.Message);
    }

    [Fact]
    public void An_empty_file_a_missing_file_and_a_missing_folder_say_which()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteCifar10(dir.Path);
        var folder = Path.Combine(dir.Path, Cifar.Cifar10Folder);
        File.WriteAllBytes(Path.Combine(folder, "data_batch_2.bin"), []);
        var empty = Assert.Throws<InvalidDataException>(() => Cifar.LoadCifar10(dir.Path, train: true));
        Assert.Contains("data_batch_2.bin' is empty", empty.Message);

        File.Delete(Path.Combine(folder, "data_batch_4.bin"));
        File.WriteAllBytes(Path.Combine(folder, "data_batch_2.bin"), Record(new byte[] { 1 }, (c, y, x) => 0));
        var missing = Assert.Throws<FileNotFoundException>(() => Cifar.LoadCifar10(dir.Path, train: true));
        Assert.Contains("data_batch_4.bin' does not exist", missing.Message);

        var noFolder = Assert.Throws<DirectoryNotFoundException>(() => Cifar.LoadCifar10(Path.Combine(dir.Path, "nope"), train: true));
        Assert.Contains("does not exist", noFolder.Message);
        var noDir = Assert.Throws<DirectoryNotFoundException>(() => Cifar.LoadCifar10(null, train: true));
        Assert.Contains("--data-dir", noDir.Message);
    }

    [Fact]
    public void A_cifar10_label_above_9_is_refused()
    {
        using var dir = IdxTestFiles.NewDir();
        WriteCifar10(dir.Path);
        File.WriteAllBytes(Path.Combine(dir.Path, Cifar.Cifar10Folder, "test_batch.bin"), Concat(Record(new byte[] { 1 }, Marked), Record(new byte[] { 42 }, Marked)));

        var e = Assert.Throws<InvalidDataException>(() => Cifar.LoadCifar10(dir.Path, train: false));

        Assert.Contains("record 1 has label 42", e.Message);
    }
}
