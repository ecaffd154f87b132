using System.Globalization;
using System.Runtime.InteropServices;
using SslSharp.Augment;
using SslSharp.Evaluation.Decoder;
using SslSharp.Evaluation.Spectral;
using SslSharp.Methods.Masked;
using SslSharp.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Runs.Reports;

/// <summary>
/// The report sections computed from the run's checkpoint: singular-value spectra (unless the run
/// folder already has them), the PCA scatter and the reconstruction grid. The checkpoint is loaded
/// at most once, on first need; when it cannot be loaded, each section says why.
/// </summary>
internal sealed class CheckpointSections(string runDirectory, ReportOptions options, Action<string, long, long>? progress) : IDisposable
{
    /// <summary>File name of the spectrum plot.</summary>
    public const string SpectrumPlotFile = "spectrum.png";

    /// <summary>File name of the PCA scatter.</summary>
    public const string PcaPlotFile = "pca.png";

    private LoadedCheckpoint? _loaded;
    private string? _loadError;
    private bool _tried;
    private Tensor? _features, _embeddings;
    private string? _embeddingError;

    private string CheckpointPath => Path.Combine(runDirectory, options.CheckpointFile);

    /// <summary>Backbone and embedding spectra: from the CSV files when present, else computed.</summary>
    public void Spectrum(ReportSection section)
    {
        section.Paragraphs.Add("Singular values of the uncentred representation matrix (the spectrum RankMe is computed from, " +
                               "Garrido et al., 2023), divided by the largest, on a log scale (as in Jing et al., 2022). A spectrum that plunges after a few values shows dimensional collapse: the " +
                               "representation uses only a few directions.");
        var spectra = new List<(string, double[])>();
        foreach (var (file, label, embedding) in new[] { (SpectrumCsv.BackboneFile, "backbone features", false), (SpectrumCsv.EmbeddingFile, "embeddings", true) })
        {
            var path = Path.Combine(runDirectory, file);
            if (File.Exists(path))
            {
                try
                {
                    spectra.Add(($"{label} ({file})", SpectrumCsv.Read(path)));
                    continue;
                }
                catch (InvalidDataException e)
                {
                    section.Notes.Add($"{file} could not be read ({e.Message}); computing the spectrum from the checkpoint instead.");
                }
            }
            var z = embedding ? Embeddings(section) : Features(section);
            if (z is not null)
                spectra.Add(($"{label} (computed, {z.shape[0]} held-out images)", SpectralMetrics.SingularValues(z)));
        }
        if (spectra.Count > 0) section.Paragraphs.Add("Spectra shown: " + string.Join("; ", spectra.Select(s => s.Item1)) + ".");
        if (ReportPlots.Spectrum(spectra, Path.Combine(runDirectory, SpectrumPlotFile)))
            section.Images.Add(new ReportImage(SpectrumPlotFile, "Log singular-value spectra of backbone features and embeddings."));
        else section.Notes.Add("No spectrum is available: the run folder has no spectrum_*.csv and the checkpoint could not be used.");
    }

    /// <summary>2-D PCA of backbone features of held-out images, coloured by class.</summary>
    public void Pca(ReportSection section)
    {
        var z = Features(section);
        if (z is null) return;
        if (z.shape[1] < 2) { section.Notes.Add($"The features have {z.shape[1]} dimension(s): nothing to project to 2-D."); return; }
        var (x, y, ex, ey) = EmbeddingAnalysis.Pca2(z);
        var labels = _loaded!.Test.Labels.narrow(0, 0, z.shape[0]).data<long>().ToArray();
        var ci = CultureInfo.InvariantCulture;
        ReportPlots.ClassScatter(x, y, labels, _loaded.Test.ClassNames,
            $"PCA of backbone features ({z.shape[0]} held-out images)",
            string.Create(ci, $"PC 1 ({100 * ex:F1} % of variance)"), string.Create(ci, $"PC 2 ({100 * ey:F1} % of variance)"),
            Path.Combine(runDirectory, PcaPlotFile));
        section.Images.Add(new ReportImage(PcaPlotFile,
            "Backbone features of held-out images projected on their first two principal components, coloured by class (labels are not used in training)."));
    }

    /// <summary>The reconstruction grid: the folder's <c>reconstructions.png</c>, or a decoder evaluation run now.</summary>
    public void Reconstructions(ReportSection section)
    {
        section.Paragraphs.Add("A small decoder trained on the frozen backbone features to redraw the pixels (MSE on normalised pixels). " +
                               "Top rows: held-out originals; bottom rows: their reconstructions. What the decoder cannot redraw, the " +
                               "representation has discarded.");
        var json = Path.Combine(runDirectory, CheckpointDecoder.JsonFileName);
        if (!File.Exists(Path.Combine(runDirectory, DecoderGrid.FileName)))
        {
            if (!options.RunDecoder) { section.Notes.Add($"{DecoderGrid.FileName} is missing and the decoder evaluation was switched off."); return; }
            if (Load(section) is not { } loaded) return;
            var (result, _) = CheckpointDecoder.Run(loaded, runDirectory, options.Decoder, progress);
            section.Paragraphs.Add("Decoder trained for this report: " + Scores(result.TestMse, result.MeanImageMse));
        }
        else if (ReadScores(json) is { } scores)
            section.Paragraphs.Add($"From {CheckpointDecoder.JsonFileName} (an earlier 'sslsharp eval decoder'): " + Scores(scores.Test, scores.Mean));
        else
            section.Notes.Add($"{DecoderGrid.FileName} exists but {CheckpointDecoder.JsonFileName} is missing or unreadable: the decoder's error is unknown.");
        section.Images.Add(new ReportImage(DecoderGrid.FileName, "Held-out images (top row of each pair) and their reconstructions from frozen features (bottom row)."));
    }

