using SslSharp.Augment;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Data;

/// <summary>Computes frozen features of a whole image set with an encoder, batch by batch.</summary>
/// <remarks>
/// The encoder runs in eval mode (BatchNorm uses its running statistics, dropout is off) under
/// <c>torch.no_grad()</c>, as in DINO's <c>extract_features</c> and solo-learn's kNN callback.
/// Every module's previous train/eval mode is restored afterwards, so the call can run in the
/// middle of training. Each batch runs in its own dispose scope: memory stays flat.
/// </remarks>
public static class FeatureExtractor
{
    /// <summary>Extracts features <c>[N, D]</c> (float32, CPU) of <paramref name="images"/>.</summary>
    /// <param name="encoder">Maps images <c>[B, C, H, W]</c> to features <c>[B, D]</c> (an <see cref="Backbones.IBackbone"/>).</param>
    /// <param name="images">
    /// Images <c>[N, C, H, W]</c>: uint8 (divided by 255) or float already in [0, 1]; on any device
    /// (batches are moved to <paramref name="device"/>).
    /// </param>
    /// <param name="preprocess">
    /// Applied to each float batch in [0, 1] on <paramref name="device"/> before the encoder
    /// (e.g. resize + normalise); null for none.
    /// </param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="device">Where the encoder runs; null uses the device of its first parameter (CPU if it has none).</param>
    /// <param name="progress">Called after every batch with (images done, total images); null for none.</param>
    /// <returns>Features <c>[N, D]</c>, float32, on the CPU.</returns>
    public static Tensor Extract(nn.Module<Tensor, Tensor> encoder, Tensor images, Func<Tensor, Tensor>? preprocess = null,
        int batchSize = 256, Device? device = null, Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(images);
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be at least 1.");
        if (images.dim() != 4)
            throw new ArgumentException($"images must be [N, C, H, W] but has shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.dtype != ScalarType.Byte && !images.is_floating_point())
            throw new ArgumentException($"images must be uint8 (0..255) or float in [0, 1] but are {images.dtype}.", nameof(images));
        long n = images.shape[0];
        if (n == 0)
            throw new ArgumentException("images is empty (0 images): nothing to extract.", nameof(images));
        device ??= encoder.parameters().FirstOrDefault()?.device ?? CPU;

        var modes = RecordModes(encoder);
        encoder.eval();
        try
        {
            using var noGrad = no_grad();
            Tensor? features = null;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(batchSize, n - start);
                var batch = images.narrow(0, start, count).to(device);
                batch = batch.dtype == ScalarType.Byte ? batch.to(ScalarType.Float32).div_(255) : batch.to(ScalarType.Float32);
                if (preprocess is not null) batch = preprocess(batch);
                var output = encoder.call(batch);
                if (output.dim() != 2 || output.shape[0] != count)
                    throw new InvalidOperationException(
                        $"The encoder must return features [{count}, D] for a batch of {count} images but returned " +
                        $"[{string.Join(", ", output.shape)}]. Use a backbone without classifier that pools to a vector.");
                if (features is null)
                    features = empty(n, output.shape[1], ScalarType.Float32).MoveToOuterDisposeScope();
                else if (output.shape[1] != features.shape[1])
                    throw new InvalidOperationException($"The encoder's feature width changed from {features.shape[1]} to {output.shape[1]} between batches.");
                features.narrow(0, start, count).copy_(output.to(ScalarType.Float32).cpu());
                progress?.Invoke(start + count, n);
            }
            return features!;
        }
        finally
        {
            RestoreModes(encoder, modes);
        }
    }

    /// <summary>
    /// Extracts features with an <see cref="IBatchTransform"/> as the preprocessing (the eval
    /// transform of an augmentation preset: deterministic resize / centre crop / normalise).
    /// </summary>
    /// <param name="encoder">Maps images <c>[B, C, H, W]</c> to features <c>[B, D]</c>.</param>
    /// <param name="images">Images <c>[N, C, H, W]</c>, uint8 or float in [0, 1].</param>
    /// <param name="transform">Applied to each float batch in [0, 1].</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="device">Where the encoder runs; null uses the device of its first parameter.</param>
    /// <param name="seed">Seed of the generator handed to <paramref name="transform"/> (eval transforms normally draw nothing).</param>
    /// <returns>Features <c>[N, D]</c>, float32, on the CPU.</returns>
    public static Tensor Extract(nn.Module<Tensor, Tensor> encoder, Tensor images, IBatchTransform transform,
        int batchSize = 256, Device? device = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(transform);
        using var generator = new Generator((ulong)seed);
        return Extract(encoder, images, batch => transform.Apply(batch, generator), batchSize, device);
    }

    /// <summary>The train/eval flag of <paramref name="module"/> and all its descendants, parents first.</summary>
    internal static List<(nn.Module Module, bool Training)> RecordModes(nn.Module module)
    {
        var modes = new List<(nn.Module, bool)>();
        void Visit(nn.Module m)
        {
            modes.Add((m, m.training));
            foreach (var (_, child) in m.named_children()) Visit(child);
        }
        Visit(module);
        return modes;
    }

    /// <summary>Restores flags recorded by <see cref="RecordModes"/> (parents first, so children keep their own flag).</summary>
    internal static void RestoreModes(nn.Module module, List<(nn.Module Module, bool Training)> modes)
    {
        foreach (var (m, training) in modes) m.train(training);
    }
}
