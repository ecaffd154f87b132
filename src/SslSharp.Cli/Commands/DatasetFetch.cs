using SslSharp.Data;
using Spectre.Console;

namespace SslSharp.Cli.Commands;

/// <summary><c>--download</c>: fetches a data set's official archive into <c>--data-dir</c> (with a progress bar) before a command reads it.</summary>
internal static class DatasetFetch
{
    /// <summary>Downloads, checks and unpacks <paramref name="dataset"/> into <paramref name="dataDir"/> unless it is already there.</summary>
    /// <param name="dataset">A catalog name.</param>
    /// <param name="dataDir">The data folder (required).</param>
    /// <param name="from">A mirror's base address instead of the official one, or null.</param>
    /// <param name="ct">Cancels the download (the partial file stays and is resumed next time).</param>
    /// <exception cref="ArgumentException">The data set has no download, or no folder was given.</exception>
    public static void Run(string dataset, string? dataDir, string? from, CancellationToken ct)
    {
        var entry = DatasetCatalog.Find(dataset);
        var download = entry.Download ?? throw new ArgumentException(
            $"--download: the data set {entry.Name} has no archive to fetch; data sets with one: " +
            $"{string.Join(", ", DatasetCatalog.Entries.Where(e => e.Download is not null).Select(e => e.Name))}.");
        if (string.IsNullOrWhiteSpace(dataDir))
            throw new ArgumentException($"--download needs --data-dir DIR: the folder to put {download.DataSet} in (e.g. --data-dir data).");
        string said = "";
        AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"{download.DataSet} {download.FileName}", maxValue: download.Size ?? 1);
                said = download.Fetch(dataDir, from, (got, total) =>
                {
                    if (total is long t) task.MaxValue = t;
                    task.Value = got;
                }, ct: ct);
            });
        AnsiConsole.MarkupLine(Markup.Escape(said));
    }
}
