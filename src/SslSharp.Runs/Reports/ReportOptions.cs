using SslSharp.Evaluation.Decoder;

namespace SslSharp.Runs.Reports;

/// <summary>Settings of <see cref="RunReport.Write"/>.</summary>
public sealed record ReportOptions
{
    /// <summary>The defaults.</summary>
    public static ReportOptions Default { get; } = new();

    /// <summary>Checkpoint file name inside the run folder (default <c>last.ckpt</c>).</summary>
    public string CheckpointFile { get; init; } = Training.Checkpoint.LastFileName;

    /// <summary>Whether to load the checkpoint to compute spectra, the PCA scatter and reconstructions (default true).</summary>
    public bool UseCheckpoint { get; init; } = true;

    /// <summary>Held-out images (the first ones of the test set, a fixed subset) used for spectra and PCA.</summary>
    public int SubsetSize { get; init; } = 2000;

    /// <summary>Whether to run the decoder evaluation when the folder has no <c>reconstructions.png</c> (default true).</summary>
    public bool RunDecoder { get; init; } = true;

    /// <summary>Decoder settings when it runs.</summary>
    public DecoderOptions Decoder { get; init; } = DecoderOptions.Default;

    /// <summary>Device for the checkpoint computations.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Data set override (null: the one the run trained on).</summary>
    public string? Dataset { get; init; }

    /// <summary>Data folder override.</summary>
    public string? DataDir { get; init; }
}
