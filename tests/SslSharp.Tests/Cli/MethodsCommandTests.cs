
namespace SslSharp.Tests.Cli;

/// <summary><c>sslsharp methods</c> through the real command app, output captured.</summary>
[Collection("Console")]
public class MethodsCommandTests
{
    private static (int Code, string Output) Run(params string[] args) => CliRunner.Run(args);

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
