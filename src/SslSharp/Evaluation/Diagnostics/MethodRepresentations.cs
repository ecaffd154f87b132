using SslSharp.Augment;
using SslSharp.Data;
using SslSharp.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Diagnostics;

/// <summary>
/// The backbone features and method embeddings of a fixed image set, read through the method's own
/// forward pass: what <see cref="DiagnosticsCallback"/> and <c>sslsharp eval rank</c> analyse.
/// </summary>
/// <remarks>
/// <para>Features are <see cref="SslMethod.Encoder"/>'s output and embeddings <see cref="SslMethod.Embed"/>'s
/// (the projector for most methods), both in eval mode under <c>no_grad</c>. Neither calls the method's
/// training forward, so no loss is computed and no queue, centre, pseudo-label or random draw is
/// touched: any image count and batch size works for every method (a forward pass would refuse a
/// last batch that is not a multiple of MoCo's queue, W-MSE's whitening size or DeepCluster's
/// indices). For the alignment, two augmented views <c>a</c>, <c>b</c> are drawn per image (seeded, the
/// same every time) and embedded the same way; a view generator with one view per image (DeepCluster's)
/// gives no alignment. Every module's train/eval flag is restored afterwards.</para>
/// </remarks>
public sealed class MethodRepresentations : IDisposable
{
    private MethodRepresentations(Tensor features, Tensor? embeddings, Tensor? viewA, Tensor? viewB)
    {
        Features = features;
        Embeddings = embeddings;
        EmbeddingsViewA = viewA;
        EmbeddingsViewB = viewB;
    }

    /// <summary>Backbone features <c>[N, D]</c> of the preprocessed images (float32, CPU).</summary>
    public Tensor Features { get; }

    /// <summary>Method embeddings <c>[N, E]</c> of the preprocessed images (float32, CPU), or null when the method returns none.</summary>
    public Tensor? Embeddings { get; }

    /// <summary>Embeddings <c>[N, E]</c> of the first augmented view, or null (no view generator, or no embeddings).</summary>
    public Tensor? EmbeddingsViewA { get; }

    /// <summary>Embeddings <c>[N, E]</c> of the second augmented view (row i is the positive of row i of <see cref="EmbeddingsViewA"/>), or null.</summary>
    public Tensor? EmbeddingsViewB { get; }

    /// <summary>Extracts the representations of <paramref name="images"/>.</summary>
    /// <param name="method">The method (any train/eval mode; restored afterwards).</param>
    /// <param name="images">Images <c>[N, C, H, W]</c>, uint8 (divided by 255) or float in [0, 1]; the augmented
    /// views need uint8.</param>
    /// <param name="preprocess">Eval preprocessing of float batches in [0, 1] on the device (normalisation), or null.</param>
    /// <param name="views">Draws the augmented views for the alignment (the training views), or null to skip them (also skipped when it makes one view per image).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="device">Where the method runs; null uses the device of its first parameter.</param>
    /// <param name="seed">Seed of the augmented views (batch b uses <c>seed + b</c>).</param>
    /// <param name="progress">Called after every batch with (images done, total images), or null.</param>
    /// <exception cref="ArgumentException">Bad images or batch size.</exception>
    public static MethodRepresentations Extract(SslMethod method, Tensor images, Func<Tensor, Tensor>? preprocess = null,
        IViewGenerator? views = null, int batchSize = 256, Device? device = null, long seed = 0, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(images);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"images must be a non-empty [N, C, H, W] tensor but has shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.dtype != ScalarType.Byte && !images.is_floating_point())
            throw new ArgumentException($"images must be uint8 (0..255) or float in [0, 1] but are {images.dtype}.", nameof(images));
        if (views is not null && images.dtype != ScalarType.Byte)
            throw new ArgumentException("Augmented views are drawn from raw uint8 images; pass uint8 images or no view generator.", nameof(views));
        device ??= method.parameters().FirstOrDefault()?.device ?? CPU;
        long n = images.shape[0];

        var modes = FeatureExtractor.RecordModes(method);
        method.eval();
        try
        {
            using var noGrad = no_grad();
            Tensor? features = null, embeddings = null, viewA = null, viewB = null;
            for (long start = 0, b = 0; start < n; start += batchSize, b++)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(batchSize, n - start);
                var raw = images.narrow(0, start, count);
                var x = raw.to(device);
                x = x.dtype == ScalarType.Byte ? x.to(ScalarType.Float32).div_(255) : x.to(ScalarType.Float32);
                if (preprocess is not null) x = preprocess(x);
                var h = method.Encoder.call(x);
                features = Store(features, h, start, n, "features");
                if (method.Embed(h) is { } z)
                {
                    embeddings = Store(embeddings, z, start, n, "embeddings");
                    if (views is not null)
                    {
                        using var generator = new Generator((ulong)(seed + b));
                        using var batch = views.CreateViews(raw.cpu(), null, generator);
                        if (batch.GlobalCount < 2)
                        {
                            views = null; // one view per image (DeepCluster): nothing to align
                            viewA?.Dispose(); viewB?.Dispose();
                            viewA = viewB = null;
                        }
                        else
                        {
                            viewA = Store(viewA, Embedding(method, batch.Views[0].to(device)), start, n, "embeddings");
                            viewB = Store(viewB, Embedding(method, batch.Views[1].to(device)), start, n, "embeddings");
                        }
                    }
                }
                progress?.Invoke(start + count, n);
            }
            return new MethodRepresentations(features!, embeddings, viewA, viewB);
        }
        finally
        {
            FeatureExtractor.RestoreModes(method, modes);
        }
    }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Features.Dispose();
        Embeddings?.Dispose();
        EmbeddingsViewA?.Dispose();
        EmbeddingsViewB?.Dispose();
    }

    private static Tensor Embedding(SslMethod method, Tensor images) =>
        method.Embed(method.Encoder.call(images)) ?? throw new InvalidOperationException($"{method.GetName()}.Embed returned embeddings for some images and none for others.");

    private static Tensor Store(Tensor? target, Tensor values, long start, long n, string what)
    {
        if (values.dim() != 2 || values.shape[0] == 0)
            throw new InvalidOperationException($"The method returned {what} of shape [{string.Join(", ", values.shape)}]; expected [B, D].");
        long count = values.shape[0];
        if (target is null)
            target = empty(n, values.shape[1], ScalarType.Float32).MoveToOuterDisposeScope();
        else if (values.shape[1] != target.shape[1])
            throw new InvalidOperationException($"The width of the method's {what} changed from {target.shape[1]} to {values.shape[1]} between batches.");
        target.narrow(0, start, count).copy_(values.detach().to(ScalarType.Float32).cpu());
        return target;
    }
}
