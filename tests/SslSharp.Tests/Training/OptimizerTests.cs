using System.Text.Json;
using SslSharp.Core;
using SslSharp.Training;
using SslSharp.Training.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

/// <summary>
/// Replays the trajectories of scripts/make_lars_fixtures.py (PyTorch 1.13: MoCo v3/VICReg LARS,
/// torch.optim.SGD, torch.optim.AdamW) with the same gradients and learning rates.
/// </summary>
public class OptimizerTests
{
    private static JsonElement Fixture(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name))).RootElement;

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static long[] Shape(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt64()).ToArray();

    [Theory]
    [InlineData("optim_lars.json")]
    [InlineData("optim_sgd.json")]
    [InlineData("optim_adamw.json")]
    public void Optimizer_matches_the_pytorch_reference(string file)
    {
        var fx = Fixture(file);
        using var scope = torch.NewDisposeScope();
        var weight = new Parameter(torch.tensor(Doubles(fx.GetProperty("initial").GetProperty("weight")), dtype: ScalarType.Float64)
            .reshape(Shape(fx.GetProperty("shapes").GetProperty("weight"))));
        var bias = new Parameter(torch.tensor(Doubles(fx.GetProperty("initial").GetProperty("bias")), dtype: ScalarType.Float64));
        var groups = new[]
        {
            new ParameterGroup("weights", new[] { weight }),
            new ParameterGroup("bias_norm", new[] { bias }, WeightDecay: false, LarsAdaptation: false),
        };
        double wd = fx.GetProperty("weight_decay").GetDouble();
        using SslOptimizer opt = fx.GetProperty("optimizer").GetString() switch
        {
            "lars" => new Lars(groups, 0.0, momentum: 0.9, weightDecay: wd, eta: 1e-3),
            "sgd" => new Sgd(groups, 0.1, momentum: 0.9, weightDecay: wd),
            "adamw" => new AdamWOptimizer(groups, 0.1, 0.9, 0.999, weightDecay: wd, eps: 1e-8),
            var s => throw new InvalidOperationException(s),
        };
        int stepIndex = 0;
        foreach (var step in fx.GetProperty("steps").EnumerateArray())
        {
            double lr = step.GetProperty("lr").GetDouble();
            opt.SetLearningRate(0, lr);
            opt.SetLearningRate(1, lr);
            weight.grad = torch.tensor(Doubles(step.GetProperty("grad").GetProperty("weight")), dtype: ScalarType.Float64).reshape(weight.shape);
            bias.grad = torch.tensor(Doubles(step.GetProperty("grad").GetProperty("bias")), dtype: ScalarType.Float64);
            opt.Step();
            var ew = Doubles(step.GetProperty("expected").GetProperty("weight"));
            var eb = Doubles(step.GetProperty("expected").GetProperty("bias"));
            var aw = weight.data<double>().ToArray();
            var ab = bias.data<double>().ToArray();
            for (int i = 0; i < ew.Length; i++)
                Assert.True(Math.Abs(ew[i] - aw[i]) < 1e-6, $"{file} step {stepIndex} weight[{i}]: expected {ew[i]}, got {aw[i]}");
            for (int i = 0; i < eb.Length; i++)
                Assert.True(Math.Abs(eb[i] - ab[i]) < 1e-6, $"{file} step {stepIndex} bias[{i}]: expected {eb[i]}, got {ab[i]}");
            stepIndex++;
        }
        Assert.Equal(3, stepIndex);
        Assert.Equal(3, opt.StepCount);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    [InlineData("lars")]
    public void Groups_without_weight_decay_do_not_shrink(string name)
    {
        using var scope = torch.NewDisposeScope();
        var weight = new Parameter(torch.ones(4, 4));
        var bias = new Parameter(torch.ones(4));
        var groups = new[]
        {
            new ParameterGroup("weights", new[] { weight }),
            new ParameterGroup("bias_norm", new[] { bias }, WeightDecay: false, LarsAdaptation: false),
        };
        var options = new TrainerOptions { Optimizer = Optimizers.Parse(name), BaseLr = 0.1, WeightDecay = 1.0 }; // huge for an SSL recipe
        using var opt = Optimizers.Create(groups, options);
        Assert.Equal(0.0, opt.GetWeightDecay(1));
        for (int i = 0; i < 3; i++)
        {
            weight.grad = torch.zeros(4, 4);
            bias.grad = torch.zeros(4);
            opt.Step();
        }
        Assert.Equal(1f, bias.min().ToSingle());
        Assert.Equal(1f, bias.max().ToSingle());
        Assert.True(weight.abs().max().ToSingle() < 1f - 1e-5f, $"{name}: the decayed weight should shrink, max |w| = {weight.abs().max().ToSingle()}");
    }

    [Fact]
    public void Optimizer_state_round_trips()
    {
        using var scope = torch.NewDisposeScope();
        var w = new Parameter(torch.ones(3, 2));
        var groups = new[] { new ParameterGroup("weights", new[] { w }) };
        using var a = new AdamWOptimizer(groups, 0.1);
        w.grad = torch.full(3, 2, 0.5f);
        a.Step();
        var state = a.StateTensors().ToDictionary(s => s.Name, s => s.Tensor.clone());
        using var b = new AdamWOptimizer(groups, 0.1);
        b.LoadState(state, a.StepCount);
        Assert.Equal(1, b.StepCount);
        foreach (var entry in b.StateTensors())
            Assert.True((entry.Tensor == state[entry.Name]).all().ToBoolean(), entry.Name);
        var bad = new Dictionary<string, Tensor>(state);
        bad.Remove(bad.Keys.First());
        var ex = Assert.Throws<InvalidDataException>(() => { b.LoadState(bad, 1); });
        Assert.Contains("has no entry", ex.Message);
    }

    [Fact]
    public void Unknown_optimizer_name_is_rejected_with_the_valid_names()
    {
        var ex = Assert.Throws<ArgumentException>(() => SslSharp.Training.Optim.Optimizers.Parse("adam"));
        Assert.Contains("Unknown optimizer 'adam'. Known optimizers: sgd, adamw, lars.", ex.Message);
        Assert.Equal(SslSharp.Training.Optim.OptimizerKind.AdamW, SslSharp.Training.Optim.Optimizers.Parse(" AdamW "));
        var undefined = Assert.Throws<ArgumentException>(() => new TrainerOptions { Optimizer = (SslSharp.Training.Optim.OptimizerKind)7 }.Validate());
        Assert.Contains("sgd, adamw, lars", undefined.Message);
    }

    [Fact]
    public void Trainer_options_stored_before_the_optimizer_became_an_enum_still_read()
    {
        // TrainerOptions JSON as checkpoints stored it while the optimizer was a lower-case name.
        var old = Checkpoint.OptionsFromJson("""{"Epochs":2,"BatchSize":64,"Optimizer":"lars","BaseLr":0.3}""");
        Assert.Equal(SslSharp.Training.Optim.OptimizerKind.Lars, old.Optimizer);
        Assert.Equal(old, Checkpoint.OptionsFromJson(Checkpoint.OptionsToJson(old)));
    }
}
