using SslSharp.Methods;
using SslSharp.Runs;
using SslSharp.Cli.Output;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp methods [METHOD]</c>: the registered methods, or one method with its presets.</summary>
public sealed class MethodsCommand : Command<MethodsSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, MethodsSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Json)
        {
            CliOutput.WriteDocument(MethodsJson.Describe(settings.Method));
            return 0;
        }
        if (settings.Method is not null) return ShowOne(settings.Method);
        if (settings.NamesOnly)
        {
            foreach (var n in MethodRegistry.Names) Console.WriteLine(n);
            return 0;
        }
        var presets = MethodPresets.Available;
        var table = new Table().AddColumn("method").AddColumn("family").AddColumn("paper").AddColumn("defaults").AddColumn("presets");
        foreach (var name in MethodRegistry.Names)
        {
            var info = MethodRegistry.Describe(name);
            var sizes = string.Join(", ", presets.Where(p => p.Method == name).Select(p => p.Size).OrderByDescending(s => s, StringComparer.Ordinal));
            table.AddRow(Markup.Escape(name), Markup.Escape(info.Family), Markup.Escape(info.Paper), Markup.Escape(info.Defaults),
                sizes.Length == 0 ? "[grey]none[/]" : sizes);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]sslsharp methods NAME shows a method's presets; sslsharp pretrain --method NAME uses the small one on 28-32 px data.[/]");
        return 0;
    }

    private static int ShowOne(string method)
    {
        var info = MethodRegistry.Describe(method); // throws the "unknown method" message listing the known ones
        var name = method.Trim().ToLowerInvariant();
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(name)}[/] ({Markup.Escape(info.Family)}): {Markup.Escape(info.Paper)}");
        if (info.Settings is { } settings)
        {
            var table = new Table().AddColumn("setting").AddColumn("default").AddColumn("what it does");
            foreach (var s in settings)
                table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Default), Markup.Escape(s.Description));
            AnsiConsole.Write(table);
        }
        else
        {
            AnsiConsole.MarkupLine($"defaults: {Markup.Escape(info.Defaults)}");
        }
        foreach (var size in new[] { "small", "large" }.Concat(MethodPresets.Available.Where(p => p.Method == name && p.Size is not ("small" or "large")).Select(p => p.Size)))
        {
            var text = MethodPresets.Text(name, size);
            AnsiConsole.Write(new Rule($"{Markup.Escape(name)}.{size}.yaml ({(size.StartsWith("small", StringComparison.Ordinal) ? "28-32 px images" : "ImageNet-sized images")}{(size.EndsWith(MethodPresets.VitSuffix, StringComparison.Ordinal) ? ", ViT backbone" : "")})").LeftJustified());
            AnsiConsole.WriteLine(text ?? "(no built-in preset)");
        }
        return 0;
    }
}
