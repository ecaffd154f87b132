using System.Globalization;
using SslSharp.Cli.Progress;
using SslSharp.Runs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SslSharp.Cli.Commands;

/// <summary><c>sslsharp pretrain</c>: a self-supervised pretraining run ending in a kNN evaluation; a signal stops it after its
/// current step (<see cref="IStopsAfterStep"/>).</summary>
public sealed class PretrainCommand : Command<PretrainSettings>, IStopsAfterStep
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, PretrainSettings settings, CancellationToken cancellationToken)
    {
        var config = Resolve(settings);
        PretrainRunner.Validate(config);
        if (settings.Download) DatasetFetch.Run(config.Dataset, config.DataDir, settings.DownloadFrom, cancellationToken);
        if (settings.Resume is not null && Finished(settings.Resume, config) is { } done)
        {
            AnsiConsole.MarkupLine(Markup.Escape(done));
            return 0;
        }
        // Under mpirun every rank runs this command; rank 0 alone claims the run folder, prints and writes.
        var group = SslSharp.Distributed.Mpi.MpiProcessGroup.FromEnvironment();
        if (group.Rank != 0)
        {
            try
            {
                PretrainRunner.Run(config, $"(rank {group.Rank} writes no files)", settings.Resume is null ? null : SslSharp.Training.Checkpoint.Locate(settings.Resume),
                    showProgress: false, settings.MaxSteps, ct: cancellationToken, processGroup: group);
            }
            catch (OperationCanceledException)
            {
                return Program.InterruptExitCode;   // every rank stopped at the same step; rank 0 reports it
            }
            return 0;
        }
        var runDir = settings.Resume is not null
            ? ResumeFolder(settings.Resume, settings.Out)
            : RunFolder.Claim(settings.Out, Path.Combine("runs",
                $"{config.Method}-{config.Dataset}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}"), settings.Overwrite);
        AnsiConsole.MarkupLine($"[bold]sslsharp pretrain[/]: [green]{config.Method}[/] on [green]{config.Dataset}[/] " +
                               $"with [green]{config.Backbone.Name}[/], {config.Epochs} epochs, batch {config.BatchSize}, " +
                               $"{SslSharp.Training.Optim.Optimizers.NameOf(config.Optimizer)} lr {config.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {config.Seed}, {config.Device}" +
                               (group.WorldSize > 1 ? $", {group.WorldSize} processes (batch {config.BatchSize / group.WorldSize} each)" : ""));
        AnsiConsole.MarkupLine($"run folder: [blue]{Markup.Escape(Path.GetFullPath(runDir))}[/]");

        PretrainResult result;
        try
        {
            result = PretrainRunner.Run(config, runDir, settings.Resume is null ? null : SslSharp.Training.Checkpoint.Locate(settings.Resume),
                showProgress: !settings.Quiet, settings.MaxSteps,
                "sslsharp " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)), cancellationToken,
                SpectreProgress.ForConsole(), text => AnsiConsole.MarkupLine($"[yellow]warning: {Markup.Escape(text)}[/]"), group);
        }
        catch (Exception) when (settings.Resume is null && RemoveIfUnused(runDir))
        {
            throw;   // not reached: the filter only removes the unused folder and lets the error go on
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || group.WorldSize > 1)
        {
            var last = Path.Combine(runDir, SslSharp.Training.Checkpoint.LastFileName);
            AnsiConsole.MarkupLine(File.Exists(last)
                ? $"[yellow]stopped.[/] Continue with: [green]sslsharp pretrain --resume {Markup.Escape(last)}[/]"
                : "[yellow]stopped[/] before the first step; nothing to resume.");
            return Program.InterruptExitCode;
        }

        if (result.Knn is { } knn && result.PixelKnn is { } pixels)
        {
            var table = new Table().Title("kNN on the held-out set (weighted, T 0.07, cosine)")
                .AddColumn("k").AddColumn("top-1").AddColumn("top-5").AddColumn("raw pixels top-1 (baseline)");
            foreach (var s in knn.Scores)
                table.AddRow(s.K.ToString(CultureInfo.InvariantCulture), $"{100 * s.Top1:F2}%", $"{100 * s.Top5:F2}%",
                    $"{100 * pixels[s.K].Top1:F2}%");
            AnsiConsole.Write(table);
        }
        else
        {
            AnsiConsole.MarkupLine("kNN, the online probe and the raw-pixel baseline were skipped: the data set has no labels " +
                                   "(put the images in class sub-folders to get them); the label-free diagnostics ran.");
        }
        AnsiConsole.MarkupLine($"{result.Training.Steps} steps in {result.Training.Elapsed:hh\\:mm\\:ss}, final loss {result.Training.LastLoss:F4}");
        foreach (var f in result.Files)
            AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(f)}[/]");
        return 0;
    }

    /// <summary>
    /// Deletes the folder a new run claimed when the run failed before writing anything into it (it holds nothing but
    /// <see cref="RunFolder.MarkerFile"/>), so a failed start leaves no trace. Returns false, as an exception filter.
    /// </summary>
    private static bool RemoveIfUnused(string runDir)
    {
        try
        {
            if (Directory.Exists(runDir) && Directory.EnumerateFileSystemEntries(runDir).All(e => Path.GetFileName(e) == RunFolder.MarkerFile))
                Directory.Delete(runDir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }

    /// <summary>
    /// Where a resumed run writes: the checkpoint's own folder, or <paramref name="output"/>, which must then be new or
    /// empty (a resume never writes into another run's folder).
    /// </summary>
    private static string ResumeFolder(string resume, string? output)
    {
        var own = CheckpointEvaluator.RunFolder(resume);
        if (output is null || Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar) == Path.GetFullPath(own).TrimEnd(Path.DirectorySeparatorChar))
            return own;
        return RunFolder.ClaimNamed(output);
    }

    /// <summary>
    /// The message for resuming a run that has nothing left to train (null when it has): it completed
    /// <paramref name="config"/>'s epochs already. Asking for fewer epochs than it completed is an error.
    /// </summary>
    /// <exception cref="ArgumentException"><c>--epochs</c> is below the epochs the run completed.</exception>
    internal static string? Finished(string resume, RunConfig config)
    {
        var info = SslSharp.Training.Checkpoint.ReadInfo(resume);
        long end = config.Epochs * info.StepsPerEpoch;
        long completed = info.Step / Math.Max(1, info.StepsPerEpoch);
        if (info.Step > end)
            throw new ArgumentException(
                $"--epochs {config.Epochs} is fewer than the {completed} epochs the run in '{CheckpointEvaluator.RunFolder(resume)}' has completed; " +
                "a resumed run can only be extended.");
        return info.Step == end
            ? $"The run in '{CheckpointEvaluator.RunFolder(resume)}' is finished ({completed} epochs, {info.Step} steps); nothing was changed. " +
              $"Give --epochs N with N > {completed} to train it further."
            : null;
    }

    /// <summary>The <c>--set backbone.KEY=VALUE</c> pairs, prefix removed, in order (<see cref="BackboneSettings"/>).</summary>
    private static IEnumerable<KeyValuePair<string, string>> BackboneKeys(IEnumerable<string> set) =>
        set.Where(kv => kv.TrimStart().StartsWith(BackboneSettings.Prefix, StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, string>(kv[..kv.IndexOf('=')].Trim()[BackboneSettings.Prefix.Length..], kv[(kv.IndexOf('=') + 1)..].Trim()))
            .ToList();

    /// <summary>The preset's method settings with each <c>--set KEY=VALUE</c> applied in order (<c>backbone.*</c> keys
    /// go to the backbone instead).</summary>
    private static Dictionary<string, string> WithSettings(IReadOnlyDictionary<string, string> preset, IEnumerable<string> set)
    {
        var options = new Dictionary<string, string>(preset, StringComparer.Ordinal);
        foreach (var kv in set)
        {
            if (kv.TrimStart().StartsWith(BackboneSettings.Prefix, StringComparison.Ordinal)) continue;
            int eq = kv.IndexOf('=');
            options[kv[..eq].Trim()] = kv[(eq + 1)..].Trim();
        }
        return options;
    }

    /// <summary>
    /// Defaults for the method and data set (or, with <c>--resume</c>, the configuration stored in the checkpoint;
    /// with <c>--config</c>, the file's), overridden by the options given. With <c>--config</c> the result's
    /// <see cref="RunConfig.Origin"/> names the file and every key the command line changed.
    /// </summary>
    internal static RunConfig Resolve(PretrainSettings s)
    {
        bool stored = s.Resume is not null || s.Config is not null;
        var d = s.Resume is not null ? CheckpointEvaluator.ReadConfig(s.Resume)
            : s.Config is not null ? RunConfig.Read(s.Config)
            : PretrainDefaults.For(s.Method ?? PretrainDefaults.Method, s.Dataset ?? PretrainDefaults.Dataset, s.Preset is null ? null : MethodPreset.Read(s.Preset),
                s.Backbone, s.ImageSize);
        int epochs = s.Epochs ?? d.Epochs;
        // A fresh run's warmup is at most a tenth of it; a stored configuration keeps its own unless --epochs shortens the run.
        double warmup = s.WarmupEpochs ?? (stored && (s.Epochs is null || s.Resume is not null) ? d.WarmupEpochs : Math.Min(d.WarmupEpochs, 0.1 * epochs));
        var resolved = d with
        {
            Epochs = epochs,
            WarmupEpochs = warmup,
            DataDir = s.DataDir ?? d.DataDir,
            Backbone = BackboneSettings.Apply(d.Backbone with
            {
                Name = s.Backbone ?? d.Backbone.Name,
                WidthMultiplier = s.Width ?? d.Backbone.WidthMultiplier,
                StemMaxPool = s.StemMaxPool ?? d.Backbone.StemMaxPool,
                PatchSize = s.PatchSize ?? d.Backbone.PatchSize,
            }, BackboneKeys(s.Set)),
            BatchSize = s.BatchSize ?? d.BatchSize,
            Accumulate = s.Accumulate ?? d.Accumulate,
            LearningRate = s.Lr ?? d.LearningRate,
            Optimizer = s.Optimizer is null ? d.Optimizer : SslSharp.Training.Optim.Optimizers.Parse(s.Optimizer),
            Seed = s.Resume is not null ? d.Seed : s.Seed ?? d.Seed,
            Device = s.Device ?? d.Device,
            KnnEvery = s.KnnEvery ?? d.KnnEvery,
            DiagnosticsEvery = s.DiagnosticsEvery ?? d.DiagnosticsEvery,
            OnlineProbe = s.OnlineProbe ?? d.OnlineProbe,
            ValSplit = s.ValSplit ?? d.ValSplit,
            InitFrom = s.InitFrom is null ? d.InitFrom : Path.GetFullPath(s.InitFrom),
            ImageSize = s.ImageSize ?? d.ImageSize,
            Grey = s.Grey || d.Grey,
            Strict = s.Strict || d.Strict,
            Workers = s.Workers ?? d.Workers,
            Options = WithSettings(d.Options, s.Set),
        };
        if (s.Config is null) return resolved;
        var changed = resolved.Differences(d);
        return resolved with
        {
            Origin = $"sslsharp pretrain --config {s.Config}\n" + (changed.Count == 0
                ? "the same configuration, nothing changed on the command line"
                : "changed on the command line: " + string.Join(", ", changed.Select(c => $"{c.Key} {c.Before ?? "(none)"} -> {c.After ?? "(none)"}"))),
        };
    }
}
