using SslSharp.Evaluation;
using SslSharp.Evaluation.Decoder;
using SslSharp.Reporting;

namespace SslSharp.Runs.Reports;

/// <summary>
/// The decoder visual evaluation of a checkpoint's encoder (what <c>sslsharp eval decoder</c>
/// runs): <see cref="DecoderEvaluation.Run"/> on the checkpoint's data set, written with
/// <see cref="Write"/> (the grid, and <see cref="EvalReport.FromDecoder"/> as <c>decoder.json</c> / <c>decoder.md</c>).
/// </summary>
public static class CheckpointDecoder
{
    /// <summary>File stem of the decoder report (<c>decoder.json</c>, <c>decoder.md</c>).</summary>
    public const string ReportName = "decoder";

    /// <summary>File name of the JSON result, read back by <c>sslsharp report</c> (<c>result.test_mse</c>, <c>result.mean_image_mse</c>).</summary>
    public const string JsonFileName = ReportName + ".json";

    /// <summary>Writes the grid (<see cref="DecoderGrid.FileName"/>), <c>decoder.json</c> and <c>decoder.md</c> into
    /// <paramref name="folder"/> (created if needed) and returns their paths.</summary>
    /// <param name="result">The evaluation.</param>
    /// <param name="folder">Output folder.</param>
    /// <param name="label">Where the representation came from (e.g. the checkpoint file).</param>
    /// <param name="method">Method name, or null.</param>
    /// <param name="dataset">Data set name, or null.</param>
    /// <param name="options">The settings used, recorded in the JSON.</param>
    /// <param name="suffix">Appended to each file's stem (<c>_val</c> for a validation split, so that it never overwrites the test-set files).</param>
    /// <param name="evaluatedOn">Which images were held out, recorded in the JSON as <c>evaluated_on</c>; null: not recorded.</param>
    public static IReadOnlyList<string> Write(DecoderResult result, string folder, string label, string? method, string? dataset, DecoderOptions options,
        string suffix = "", string? evaluatedOn = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(suffix);
        Directory.CreateDirectory(folder);
        var png = Path.Combine(folder, Path.GetFileNameWithoutExtension(DecoderGrid.FileName) + suffix + Path.GetExtension(DecoderGrid.FileName));
        DecoderGrid.Write(result.Samples, png);
        var report = EvalReport.FromDecoder(result, options, ReportName + suffix, Path.GetFileName(png)).With("source", label);
        if (method is not null) report.With("method", method);
        if (dataset is not null) report.With("dataset", dataset);
        if (evaluatedOn is not null) report.With("evaluated_on", evaluatedOn);
        var (json, md) = report.Write(folder);
        return [png, json, md];
    }

    /// <summary>Evaluates the loaded checkpoint and writes <c>reconstructions.png</c>, <c>decoder.json</c>, <c>decoder.md</c>.</summary>
    /// <param name="loaded">The checkpoint with its data.</param>
    /// <param name="outputFolder">Folder for the three files.</param>
    /// <param name="options">Decoder settings (null: defaults).</param>
    /// <param name="progress">(phase, done, total), see <see cref="DecoderEvaluation.Run"/>.</param>
    /// <param name="suffix">See <see cref="Write"/>.</param>
    /// <param name="evaluatedOn">See <see cref="Write"/>.</param>
    public static (DecoderResult Result, IReadOnlyList<string> Files) Run(LoadedCheckpoint loaded, string outputFolder,
        DecoderOptions? options = null, Action<string, long, long>? progress = null, string suffix = "", string? evaluatedOn = null)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        options ??= DecoderOptions.Default;
        var result = DecoderEvaluation.Run(loaded.Method.Encoder, loaded.Train.Images, loaded.Test.Images, loaded.Entry.Mean, loaded.Entry.Std,
            options, loaded.Device, progress);
        var files = Write(result, outputFolder, Path.GetFileName(loaded.Path), loaded.Config.Method, loaded.Entry.Name, options, suffix, evaluatedOn);
        return (result, files);
    }

    /// <summary>Opens <paramref name="checkpoint"/> with the images of <paramref name="data"/> (null: its run's data set;
    /// see <see cref="LoadedCheckpoint.Open"/>), evaluates it and writes the files into <paramref name="outputFolder"/>
    /// (null: the checkpoint's folder).</summary>
    public static (DecoderResult Result, IReadOnlyList<string> Files) Run(string checkpoint, string? outputFolder = null,
        DecoderOptions? options = null, EvaluationData? data = null, string device = "cpu",
        Action<string, long, long>? progress = null, string suffix = "", string? evaluatedOn = null)
    {
        using var loaded = LoadedCheckpoint.Open(checkpoint, data, device);
        return Run(loaded, outputFolder ?? CheckpointEvaluator.RunFolder(checkpoint), options, progress, suffix, evaluatedOn);
    }
}
