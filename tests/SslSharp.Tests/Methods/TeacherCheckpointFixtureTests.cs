using System.Text.Json;
using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods;

/// <summary>
/// Checkpoints of the methods with an EMA teacher (BYOL, DINO, MoCo v2, MoCo v3), written by the code before the
/// teacher abstraction of issue 11 and committed under <c>Fixtures/checkpoints/</c>, must still load and give the
/// same loss on a fixed batch: the teacher's state-dict keys and values survive the refactor.
/// </summary>
/// <remarks>
/// Each checkpoint holds a tiny method trained 3 steps with an EMA momentum of 0.5, so the teacher differs from the
/// student and a teacher that failed to load would change the loss. The recorded losses
/// (<c>Fixtures/checkpoints/losses.json</c>) came from the writing code, in the same run that wrote the files.
/// </remarks>
public class TeacherCheckpointFixtureTests
{
    /// <summary>Set to the test project's <c>Fixtures</c> folder to write the checkpoints from the current code.</summary>
    private const string WriteVariable = "SSLSHARP_WRITE_CHECKPOINT_FIXTURE";

    private static readonly Dictionary<string, Dictionary<string, string>> Settings = new()
    {
        ["byol"] = new() { ["projector_hidden_dim"] = "16", ["output_dim"] = "8", ["predictor_hidden_dim"] = "16", ["base_momentum"] = "0.5" },
        ["dino"] = new() { ["out_dim"] = "32", ["hidden_dim"] = "16", ["bottleneck_dim"] = "8", ["base_momentum"] = "0.5", ["warmup_teacher_temp_epochs"] = "0" },
        ["mocov2"] = new() { ["hidden_dim"] = "16", ["output_dim"] = "8", ["queue_size"] = "32", ["base_momentum"] = "0.5" },
        ["mocov3"] = new() { ["hidden_dim"] = "16", ["output_dim"] = "8", ["base_momentum"] = "0.5", ["final_momentum"] = "0.5" },
    };

    public static TheoryData<string> Names => new(Settings.Keys);

    private static SslMethod Create(string name, long seed)
    {
        var settings = new Dictionary<string, string>(Settings[name]) { ["seed"] = seed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return MethodRegistry.Create(name, new ConvNet(1, new[] { 8, 16 }, seed: seed), new MethodSettings(settings));
    }

    private static ViewBatch Batch(long seed)
    {
        var g = new Generator((ulong)seed);
        var x = torch.randn(new long[] { 16, 1, 16, 16 }, generator: g);
        return new ViewBatch(new[] { x + 0.3 * torch.randn(x.shape, generator: g), x + 0.3 * torch.randn(x.shape, generator: g) });
    }

    private static double Loss(SslMethod method)
    {
        using var scope = torch.NewDisposeScope();
        using var views = Batch(99);
        return method.call(views).Loss.ToDouble();
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_checkpoint_written_before_the_teacher_refactor_loads_and_gives_the_recorded_loss(string name)
    {
        var folder = Environment.GetEnvironmentVariable(WriteVariable);
        if (!string.IsNullOrEmpty(folder)) Write(Path.Combine(folder, "checkpoints"), name);

        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "checkpoints");
        var expected = JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(Path.Combine(dir, "losses.json")))!;
        using var method = Create(name, seed: 5);          // other initial weights: only the checkpoint can give the loss
        method.train();
        Checkpoint.LoadWeights(Path.Combine(dir, name + ".ckpt"), method);
        double loss = Loss(method);
        Assert.True(Math.Abs(loss - expected[name]) <= 1e-5 * Math.Max(1, Math.Abs(expected[name])), $"{name}: loss {loss:R}, recorded {expected[name]:R}");
    }

    private static readonly object Gate = new();

    private static void Write(string dir, string name)
    {
        Directory.CreateDirectory(dir);
        using var method = Create(name, seed: 0);
        method.train();
        using var sgd = torch.optim.SGD(method.parameters(), 0.05, momentum: 0.9);
        for (int step = 0; step < 3; step++)
        {
            using var scope = torch.NewDisposeScope();
            var progress = new TrainingProgress(step, 3, 0, 3);
            method.OnStepStart(progress);
            using var views = Batch(step);
            sgd.zero_grad();
            method.call(views).Loss.backward();
            method.OnAfterBackward(progress);
            sgd.step();
            method.OnAfterOptimizerStep(progress);
        }
        Checkpoint.Save(Path.Combine(dir, name + ".ckpt"), method, null,
            new CheckpointInfo(method.GetName(), 3, 0, 3, null, "{}", null, new DateTime(2026, 12, 6, 0, 0, 0, DateTimeKind.Utc)));
        double loss;
        using (var fresh = Create(name, seed: 5))
        {
            fresh.train();
            Checkpoint.LoadWeights(Path.Combine(dir, name + ".ckpt"), fresh);
            loss = Loss(fresh);
        }
        lock (Gate)
        {
            var path = Path.Combine(dir, "losses.json");
            var all = File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path))! : new();
            all[name] = loss;
            File.WriteAllText(path, JsonSerializer.Serialize(all.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key, kv => kv.Value),
                new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }
}
