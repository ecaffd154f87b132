using System.ComponentModel;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary>The options every <c>sslsharp</c> command takes.</summary>
public abstract class CommonSettings : CommandSettings
{
    /// <summary>Print the stack trace of an error (by default an error is one line).</summary>
    [CommandOption("--verbose")]
    [Description("Print the stack trace of an error, not only its one-line message.")]
    public bool Verbose { get; init; }

    /// <summary>Print nothing but errors (no progress bar, tables or notes); the exit code says how it ended.</summary>
    [CommandOption("-q|--quiet")]
    [Description("Print nothing but errors (on stderr); the exit code says how the command ended.")]
    public bool Quiet { get; init; }
}
