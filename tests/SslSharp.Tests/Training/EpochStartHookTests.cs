using SslSharp.Core;
using SslSharp.Training;
using TorchSharp;

namespace SslSharp.Tests.Training;

/// <summary>The trainer's call of <c>SslMethod.OnEpochStart</c> and its optimizer-state reset.</summary>
[Collection("TrainerSerial")]
public class EpochStartHookTests
{
    [Fact]
    public void Called_once_before_every_epoch_and_for_the_epoch_a_resume_continues_in()
    {
        using var dir = new TempDir();
        var options = TrainerTests.Options("sgd"); // 3 epochs of 4 steps
        using (var data = new StandInBatchSource())
        using (var method = new EpochRecordingMethod())
        {
            using var trainer = new Trainer(method, data, options with { MaxSteps = 6, RunDirectory = dir.Path });
            trainer.Fit();
            Assert.Equal(new[] { (0, 0L, 0L), (1, 0L, 4L) }, method.Calls);
        }
        Assert.Contains("epoch_start", File.ReadAllText(dir.File("logged.csv")));
        using (var data = new StandInBatchSource())
        using (var method = new EpochRecordingMethod())
        {
            using var trainer = new Trainer(method, data, options with { ResumeFrom = dir.File("last.ckpt"), RunDirectory = dir.Path });
            trainer.Fit();
            Assert.Equal(new[] { (1, 2L, 6L), (2, 0L, 8L) }, method.Calls);
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    [InlineData("lars")]
    public void Reset_zeros_the_optimizer_state_of_the_given_parameters_only(string optimizer)
    {
        using var data = new StandInBatchSource();
        using var method = new EpochRecordingMethod { ResetProjector = true };
        using var trainer = new Trainer(method, data, TrainerTests.Options(optimizer) with { Epochs = 2 });
        var snapshots = new List<Dictionary<string, double>>();
        method.AfterEpochStart = () => snapshots.Add(trainer.Optimizer.StateTensors()
            .ToDictionary(s => s.Name, s => s.Tensor.to_type(torch.ScalarType.Float64).abs().sum().item<double>()));
        trainer.Fit();

        var projector = method.Projector.parameters().Select(p => p.Handle).ToHashSet();
        var prefixes = new List<string>();
        for (int g = 0; g < trainer.Groups.Count; g++)
            for (int i = 0; i < trainer.Groups[g].Parameters.Count; i++)
                if (projector.Contains(trainer.Groups[g].Parameters[i].Handle)) prefixes.Add($"g{g}.p{i}.");
        Assert.Equal(2, prefixes.Count); // weight and bias
        Assert.Equal(2, snapshots.Count);
        foreach (var (name, sum) in snapshots[1])
        {
            bool mine = prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
            if (mine) Assert.True(sum == 0, $"{name} was not reset");
            else Assert.True(sum > 0, $"{name} should keep its state");
        }

        // A context without trainer services: the reset does nothing and does not fail.
        new EpochContext(0, 0, default, data, torch.CPU).ResetOptimizerState(method.Projector.parameters());
    }
}
