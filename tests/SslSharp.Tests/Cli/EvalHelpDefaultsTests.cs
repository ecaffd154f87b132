using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using SslSharp.Cli.Commands;
using SslSharp.Evaluation.Probes;

namespace SslSharp.Tests.Cli;

/// <summary>The defaults that <c>eval linear|finetune --help</c> prints are the options records' own (the help text is
/// a constant string, so this test is what keeps the two sources from drifting apart; it once said finetune 5 epochs
/// at lr 0.05 while the code ran 10 at 1.0).</summary>
public class EvalHelpDefaultsTests
{
    private static string Help(string property) =>
        typeof(EvalTrainingSettings).GetProperty(property)!.GetCustomAttribute<DescriptionAttribute>()!.Description;

    private static string F(double v) => v.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void The_help_texts_name_the_defaults_the_code_uses()
    {
        LinearProbeOptions linear = LinearProbeOptions.Default;
        FineTuneOptions finetune = FineTuneOptions.Default;
        Assert.Equal(linear.Epochs, finetune.Epochs);
        Assert.Contains($"(default: {linear.Epochs})", Help(nameof(EvalTrainingSettings.Epochs)));
        Assert.Contains($"linear {linear.BatchSize}, finetune {finetune.BatchSize}", Help(nameof(EvalTrainingSettings.BatchSize)));
        Assert.Contains($"linear {F(linear.LearningRate)}, finetune {F(finetune.LearningRate)}", Help(nameof(EvalTrainingSettings.Lr)));
        Assert.Contains($"linear {F(linear.WeightDecay)}, finetune {F(finetune.WeightDecay)}", Help(nameof(EvalTrainingSettings.WeightDecay)));
    }
}
