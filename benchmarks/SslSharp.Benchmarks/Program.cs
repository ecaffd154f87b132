namespace SslSharp.Benchmarks;

/// <summary>Entry point of the benchmark runner.</summary>
public static class Program
{
    /// <summary>Runs benchmarks.</summary>
    public static int Main(string[] args) => 0;
}
