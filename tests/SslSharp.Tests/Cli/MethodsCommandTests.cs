using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Tests.Cli;

/// <summary><c>sslsharp methods</c> through the real command app, output captured.</summary>
[Collection("Console")]
public class MethodsCommandTests
{
    private static (int Code, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var previous = AnsiConsole.Console;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        AnsiConsole.Console.Profile.Width = 500; // no wrapping inside table cells
        try
        {
            var app = new CommandApp();
            app.Configure(SslSharp.Cli.Program.Configure);
            int code = app.Run(args);
            return (code, writer.ToString());
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }

    [Fact]
    public void The_table_lists_every_method_with_its_presets()
    {
        var (code, output) = Run("methods");
        Assert.Equal(0, code);
        foreach (var name in SslSharp.Methods.MethodRegistry.Names) Assert.Contains(name, output);
        Assert.Contains("small, large", output);
    }

    [Fact]
    public void One_method_shows_its_preset_files()
    {
        var (code, output) = Run("methods", "simclr");
        Assert.Equal(0, code);
        Assert.Contains("simclr.small.yaml", output);
        Assert.Contains("temperature", output);
        var (bad, message) = Run("methods", "nosuchmethod");
        Assert.Equal(1, bad);
        Assert.Contains("Known methods", message);
    }
}
