using SslSharp.Methods;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp methods</c>: the registered methods.</summary>
public sealed class MethodsCommand : Command
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var table = new Table().AddColumn("method").AddColumn("family").AddColumn("paper").AddColumn("defaults");
        foreach (var name in MethodRegistry.Names)
        {
            var info = MethodRegistry.Describe(name);
            table.AddRow(Markup.Escape(name), Markup.Escape(info.Family), Markup.Escape(info.Paper), Markup.Escape(info.Defaults));
        }
        AnsiConsole.Write(table);
        return 0;
    }
}
