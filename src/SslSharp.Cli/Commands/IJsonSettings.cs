namespace SslSharp.Cli.Commands;

/// <summary>Settings of a command that can print its result as one JSON document (<c>--json</c>).</summary>
public interface IJsonSettings
{
    /// <summary>Print the result as one JSON document on stdout, everything else on stderr.</summary>
    bool Json { get; }
}
