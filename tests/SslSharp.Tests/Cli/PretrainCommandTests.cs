using SslSharp.Cli.Commands;
using SslSharp.Runs;

namespace SslSharp.Tests.Cli;

/// <summary>How <c>sslsharp pretrain</c> turns its options into a run configuration.</summary>
public class PretrainCommandTests
{
    [Fact]
    public void Options_override_the_defaults_and_settings_reach_the_method()
    {
        var config = PretrainCommand.Resolve(new PretrainSettings
        {
            Epochs = 5, BatchSize = 64, Lr = 0.1, Width = 0.25, Set = ["temperature=0.3", "output_dim = 64"],
        });
        Assert.Equal("simclr", config.Method);
        Assert.Equal("fashion-mnist-embedded", config.Dataset);
        Assert.Equal(5, config.Epochs);
        Assert.Equal(64, config.BatchSize);
        Assert.Equal(0.1, config.LearningRate);
        Assert.Equal(0.25, config.Backbone.WidthMultiplier);
        Assert.Equal("0.3", config.Options["temperature"]);   // replaces the preset's 0.2
        Assert.Equal("64", config.Options["output_dim"]);
    }

    [Fact]
    public void A_preset_file_replaces_the_built_in_preset()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sslsharp-preset-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "batch_size: 32\noptions:\n  temperature: 0.7\n");
        try
        {
            var config = PretrainCommand.Resolve(new PretrainSettings { Preset = path });
            Assert.Equal(32, config.BatchSize);
            Assert.Equal("0.7", config.Options["temperature"]);
            Assert.Throws<FileNotFoundException>(() => PretrainCommand.Resolve(new PretrainSettings { Preset = path + ".missing" }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Default_warmup_shrinks_with_a_short_run_but_a_given_one_is_kept()
    {
        Assert.Equal(0.2, PretrainCommand.Resolve(new PretrainSettings { Epochs = 2 }).WarmupEpochs, 12);
        Assert.Equal(1.5, PretrainCommand.Resolve(new PretrainSettings { Epochs = 2, WarmupEpochs = 1.5 }).WarmupEpochs);
    }

    [Fact]
    public void The_online_probe_is_on_by_default_and_can_be_switched_off()
    {
        Assert.True(PretrainCommand.Resolve(new PretrainSettings()).OnlineProbe);
        Assert.False(PretrainCommand.Resolve(new PretrainSettings { OnlineProbe = false }).OnlineProbe);
        var yaml = PretrainCommand.Resolve(new PretrainSettings { OnlineProbe = false }).ToYaml();
        Assert.Contains("online_probe: false", yaml);
        Assert.False(RunConfig.FromYaml(yaml).OnlineProbe);
    }

    [Theory]
    [InlineData("temperature")]
    [InlineData("=0.3")]
    [InlineData("temperature=")]
    public void Malformed_settings_are_rejected(string kv)
    {
        var result = new PretrainSettings { Set = [kv] }.Validate();
        Assert.False(result.Successful);
        Assert.Contains("KEY=VALUE", result.Message);
    }

    [Fact]
    public void Warmup_must_be_shorter_than_the_run()
    {
        var result = new PretrainSettings { Epochs = 2, WarmupEpochs = 2 }.Validate();
        Assert.False(result.Successful);
        Assert.Contains("--warmup-epochs", result.Message);
    }
}
