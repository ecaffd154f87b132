using SslSharp.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp embed</c>: features of every image as .npy + CSV (<see cref="CheckpointEvaluator.Embed"/>).</summary>
public sealed class EmbedCommand : Command<EmbedSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, EmbedSettings settings, CancellationToken cancellationToken)
    {
        settings.FetchData(cancellationToken);
        var (files, rows) = EvalConsole.WithProgress("embedding", p =>
            CheckpointEvaluator.Embed(settings.Checkpoint, settings.Out, settings.Projector, settings.ToData(), settings.Device, p));
        AnsiConsole.MarkupLine($"{rows} images embedded; wrote");
        foreach (var f in files) AnsiConsole.MarkupLine($"  [blue]{Markup.Escape(f)}[/]");
        return 0;
    }
}