    /// <summary>An MAE run's own reconstructions: the folder's <see cref="MaskedReconstruction.GridFileName"/>, or drawn now
    /// from the checkpoint when the run's method is <c>mae</c>; nothing for other methods.</summary>
    public void MaskedReconstructions(ReportSection section)
    {
        var grid = Path.Combine(runDirectory, MaskedReconstruction.GridFileName);
        if (!File.Exists(grid))
        {
            var configPath = Path.Combine(runDirectory, RunConfig.FileName);
            if (!File.Exists(configPath) || !string.Equals(RunConfig.Read(configPath).Method, "mae", StringComparison.OrdinalIgnoreCase)) return;
            if (Load(section) is not { Method: MAE mae } loaded) return;
            DecoderGrid.Write(MaskedReconstruction.Sample(mae, loaded.Test.Images, loaded.Entry.Mean, loaded.Entry.Std,
                options.Decoder.GridImages, loaded.Config.Seed, loaded.Device), grid);
        }
        section.Paragraphs.Add("The MAE's own decoder on held-out images: for each image, the original, the input with its masked patches " +
                               "greyed out (all the encoder saw), and the reconstruction of the masked patches with the visible ones pasted back.");
        section.Images.Add(new ReportImage(MaskedReconstruction.GridFileName,
            "Held-out images (top), masked input (middle), MAE reconstruction with the visible patches kept (bottom)."));
    }

    private static string Scores(double test, double mean) => string.Create(CultureInfo.InvariantCulture,
        $"held-out MSE {test:F4} against {mean:F4} for the mean training image ({MetricSections.Percent(1 - test / mean)} of its error removed).");

    private static (double Test, double Mean)? ReadScores(string jsonPath)
    {
        if (!File.Exists(jsonPath)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(jsonPath));
            var root = doc.RootElement;
            // EvalReport keeps the numbers under "result"; decoder.json files of older versions had them at the top.
            if (root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty("result", out var result)
                && result.ValueKind == System.Text.Json.JsonValueKind.Object)
                root = result;
            return root.TryGetProperty("test_mse", out var t) && root.TryGetProperty("mean_image_mse", out var m) &&
                   t.TryGetDouble(out double test) && m.TryGetDouble(out double mean) ? (test, mean) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private Tensor? Features(ReportSection section)
    {
        if (_features is not null) return _features;
        if (Load(section) is not { } loaded) return null;
        progress?.Invoke("representations", 0, 2);
        _features = EmbeddingAnalysis.Features(loaded.Method, Subset(loaded), Normalizer(loaded), loaded.Device).DetachFromDisposeScope();
        progress?.Invoke("representations", 1, 2);
        return _features;
    }

    private Tensor? Embeddings(ReportSection section)
    {
        if (_embeddings is not null) return _embeddings;
        if (_embeddingError is not null) { section.Notes.Add(_embeddingError); return null; }
        if (Load(section) is not { } loaded) return null;
        try
        {
            _embeddings = EmbeddingAnalysis.Embeddings(loaded.Method, Subset(loaded), Normalizer(loaded), loaded.Device)?.DetachFromDisposeScope();
            if (_embeddings is null) _embeddingError = $"The method '{loaded.Config.Method}' returns no embeddings; only backbone features are shown.";
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or ExternalException)
        {
            _embeddingError = $"The embeddings could not be computed ({e.Message}); only backbone features are shown.";
        }
        progress?.Invoke("representations", 2, 2);
        if (_embeddingError is not null) section.Notes.Add(_embeddingError);
        return _embeddings;
    }

    private Tensor Subset(LoadedCheckpoint loaded) =>
        loaded.Test.Images.narrow(0, 0, Math.Min(options.SubsetSize, loaded.Test.Count));

    private static Normalize Normalizer(LoadedCheckpoint loaded) => new(loaded.Entry.Mean, loaded.Entry.Std);

    private LoadedCheckpoint? Load(ReportSection section)
    {
        if (!_tried)
        {
            _tried = true;
            if (!options.UseCheckpoint) _loadError = "The checkpoint was not used (--no-checkpoint).";
            else if (!File.Exists(CheckpointPath)) _loadError = $"No checkpoint '{options.CheckpointFile}' in the run folder.";
            else
            {
                try
                {
                    _loaded = LoadedCheckpoint.Open(CheckpointPath, new EvaluationData { Dataset = options.Dataset, DataDir = options.DataDir }, options.Device);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or NotSupportedException)
                {
                    _loadError = $"The checkpoint '{options.CheckpointFile}' could not be loaded: {e.Message}";
                }
            }
        }
        if (_loaded is null) section.Notes.Add(_loadError + " This section needs it.");
        return _loaded;
    }

    /// <summary>Frees the checkpoint, its data and the cached representations.</summary>
    public void Dispose()
    {
        _features?.Dispose();
        _embeddings?.Dispose();
        _loaded?.Dispose();
    }
}
