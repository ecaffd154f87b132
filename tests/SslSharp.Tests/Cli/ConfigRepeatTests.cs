using SslSharp.Cli.Commands;
using SslSharp.Runs;
using SslSharp.Tests.Training;

namespace SslSharp.Tests.Cli;

/// <summary>
/// <c>sslsharp pretrain --config runs/X/config.yaml</c>: a finished run's resolved configuration repeats it exactly (the
/// same <c>metrics.csv</c>, all but the measured images/s), single keys change with options and <c>--set</c>, and the
/// new <c>config.yaml</c> says which.
/// </summary>
[Collection("Console")]   // CliRunner swaps the process-wide AnsiConsole.Console
public class ConfigRepeatTests
{
    /// <summary>metrics.csv without its images_per_s column (a wall-clock measurement, not a result of the run).</summary>
    private static string[] Trajectory(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.csv")).Select(l => string.Join(',', l.Split(',').Take(4))).ToArray();

    [Fact]
    public void A_finished_runs_config_repeats_it_and_overrides_are_recorded()
    {
        using var temp = new TempDir();
        string a = temp.File("a"), b = temp.File("b"), c = temp.File("c");
        var (first, said) = CliRunner.Run("pretrain", "--epochs", "1", "--width", "0.25", "--batch-size", "64", "--set", "temperature=0.3",
            "--online-probe", "false", "--diagnostics-every", "0", "--max-steps", "6", "--seed", "5", "--out", a);
        Assert.True(first == 0, said);

        var (again, said2) = CliRunner.Run("pretrain", "--config", Path.Combine(a, "config.yaml"), "--max-steps", "6", "--out", b);
        Assert.True(again == 0, said2);
        Assert.Equal(7, Trajectory(a).Length);   // header + 6 steps
        Assert.Equal(Trajectory(a), Trajectory(b));
        var repeated = File.ReadAllText(Path.Combine(b, "config.yaml"));
        Assert.Contains("nothing changed", repeated);
        Assert.Empty(RunConfig.Read(Path.Combine(a, "config.yaml")).Differences(RunConfig.Read(Path.Combine(b, "config.yaml"))));

        var (changed, said3) = CliRunner.Run("pretrain", "--config", Path.Combine(a, "config.yaml"), "--set", "temperature=0.5", "--max-steps", "2", "--out", c);
        Assert.True(changed == 0, said3);
        var header = File.ReadLines(Path.Combine(c, "config.yaml")).TakeWhile(l => l.StartsWith('#')).ToList();
        Assert.Contains(header, l => l.Contains("changed on the command line: options.temperature 0.3 -> 0.5", StringComparison.Ordinal));
        Assert.NotEqual(Trajectory(a)[2], Trajectory(c)[2]);   // the loss reads the temperature
        var cfg = RunConfig.Read(Path.Combine(c, "config.yaml"));
        Assert.Equal(5, cfg.Seed);   // kept from the file
        Assert.Equal("0.5", cfg.Options["temperature"]);
    }

    [Fact]
    public void Config_names_what_it_cannot_be_combined_with()
    {
        var (code, output) = CliRunner.Run("pretrain", "--config", "x.yaml", "--method", "byol");
        Assert.Equal(1, code);
        Assert.Contains("--method cannot be combined with --config", output);
        var (missing, said) = CliRunner.Run("pretrain", "--config", "/nonexistent/config.yaml");
        Assert.Equal(1, missing);
        Assert.Contains("'/nonexistent/config.yaml' does not exist", said);
    }

    [Fact]
    public void Differences_lists_changed_keys_by_their_yaml_path()
    {
        var d = PretrainDefaults.For("simclr", "fashion-mnist-embedded");
        var e = d with { Epochs = d.Epochs + 1, Backbone = d.Backbone with { WidthMultiplier = 0.25 }, Options = new(d.Options) { ["temperature"] = "9" } };
        var keys = e.Differences(d).Select(x => x.Key).ToList();
        Assert.Equal(new[] { "backbone.width_multiplier", "epochs", "options.temperature" }, keys);
        Assert.Empty(d.Differences(d with { }));
        var settings = PretrainCommand.Resolve(new PretrainSettings());
        Assert.Null(settings.Origin);   // no --config, no comment
    }
}
