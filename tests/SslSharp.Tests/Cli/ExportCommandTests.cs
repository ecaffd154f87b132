using System.Text.Json;
using SslSharp.Interop;
using SslSharp.Runs;
using SslSharp.Tests.Training;
using TorchSharp;

namespace SslSharp.Tests.Cli;

/// <summary>
/// <c>sslsharp export</c> and <c>pretrain --init-from</c>: a checkpoint's backbone goes TorchSharp -> safetensors ->
/// TorchSharp bit for bit, the side JSON describes the network and its check features, and a new run (with an EMA
/// teacher, BYOL) starts from the file's weights in student and teacher.
/// </summary>
[Collection("Console")]   // CliRunner swaps the process-wide AnsiConsole.Console
public class ExportCommandTests
{
    [Fact]
    public void Export_round_trips_and_init_from_starts_a_run_from_it()
    {
        using var temp = new TempDir();
        var run = temp.File("run");
        var config = PretrainDefaults.For("byol", "fashion-mnist-embedded") with
        {
            Epochs = 1, WarmupEpochs = 0, BatchSize = 32, OnlineProbe = false, DiagnosticsEvery = 0,
            Backbone = new() { Name = "resnet18", WidthMultiplier = 0.125, LowResStem = true },
            Options = new(PretrainDefaults.For("byol", "fashion-mnist-embedded").Options) { ["projector_hidden_dim"] = "64", ["predictor_hidden_dim"] = "64", ["output_dim"] = "32" },
        };
        PretrainRunner.Run(config, run, showProgress: false, maxSteps: 2);

        var file = temp.File("out/byol.safetensors");
        var (code, said) = CliRunner.Run("export", "--checkpoint", run, "--out", file, "--projector");
        Assert.True(code == 0, said);
        var (tensors, meta) = SafeTensors.Load(file);
        Assert.Equal("resnet18", meta["architecture"]);
        using var side = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(file, ".json")));
        Assert.Equal("torchvision (no fc)", side.RootElement.GetProperty("names").GetString());
        Assert.Equal("1", side.RootElement.GetProperty("in_channels").GetString());

        // Bit-exact against the checkpoint's own weights.
        using (var loaded = SslSharp.Runs.Reports.LoadedCheckpoint.Open(Path.Combine(run, "last.ckpt")))
        {
            foreach (var (name, t) in loaded.Method.Encoder.state_dict())
                Assert.True(t.bytes.SequenceEqual(tensors[name].bytes), $"{name} differs after export");
            Assert.Contains(tensors.Keys, k => k.StartsWith(ModelExport.ProjectorPrefix, StringComparison.Ordinal));
            Assert.DoesNotContain(tensors.Keys, k => k.StartsWith("fc.", StringComparison.Ordinal));
        }

        // A new run starts from the file: student and EMA teacher both hold its weights before the first step.
        using var method = PretrainRunner.CreateMethod(config with { InitFrom = file, Seed = 7 }, 1, initialize: true);
        var state = method.state_dict();
        foreach (var (name, t) in method.Encoder.state_dict())
            Assert.True(t.bytes.SequenceEqual(tensors[name].bytes), $"{name} was not initialised from the file");
        foreach (var (name, _) in method.Encoder.named_parameters())
            Assert.True(state[$"momentum_backbone.module.{name}"].bytes.SequenceEqual(tensors[name].bytes), $"teacher {name} did not start from the file");

        // Evaluations take the export like a checkpoint (--init-from): the same kNN as from the checkpoint itself.
        var (fromCkpt, a) = CliRunner.Run("eval", "knn", "--checkpoint", run, "--limit", "120", "-k", "5", "--json", "--out", temp.File("e1"));
        var (fromFile, b) = CliRunner.Run("eval", "knn", "--init-from", file, "--limit", "120", "-k", "5", "--out", temp.File("e2"));
        Assert.True(fromCkpt == 0 && fromFile == 0, a + b);
        static string Rows(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "knn.json"))).RootElement.GetProperty("rows").GetRawText();
        Assert.Equal(Rows(temp.File("e1")), Rows(temp.File("e2")));
        var (rank, c) = CliRunner.Run("eval", "rank", "--init-from", file, "--samples", "64", "--out", temp.File("e3"));
        Assert.True(rank == 0, c);   // the label-free diagnostics take the export too
        Assert.True(File.Exists(Path.Combine(temp.File("e3"), "rank.json")));
        var (inRun, d) = CliRunner.Run("eval", "rank", "--checkpoint", run, "--samples", "64", "--no-rotation");
        Assert.True(inRun == 0, d);
        Assert.True(File.Exists(Path.Combine(run, "rank.json")), "eval rank on a run folder writes into that folder");
        File.Delete(Path.ChangeExtension(file, ".json"));
        var (noSide, why) = CliRunner.Run("eval", "knn", "--init-from", file, "--limit", "120");
        Assert.Equal(1, noSide);
        Assert.Contains("describes the network", why);

        var (wrong, message) = CliRunner.Run("pretrain", "--init-from", file, "--backbone", "convnet", "--epochs", "1", "--out", temp.File("bad"));
        Assert.Equal(1, wrong);
        Assert.Contains("do not fit", message);
        Assert.False(Directory.Exists(temp.File("bad")) && Directory.EnumerateFileSystemEntries(temp.File("bad")).Any(e => !e.EndsWith(RunFolder.MarkerFile, StringComparison.Ordinal)));
    }
}
