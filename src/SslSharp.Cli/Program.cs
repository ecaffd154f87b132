using System.Runtime.InteropServices;
using SslSharp.Cli.Commands;
using SslSharp.Cli.Output;
using SslSharp.Platform;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli;

/// <summary>Entry point of the <c>sslsharp</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        Arguments = args;
        NativeAllocator.Tune(); // reuse freed tensor memory instead of page-faulting it afresh every batch
        var app = new CommandApp();
        app.Configure(Configure);
        // Ctrl-C or SIGTERM stops a pretraining run after its current step; the trainer writes last.ckpt first. Commands
        // that do not watch the token (evaluations, reports) end at once, as the signal's default does.
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            if (stop.IsCancellationRequested || !typeof(IStopsAfterStep).IsAssignableFrom(RunningCommand)) return; // a second signal kills the process as usual
            context.Cancel = true;
            InterruptExitCode = context.Signal == PosixSignal.SIGTERM ? 143 : 130;
            AnsiConsole.MarkupLine("[yellow]stopping after the current step (writing last.ckpt); press Ctrl-C again to abort[/]");
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return app.Run(args, stop.Token);
    }

    /// <summary>
    /// What <c>sslsharp --version</c> prints: the assembly's informational version (the package version, with the
    /// source commit when built from a git clone).
    /// </summary>
    internal static string Version =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(Program).Assembly)
            ?.InformationalVersion ?? "unknown";

    /// <summary>The type of the command being run (set after parsing, <see cref="RunningCommandInterceptor"/>), or null
    /// before then: a signal stops it after its step when it is an <see cref="IStopsAfterStep"/>, else ends the process at once.</summary>
    internal static volatile Type? RunningCommand;

    /// <summary>The exit code of a run stopped by a signal: 130 for SIGINT (Ctrl-C), 143 for SIGTERM (128 + signal number).</summary>
    internal static int InterruptExitCode { get; private set; } = 130;

    /// <summary>Exit code of a run whose loss became NaN or infinite.</summary>
    internal const int DivergedExitCode = 2;

    /// <summary>The command line, to name the option in a conversion error.</summary>
    private static string[] Arguments = [];

    private static readonly System.Text.RegularExpressions.Regex ConversionError = new(@"^Failed to convert '(.*)' to (.*)\.$");

    /// <summary>
    /// Spectre's "Failed to convert 'abc' to Nullable`1." as "--epochs takes a number, got 'abc'." (the option found in
    /// the command line); other messages unchanged.
    /// </summary>
    internal static string Explain(string message, IReadOnlyList<string> args)
    {
        var m = ConversionError.Match(message);
        if (!m.Success) return message;
        string value = m.Groups[1].Value;
        string? option = null;
        for (int i = 1; i < args.Count && option is null; i++)
            if (args[i] == value && args[i - 1].StartsWith('-')) option = args[i - 1];
        option ??= args.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal) && a.EndsWith("=" + value, StringComparison.Ordinal))?.Split('=')[0];
        return option is null
            ? $"'{value}' is not a valid value here (expected a number or true/false)."
            : $"{option} takes a finite number (or true/false for a switch), got '{value}'.";
    }

    /// <summary>Registers the commands (shared with the tests).</summary>
    internal static void Configure(IConfigurator config)
    {
        config.SetApplicationName("sslsharp");
        config.SetApplicationVersion(Version);
        config.SetInterceptor(new OutputInterceptor());
        config.SetInterceptor(new RunningCommandInterceptor());
        config.SetExceptionHandler((ex, _) =>
        {
            int code = Report(ex);
            // In an MPI job the other ranks would wait for this one forever: end them all, naming this rank and the cause.
            if (SslSharp.Distributed.Mpi.MpiProcessGroup.Current is { WorldSize: > 1 } group)
                group.Abort($"{ex.GetType().Name}: {ex.Message}", code);
            return code;
        });
        static int Report(Exception ex)
        {
            // Every error ends in one line (bad input: exit 1; a non-finite loss: exit 2); --verbose adds the stack
            // trace. The handler reads --verbose from the process's command line (CommonSettings.Verbose only lets
            // Spectre accept the option), so in-process runs of the app never print traces.
            var console = CliOutput.ErrorConsole;
            if (Arguments.Contains("--verbose") && ex is not CommandAppException)
            {
                console.WriteException(ex, ExceptionFormats.ShortenEverything);
                return ex is SslSharp.Training.NonFiniteLossException ? DivergedExitCode : 1;
            }
            if (ex is SslSharp.Training.NonFiniteLossException diverged)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(diverged.Message)}");
                return DivergedExitCode;
            }
            if (ex is ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException
                or InvalidOperationException or NotSupportedException or CommandAppException)
                console.MarkupLine($"[red]error:[/] {Markup.Escape(Explain(ex is ArgumentException a && a.ParamName is not null
                    ? a.Message.Replace($" (Parameter '{a.ParamName}')", "", StringComparison.Ordinal) : ex.Message, Arguments))}");
            else
                console.MarkupLine($"[red]error:[/] {Markup.Escape($"{ex.GetType().Name}: {ex.Message}")} " +
                                       "[grey](an unexpected error: run again with --verbose for the stack trace, and please report it)[/]");
            return 1;
        }
        config.AddExample("pretrain");
        config.AddExample("pretrain", "--dataset", "fashion-mnist", "--data-dir", "/usr/share/datasets/fashion-mnist", "--epochs", "10");
        config.AddExample("eval", "knn", "--checkpoint", "runs/simclr/last.ckpt");
        config.AddCommand<PretrainCommand>("pretrain")
            .WithDescription("Self-supervised pretraining with a progress bar, ending in a kNN evaluation and a run folder.")
            .WithExample("pretrain", "--method", "simclr", "--epochs", "20", "--out", "runs/simclr");
        config.AddBranch("eval", eval =>
        {
            eval.SetDescription("Evaluate a checkpoint's encoder.");
            eval.AddCommand<EvalKnnCommand>("knn")
                .WithDescription("kNN (weighted exp(sim/T) and majority votes, several k) of the held-out set against the training set.")
                .WithExample("eval", "knn", "--checkpoint", "runs/simclr/last.ckpt");
            eval.AddCommand<EvalLinearCommand>("linear")
                .WithDescription("Linear probe: BN + linear layer on cached frozen features (SGD or LARS, cosine).")
                .WithExample("eval", "linear", "--checkpoint", "runs/simclr/last.ckpt");
            eval.AddCommand<EvalFineTuneCommand>("finetune")
                .WithDescription("Fine-tune the encoder with a linear head end to end (crop + flip, SGD, cosine).")
                .WithExample("eval", "finetune", "--checkpoint", "runs/simclr/last.ckpt", "--epochs", "5");
            eval.AddCommand<EvalGuillotineCommand>("guillotine")
                .WithDescription("kNN and linear probe on the backbone output and after every projector layer.")
                .WithExample("eval", "guillotine", "--checkpoint", "runs/simclr/last.ckpt");
            eval.AddCommand<EvalRankCommand>("rank")
                .WithDescription("Label-free diagnostics (RankMe, alpha-ReQ, embedding std, alignment/uniformity, rotation score) of a checkpoint; writes rank.json and rank.md.")
                .WithExample("eval", "rank", "--checkpoint", "runs/simclr/last.ckpt");
            eval.AddCommand<EvalDecoderCommand>("decoder")
                .WithDescription("Train a small decoder on the frozen features to redraw the images; writes reconstructions.png, decoder.json, decoder.md.")
                .WithExample("eval", "decoder", "--checkpoint", "runs/simclr/last.ckpt");
        });
        config.AddCommand<ReportCommand>("report")
            .WithDescription("Write report.html and report.md for a run folder: curves, spectra, RankMe, PCA, reconstructions, final metrics.")
            .WithExample("report", "runs/simclr");
        config.AddCommand<EmbedCommand>("embed")
            .WithDescription("Write the backbone features (and optionally projector embeddings) of every image as .npy, with a CSV naming each row.")
            .WithExample("embed", "--checkpoint", "runs/simclr/last.ckpt", "--out", "features.npy");
        config.AddCommand<ExportCommand>("export")
            .WithDescription("Write a checkpoint's backbone as safetensors with PyTorch (torchvision) names, and a JSON file describing the network.")
            .WithExample("export", "--checkpoint", "runs/simclr/last.ckpt", "--out", "simclr.safetensors");
        config.AddCommand<MethodsCommand>("methods")
            .WithDescription("List the self-supervised methods with their defaults.");
    }
}
