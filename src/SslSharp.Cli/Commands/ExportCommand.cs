using SslSharp.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp export</c>: a checkpoint's backbone as safetensors with PyTorch names (<see cref="ModelExport"/>).</summary>
public sealed class ExportCommand : Command<ExportSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellationToken)
    {
        var (weights, info) = ModelExport.Export(settings.Checkpoint, settings.Out, settings.Projector);
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(weights)}[/] and [blue]{Markup.Escape(info)}[/]");
        return 0;
    }
}
