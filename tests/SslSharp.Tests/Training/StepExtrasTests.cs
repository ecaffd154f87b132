using System.Globalization;
using SslSharp.Core;
using SslSharp.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Training;

[Collection("TrainerSerial")] // trains with torch's global generator
public class StepExtrasTests
{
    [Fact]
    public void A_callback_reads_the_extras_inside_the_step_and_they_are_disposed_with_it()
    {
        using var dir = new TempDir();
        using var data = new StandInBatchSource();
        using var method = new HookRecordingMethod(new List<string>()) { ReturnExtras = true };
        var seen = new List<Tensor>();
        var invariances = new List<double>();
        var probe = new OutputProbe((_, batch, output) =>
        {
            var extras = output.Extras;
            Assert.NotNull(extras);
            Assert.Equal(new long[] { batch.BatchSize, 4 }, extras.Mask!.shape);
            Assert.Equal(2f, extras.Mask.sum(1)[0].ToSingle());
            Assert.Equal(new long[] { batch.BatchSize, 4, 2 }, extras.Reconstruction!.shape);
            Assert.Equal(new[] { "invariance" }, extras.Scalars.Keys);
            invariances.Add(extras.Scalars["invariance"].ToDouble());
            seen.AddRange(new[] { extras.Mask, extras.Reconstruction, extras.Scalars["invariance"] });
        })
        {
            // After the step's scope: every extra tensor is freed.
            OnStep = (_, _) => Assert.All(seen, t => Assert.True(t.IsInvalid)),
        };
        var options = TrainerTests.Options() with { Epochs = 1, WarmupEpochs = 0, RunDirectory = dir.Path };
        using var trainer = new Trainer(method, data, options, new[] { probe });
        trainer.Fit();

        Assert.Equal(4, invariances.Count);
        Assert.Equal(12, seen.Count);
        // The scalars go to logged.csv, step = steps completed (as metrics.csv).
        var logged = File.ReadAllLines(dir.File("logged.csv")).Skip(1).Select(l => l.Split(','))
            .Where(f => f[2] == "invariance").ToList();
        Assert.Equal(new[] { "1", "2", "3", "4" }, logged.Select(f => f[0]));
        Assert.Equal(invariances, logged.Select(f => double.Parse(f[3], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Methods_without_extras_return_none()
    {
        using var data = new StandInBatchSource();
        using var method = new StandInMethod();
        bool? hadExtras = null;
        var probe = new OutputProbe((_, _, output) => hadExtras = output.Extras is not null);
        using var trainer = new Trainer(method, data, TrainerTests.Options() with { MaxSteps = 1 }, new[] { probe });
        trainer.Fit();
        Assert.False(hadExtras);
    }

    [Fact]
    public void Extras_made_in_an_inner_scope_move_out_with_it()
    {
        Tensor mask, scalar;
        using (var outer = torch.NewDisposeScope())
        {
            StepExtras extras;
            using (var inner = torch.NewDisposeScope())
            {
                extras = new StepExtras
                {
                    Mask = torch.ones(2, 3),
                    Scalars = new Dictionary<string, Tensor> { ["x"] = torch.tensor(1.5) },
                }.MoveToOuterDisposeScope();
            }
            mask = extras.Mask!;
            scalar = extras.Scalars["x"];
            Assert.False(mask.IsInvalid || scalar.IsInvalid);
            Assert.Equal(1.5, scalar.ToDouble());
        }
        Assert.True(mask.IsInvalid && scalar.IsInvalid);
    }
}
