using SslSharp.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Tests.Cli;

/// <summary>
/// Runs the real <c>sslsharp</c> command app in-process with its console output captured (no colours, 500 columns so
/// a message stays on one line). It swaps the process-wide <c>AnsiConsole.Console</c>: callers belong to the
/// <c>Console</c> test collection.
/// </summary>
internal static class CliRunner
{
    /// <summary>The exit code and everything the command wrote.</summary>
    public static (int Code, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var previous = AnsiConsole.Console;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        AnsiConsole.Console.Profile.Width = 500;
        try
        {
            var app = new CommandApp();
            app.Configure(config =>
            {
                Program.Configure(config);
                config.ConfigureConsole(AnsiConsole.Console); // Spectre's own output (help, parse errors) too
            });
            return (app.Run(args), writer.ToString());
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }
}
