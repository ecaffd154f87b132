using SslSharp.Evaluation.Decoder;

namespace SslSharp.Reporting;

/// <summary>
/// The decoder visual evaluation of a checkpoint's encoder (what <c>sslsharp eval decoder</c>
/// runs): <see cref="DecoderEvaluation.Run"/> on the checkpoint's data set, written with
/// <see cref="DecoderReportFiles"/>.
/// </summary>
public static class CheckpointDecoder
{
    /// <summary>Evaluates the loaded checkpoint and writes <c>reconstructions.png</c>, <c>decoder.json</c>, <c>decoder.md</c>.</summary>
    /// <param name="loaded">The checkpoint with its data.</param>
    /// <param name="outputFolder">Folder for the three files.</param>
    /// <param name="options">Decoder settings (null: defaults).</param>
    /// <param name="progress">(phase, done, total), see <see cref="DecoderEvaluation.Run"/>.</param>
    public static (DecoderResult Result, IReadOnlyList<string> Files) Run(LoadedCheckpoint loaded, string outputFolder,
        DecoderOptions? options = null, Action<string, long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        options ??= DecoderOptions.Default;
        var result = DecoderEvaluation.Run(loaded.Method.Encoder, loaded.Train.Images, loaded.Test.Images, loaded.Entry.Mean, loaded.Entry.Std,
            options, loaded.Device, progress);
        var files = DecoderReportFiles.Write(result, outputFolder, Path.GetFileName(loaded.Path), loaded.Config.Method, loaded.Entry.Name, options);
        return (result, files);
    }

    /// <summary>Opens <paramref name="checkpoint"/>, evaluates it and writes the files into <paramref name="outputFolder"/>
    /// (null: the checkpoint's folder).</summary>
    public static (DecoderResult Result, IReadOnlyList<string> Files) Run(string checkpoint, string? outputFolder = null,
        DecoderOptions? options = null, string? dataset = null, string? dataDir = null, string device = "cpu",
        Action<string, long, long>? progress = null)
    {
        using var loaded = LoadedCheckpoint.Open(checkpoint, dataset, dataDir, device);
        return Run(loaded, outputFolder ?? Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, options, progress);
    }
}
