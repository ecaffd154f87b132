using SslSharp.Cli.Commands;

namespace SslSharp.Tests.Cli;

/// <summary>How <c>sslsharp eval decoder</c> and <c>sslsharp report</c> turn their options into settings.</summary>
public class ReportCommandsTests
{
    [Fact]
    public void Decoder_options_reach_the_decoder_settings()
    {
        var options = new EvalDecoderSettings { Checkpoint = "x.ckpt", Epochs = 3, BatchSize = 32, LearningRate = 0.01, TrainImages = 100, Seed = 4 }.ToOptions();
        Assert.Equal(3, options.Epochs);
        Assert.Equal(32, options.BatchSize);
        Assert.Equal(0.01, options.LearningRate);
        Assert.Equal(100, options.MaxTrainImages);
        Assert.Equal(4, options.Seed);
    }

    [Fact]
    public void Bad_decoder_options_are_rejected_with_the_option_at_fault()
    {
        Assert.Contains("--checkpoint", new EvalDecoderSettings().Validate().Message);
        var result = new EvalDecoderSettings { Checkpoint = "x.ckpt", Epochs = 0 }.Validate();
        Assert.False(result.Successful);
        Assert.Contains("at least 1 epoch", result.Message);
        Assert.False(new EvalDecoderSettings { Checkpoint = "x.ckpt", LearningRate = -1 }.Validate().Successful);
        Assert.Contains("--train-images", new EvalDecoderSettings { Checkpoint = "x.ckpt", Limit = 100 }.Validate().Message);
        Assert.Contains("--val-split", new EvalDecoderSettings { Checkpoint = "x.ckpt", ValSplit = -3 }.Validate().Message);
    }

    [Fact]
    public void A_report_of_a_folder_that_holds_no_run_is_refused()
    {
        var empty = Directory.CreateTempSubdirectory("sslsharp-report-").FullName;
        try
        {
            var result = new ReportSettings { RunDirectory = empty }.Validate();
            Assert.False(result.Successful);
            Assert.Contains("holds no run: neither metrics.csv nor last.ckpt", result.Message);
            Assert.Contains("does not exist", new ReportSettings { RunDirectory = Path.Combine(empty, "missing") }.Validate().Message);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void Report_options_reach_the_report_settings()
    {
        var options = new ReportSettings { RunDirectory = "r", NoDecoder = true, Subset = 500, DecoderEpochs = 2, Checkpoint = "best.ckpt" }.ToOptions();
        Assert.False(options.RunDecoder);
        Assert.True(options.UseCheckpoint);
        Assert.Equal(500, options.SubsetSize);
        Assert.Equal(2, options.Decoder.Epochs);
        Assert.Equal("best.ckpt", options.CheckpointFile);
        Assert.False(new ReportSettings { RunDirectory = "r", NoCheckpoint = true }.ToOptions().UseCheckpoint);
        Assert.False(new ReportSettings { RunDirectory = "r", Subset = 1 }.Validate().Successful);
    }
}
