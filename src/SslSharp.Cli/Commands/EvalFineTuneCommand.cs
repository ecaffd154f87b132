using SslSharp.Evaluation;
using SslSharp.Evaluation.Probes;
using SslSharp.Runs;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp eval finetune</c>: trains a checkpoint's encoder plus a linear head end to end with labels (the checkpoint is not changed).</summary>
public sealed class EvalFineTuneCommand : Command<EvalFineTuneSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, EvalFineTuneSettings settings, CancellationToken cancellationToken)
    {
        settings.FetchData(cancellationToken);
        var result = EvalConsole.WithProgress("fine-tuning", p =>
            CheckpointEvaluator.FineTune(settings.Checkpoint, settings.ToOptions(), settings.ToData(), settings.Device, p, settings.DropPath,
                settings.Scratch, settings.MinScale));
        return EvalConsole.Finish(EvalReport.FromFineTune(result, settings.ReportName(settings.Scratch ? "finetune_scratch" : "finetune"))
            .With("initialisation", settings.Scratch ? "random (--scratch: the checkpoint's architecture and seed, not its weights)" : "the checkpoint's weights"), settings);
    }
}
