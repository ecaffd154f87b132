using SslSharp.Cli.Commands;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Output;

/// <summary>Applies a command's <c>--quiet</c> / <c>--json</c> (<see cref="CliOutput.Apply"/>) after parsing, before it runs.</summary>
internal sealed class OutputInterceptor : ICommandInterceptor
{
    /// <inheritdoc />
    public void Intercept(CommandContext context, CommandSettings settings)
    {
        if (settings is CommonSettings common) CliOutput.Apply(common.Quiet, settings is IJsonSettings { Json: true });
    }
}
