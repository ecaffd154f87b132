using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SslSharp.Evaluation.Decoder;

/// <summary>
/// Writes a <see cref="DecoderResult"/> into a folder: the grid (<see cref="DecoderGrid.FileName"/>),
/// <see cref="JsonFileName"/> (the numbers) and <see cref="MarkdownFileName"/> (one Markdown table row
/// with its header, for result tables).
/// </summary>
public static class DecoderReportFiles
{
    /// <summary>File name of the JSON result.</summary>
    public const string JsonFileName = "decoder.json";

    /// <summary>File name of the Markdown table row.</summary>
    public const string MarkdownFileName = "decoder.md";

    /// <summary>Writes the three files into <paramref name="folder"/> (created if needed) and returns their paths.</summary>
    /// <param name="result">The evaluation.</param>
    /// <param name="folder">Output folder.</param>
    /// <param name="label">Where the representation came from (e.g. the checkpoint path).</param>
    /// <param name="method">Method name, or null.</param>
    /// <param name="dataset">Data set name, or null.</param>
    /// <param name="options">The settings used, recorded in the JSON.</param>
    public static IReadOnlyList<string> Write(DecoderResult result, string folder, string label, string? method, string? dataset,
        DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(folder);
        var png = Path.Combine(folder, DecoderGrid.FileName);
        DecoderGrid.Write(result.Samples, png);
        var json = Path.Combine(folder, JsonFileName);
        File.WriteAllText(json, ToJson(result, label, method, dataset, options));
        var md = Path.Combine(folder, MarkdownFileName);
        File.WriteAllText(md, ToMarkdown(result, label, method, dataset, options));
        return [png, json, md];
    }

    /// <summary>The JSON document: snake_case names, <c>test_mse</c> and <c>mean_image_mse</c> on normalised pixels.</summary>
    public static string ToJson(DecoderResult result, string label, string? method, string? dataset, DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var doc = new JsonObject
        {
            ["evaluation"] = "decoder",
            ["source"] = label,
            ["method"] = method,
            ["dataset"] = dataset,
            ["test_mse"] = result.TestMse,
            ["mean_image_mse"] = result.MeanImageMse,
            ["explained_fraction"] = double.IsFinite(result.ExplainedFraction) ? result.ExplainedFraction : null,
            ["train_mse_per_epoch"] = new JsonArray(result.TrainMsePerEpoch.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["test_mse_per_epoch"] = new JsonArray(result.TestMsePerEpoch.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["train_images"] = result.TrainCount,
            ["test_images"] = result.TestCount,
            ["feature_dim"] = result.FeatureDim,
            ["epochs"] = options.Epochs,
            ["batch_size"] = options.BatchSize,
            ["learning_rate"] = options.LearningRate,
            ["seed"] = options.Seed,
            ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 2),
            ["grid"] = DecoderGrid.FileName,
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;
    }

    /// <summary>A Markdown table (header and one row) with the decoder's numbers.</summary>
    public static string ToMarkdown(DecoderResult result, string label, string? method, string? dataset, DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var ci = CultureInfo.InvariantCulture;
        static string Cell(string? s) => string.IsNullOrEmpty(s) ? "-" : s.Replace("|", "\\|", StringComparison.Ordinal);
        var sb = new StringBuilder();
        sb.AppendLine("| method | dataset | source | decoder test MSE | mean-image MSE | explained | epochs |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|");
        sb.Append(ci, $"| {Cell(method)} | {Cell(dataset)} | {Cell(label)} | {result.TestMse:F4} | {result.MeanImageMse:F4} | ")
          .Append(ci, $"{100 * result.ExplainedFraction:F1} % | {options.Epochs} |").AppendLine();
        return sb.ToString();
    }
}
