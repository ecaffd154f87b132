using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

public class CheckpointTests
{
    private static CheckpointInfo Info(long step, string? config = null) =>
        new("StandIn", step, 0, 4, "sgd", Checkpoint.OptionsToJson(TrainerTests.Options()), config, DateTime.UtcNow);

    [Fact]
    public void Save_then_LoadWeights_restores_every_tensor_and_ReadInfo_returns_the_metadata()
    {
        using var dir = new TempDir();
        using var a = new StandInMethod(seed: 1);
        using var b = new StandInMethod(seed: 2);
        using (var noGrad = torch.no_grad()) a.state_dict()["hook_calls"].fill_(42);
        Checkpoint.Save(dir.File("a.ckpt"), a, null, Info(17, "{\"method\":\"simclr\"}"));
        var info = Checkpoint.LoadWeights(dir.File("a.ckpt"), b);
        Assert.Equal("StandIn", info.MethodName);
        Assert.Equal(17, info.Step);
        Assert.Equal("{\"method\":\"simclr\"}", info.ConfigJson);
        Assert.Null(info.OptimizerName); // no optimizer state was written
        Assert.Equal(TrainerTests.Options(), Checkpoint.OptionsFromJson(info.TrainerOptionsJson));
        var sa = a.state_dict();
        foreach (var (k, t) in b.state_dict())
            Assert.True((t == sa[k]).all().ToBoolean(), k);
        Assert.Equal(42L, b.state_dict()["hook_calls"].ToInt64());
        Assert.Equal(info, Checkpoint.ReadInfo(dir.File("a.ckpt")));
    }

    [Fact]
    public void A_failing_write_leaves_the_previous_checkpoint_intact_and_no_tmp_file()
    {
        using var dir = new TempDir();
        using var m = new StandInMethod();
        string path = dir.File("last.ckpt");
        Checkpoint.Save(path, m, null, Info(4));
        var before = File.ReadAllBytes(path);
        Assert.Throws<IOException>(() => Checkpoint.Save(path, m, null, Info(8), wrap: s => new FailingStream(s, failAfter: 200)));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(4, Checkpoint.ReadInfo(path).Step);
        Assert.False(File.Exists(path + ".tmp"));
        Checkpoint.Save(path, m, null, Info(8));
        Assert.Equal(8, Checkpoint.ReadInfo(path).Step);
        Assert.Equal(new[] { "last.ckpt" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_full_disk_or_a_vanished_folder_gives_a_message_naming_the_folder()
    {
        using var dir = new TempDir();
        using var m = new StandInMethod();
        string path = dir.File("last.ckpt");
        Checkpoint.Save(path, m, null, Info(4));
        var before = File.ReadAllBytes(path);

        var full = Assert.Throws<IOException>(() => Checkpoint.Save(path, m, null, Info(8), wrap: s => new FailingStream(s, failAfter: 200)));
        Assert.Contains($"folder '{dir.Path}'", full.Message);
        Assert.Contains("disk full (simulated)", full.Message);
        Assert.Equal(before, File.ReadAllBytes(path));

        var gone = dir.File("gone");
        Directory.CreateDirectory(gone);
        var vanished = Assert.Throws<IOException>(() => Checkpoint.Save(Path.Combine(gone, "last.ckpt"), m, null, Info(8),
            wrap: s => new VanishingFolderStream(s, gone)));
        Assert.Contains($"folder '{gone}'", vanished.Message);
    }

    [Fact]
    public void Stale_temporary_files_of_a_killed_write_are_removed()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("last.ckpt.tmp"), "half a checkpoint");
        File.WriteAllText(dir.File("epoch-0002.ckpt.tmp"), "half a checkpoint");
        File.WriteAllText(dir.File("metrics.csv"), "step,epoch,loss,lr,images_per_s\n");

        var removed = Checkpoint.RemoveStaleTemporaries(dir.Path);

        Assert.Equal(2, removed.Count);
        Assert.Equal(new[] { "metrics.csv" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    /// <summary>Deletes the checkpoint's folder after the first write, as an unmounted or removed disk would.</summary>
    private sealed class VanishingFolderStream(Stream inner, string folder) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }

        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("flipped")]
    [InlineData("foreign")]
    [InlineData("empty")]
    [InlineData("tail-cut")]
    public void Damaged_or_foreign_files_give_a_clear_error(string damage)
    {
        using var dir = new TempDir();
        using var m = new StandInMethod();
        string path = dir.File("x.ckpt");
        Checkpoint.Save(path, m, null, Info(4));
        var bytes = File.ReadAllBytes(path);
        byte[] bad = damage switch
        {
            "truncated" => bytes[..(bytes.Length / 2)],
            "flipped" => Flip(bytes, bytes.Length - 100),
            "foreign" => "PK\u0003\u0004 this is a zip, or a PyTorch file"u8.ToArray(),
            "empty" => Array.Empty<byte>(),
            "tail-cut" => bytes[..^1],
            _ => throw new InvalidOperationException(),
        };
        File.WriteAllBytes(path, bad);
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadInfo(path));
        Assert.Contains("is not an SslSharp checkpoint or is damaged", ex.Message);
        Assert.Contains("re-run from an earlier checkpoint or without --resume", ex.Message);
        Assert.Throws<InvalidDataException>(() => Checkpoint.LoadWeights(path, m));
    }

    private static byte[] Flip(byte[] b, int at)
    {
        var c = (byte[])b.Clone();
        c[at] ^= 0x40;
        return c;
    }

    [Fact]
    public void Loading_into_a_differently_shaped_method_names_the_first_mismatching_key()
    {
        using var dir = new TempDir();
        using var wide = new StandInMethod(width: 8);
        using var narrow = new StandInMethod(width: 6);
        Checkpoint.Save(dir.File("w.ckpt"), wide, null, Info(1));
        var ex = Assert.Throws<InvalidOperationException>(() => Checkpoint.LoadWeights(dir.File("w.ckpt"), narrow));
        Assert.Contains("'backbone.conv.weight' has shape [8, 1, 3, 3] in the checkpoint but [6, 1, 3, 3]", ex.Message);
    }

    [Fact]
    public void Missing_file_gives_file_not_found()
    {
        using var m = new StandInMethod();
        Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadWeights("/nonexistent/x.ckpt", m));
    }

    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfter) throw new IOException("disk full (simulated)");
            inner.Write(buffer);
            _written += buffer.Length;
        }

        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
