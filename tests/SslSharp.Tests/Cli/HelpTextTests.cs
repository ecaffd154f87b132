using System.ComponentModel;
using System.Reflection;
using SslSharp.Cli;
using Spectre.Console;

namespace SslSharp.Tests.Cli;

/// <summary>
/// Every command's <c>--help</c> prints its options. Option descriptions are Spectre markup, so a literal <c>[</c> or
/// <c>]</c> (shapes like [N, D], intervals like (0, 1]) must be doubled; one that is not broke <c>embed --help</c> and
/// <c>eval finetune --help</c> with a markup error instead of the help.
/// </summary>
[Collection("Console")]
public class HelpTextTests
{
    public static TheoryData<string> Commands => new()
    {
        "pretrain", "eval knn", "eval linear", "eval finetune", "eval guillotine", "eval rank", "eval decoder",
        "report", "embed", "export", "methods",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_prints_the_options(string command)
    {
        var (code, output) = CliRunner.Run([.. command.Split(' '), "--help"]);
        Assert.True(code == 0, $"'{command} --help' exited with {code}: {output}");
        Assert.Contains("OPTIONS:", output);
        Assert.DoesNotContain("error:", output);
    }

    [Fact]
    public void Every_option_description_is_valid_markup()
    {
        var described = typeof(Program).Assembly.GetTypes()
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(p => (Property: p, Text: p.GetCustomAttribute<DescriptionAttribute>()?.Description))
            .Where(d => d.Text is not null)
            .ToList();
        Assert.NotEmpty(described);
        foreach (var (property, text) in described)
        {
            var error = Record.Exception(() => new Markup(text!));
            Assert.True(error is null, $"{property.DeclaringType!.Name}.{property.Name}: {error?.Message}");
        }
    }
}
