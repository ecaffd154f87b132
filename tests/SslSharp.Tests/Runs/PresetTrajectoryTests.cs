using System.Text.Json;
using SslSharp.Methods;
using SslSharp.Runs;
using SslSharp.Tests.Training;
using SslSharp.Training.Logging;

namespace SslSharp.Tests.Runs;

/// <summary>
/// Pins what each method's default run computes: the losses of the first 20 steps of
/// <c>sslsharp pretrain --method NAME</c> on the embedded data (the method's small preset, seed 0). The fixture
/// <c>Fixtures/preset_trajectories.json</c> is a regression record, written by this test from the code before
/// the layering and options refactor (issue 11): a refactor that is meant to change no numbers must keep them
/// to 1e-6 (relative).
/// </summary>
[Collection("TrainerSerial")]
public class PresetTrajectoryTests
{
    /// <summary>Set to the test project's <c>Fixtures</c> folder to write the record of one method from the current code.</summary>
    private const string WriteVariable = "SSLSHARP_WRITE_TRAJECTORY_FIXTURE";
    private const string FixtureName = "preset_trajectories.json";
    private const int Steps = 20;

    /// <summary>Methods whose small preset trains a CNN (seconds each).</summary>
    public static TheoryData<string> Names => new(MethodRegistry.Names.Where(m => !TrainsAVit(m)));

    /// <summary>Methods whose small preset names a ViT (mae, ijepa, ibot: 20-60 s each, so Slow; the default suite
    /// still runs each of them for two steps in <see cref="EveryMethodRunTests"/>).</summary>
    public static TheoryData<string> VitNames => new(MethodRegistry.Names.Where(TrainsAVit));

    private static bool TrainsAVit(string method) => MethodPresets.Find(method, "small")?.Backbone is not null;

    [Theory]
    [MemberData(nameof(Names))]
    public void The_first_twenty_losses_of_every_default_run_match_the_record(string method) => Check(method);

    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(VitNames))]
    public void The_first_twenty_losses_of_every_vit_default_run_match_the_record(string method) => Check(method);

    private static void Check(string method)
    {
        using var temp = new TempDir();
        var config = PretrainDefaults.For(method, "fashion-mnist-embedded");

        PretrainRunner.Run(config, temp.Path, showProgress: false, maxSteps: Steps);

        var losses = MetricsCsv.Read(Path.Combine(temp.Path, MetricsCsv.MetricsFile)).Series("loss").Select(p => p.Value).ToArray();
        Assert.Equal(Steps, losses.Length);
        var folder = Environment.GetEnvironmentVariable(WriteVariable);
        if (!string.IsNullOrEmpty(folder)) Write(Path.Combine(folder, FixtureName), method, losses);

        var expected = Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", FixtureName));
        Assert.True(expected.ContainsKey(method), $"{FixtureName} has no record of {method}; write it with {WriteVariable}.");
        for (int i = 0; i < Steps; i++)
            Assert.True(Math.Abs(losses[i] - expected[method][i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[method][i])),
                $"{method} step {i}: loss {losses[i]:R}, recorded {expected[method][i]:R}");
    }

    private static Dictionary<string, double[]> Read(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, double[]>>(File.ReadAllText(path))! : new();

    private static readonly object Gate = new();

    private static void Write(string path, string method, double[] losses)
    {
        lock (Gate)
        {
            var all = Read(path);
            all[method] = losses;
            var sorted = all.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value);
            File.WriteAllText(path, JsonSerializer.Serialize(sorted, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }
}
