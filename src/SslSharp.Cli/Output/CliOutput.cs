using Spectre.Console;

namespace SslSharp.Cli.Output;

/// <summary>
/// Where <c>sslsharp</c> writes: human output (progress bars, tables, "wrote ..." lines) through
/// <see cref="AnsiConsole.Console"/>, a machine-readable document (<c>--json</c>) on <see cref="Out"/>, errors on
/// the console or, under <c>--quiet</c>, on <see cref="Err"/>.
/// </summary>
/// <remarks>
/// <para>Default: everything on stdout, as before. <c>--json</c>: the one JSON document is the only thing on stdout;
/// progress, tables and errors go to stderr, so <c>sslsharp eval knn --json ... | jq</c> works. <c>--quiet</c>: no
/// progress bars, tables or notes; errors still reach stderr, and the exit code says how the command ended.</para>
/// <para>Process-wide state, set by <see cref="OutputInterceptor"/> before a command runs; tests replace
/// <see cref="Out"/> and <see cref="Err"/> with string writers.</para>
/// </remarks>
public static class CliOutput
{
    /// <summary>Where <c>--json</c> documents go (stdout unless a test replaces it).</summary>
    public static TextWriter Out { get; set; } = Console.Out;

    /// <summary>Where human output goes under <c>--json</c>, and errors under <c>--quiet</c> (stderr unless a test replaces it).</summary>
    public static TextWriter Err { get; set; } = Console.Error;

    /// <summary>Whether the running command was given <c>--quiet</c>.</summary>
    public static bool Quiet { get; private set; }

    /// <summary>Whether the running command was given <c>--json</c>.</summary>
    public static bool Json { get; private set; }

    /// <summary>The console for an error message: stderr under <c>--quiet</c>, else the console of human output.</summary>
    public static IAnsiConsole ErrorConsole => Quiet ? Over(Err) : AnsiConsole.Console;

    /// <summary>Points human output where <paramref name="quiet"/> and <paramref name="json"/> say (see the remarks).</summary>
    public static void Apply(bool quiet, bool json)
    {
        Quiet = quiet;
        Json = json;
        if (quiet) AnsiConsole.Console = Over(TextWriter.Null);
        else if (json) AnsiConsole.Console = Over(Err);
    }

    /// <summary>Clears the flags <see cref="Apply"/> set (the caller restores <see cref="AnsiConsole.Console"/>).</summary>
    public static void Reset() => Quiet = Json = false;

    /// <summary>Writes <paramref name="json"/> as the command's one document on <see cref="Out"/>.</summary>
    public static void WriteDocument(string json)
    {
        Out.WriteLine(json);
        Out.Flush();
    }

    private static IAnsiConsole Over(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = writer == Console.Error ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = writer == Console.Error ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        // A message stays on one line where no terminal wraps it (a string writer in tests, a redirected stderr).
        if (writer != Console.Error || Console.IsErrorRedirected) console.Profile.Width = 500;
        return console;
    }
}
