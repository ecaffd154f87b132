using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary><c>sslsharp embed</c>: one feature row per image (training images, then test images) and a CSV that names each row.</summary>
[Collection("Console")]   // CliRunner swaps the process-wide AnsiConsole.Console
public class EmbedCommandTests
{
    [Fact]
    public void Embed_writes_one_row_per_image_with_its_split_and_label()
    {
        using var temp = new TempDir();
        var run = temp.File("run");
        var config = PretrainDefaults.For("simclr", "fashion-mnist-embedded") with
        {
            Epochs = 1, WarmupEpochs = 0, BatchSize = 32, OnlineProbe = false, DiagnosticsEvery = 0,
            Backbone = new() { Name = "convnet", WidthMultiplier = 0.25 },
        };
        PretrainRunner.Run(config, run, showProgress: false, maxSteps: 1);

        var output = temp.File("emb/features.npy");
        var (code, said) = CliRunner.Run("embed", "--checkpoint", run, "--out", output, "--projector", "--limit", "30");
        Assert.True(code == 0, said);
        var bytes = File.ReadAllBytes(output);
        var header = System.Text.Encoding.ASCII.GetString(bytes, 10, BitConverter.ToUInt16(bytes, 8));
        using (var loaded = SslSharp.Runs.Reports.LoadedCheckpoint.Open(Path.Combine(run, "last.ckpt")))
            Assert.Contains($"'shape': (60, {loaded.Method.Encoder.FeatureDim})", header);
        Assert.True(File.Exists(temp.File("emb/features.projector.npy")));
        var csv = File.ReadAllLines(temp.File("emb/features.csv"));
        Assert.Equal("row,split,index,label,class", csv[0]);
        Assert.Equal(61, csv.Length);
        Assert.StartsWith("0,train,0,", csv[1]);
        Assert.StartsWith("30,test,0,", csv[31]);

        var (bad, message) = CliRunner.Run("embed", "--checkpoint", run, "--out", temp.File("x.csv"));
        Assert.Equal(1, bad);
        Assert.Contains("--out must name a .npy file", message);
    }
}
