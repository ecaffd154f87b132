namespace SslSharp.Cli;

/// <summary>Entry point of the <c>sslsharp</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args)
    {
        Console.WriteLine("sslsharp: under construction");
        return 0;
    }
}
