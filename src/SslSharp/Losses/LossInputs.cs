using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// Input checks shared by the embedding losses (DCL, triplet, Hadsell contrastive, cross-view InfoNCE,
/// W-MSE): each throws an exception whose message names the loss and says what to change.
/// </summary>
internal static class LossInputs
{
    /// <summary>Throws unless <paramref name="a"/> and <paramref name="b"/> are both <c>[N, D]</c> with one shape.</summary>
    internal static void SamePairShape(string loss, Tensor a, Tensor b, string what = "row i of both inputs must belong to image i")
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.dim() != 2 || b.dim() != 2)
            throw new ArgumentException(
                $"{loss} expects embeddings [N, D] but got [{Shape(a)}] and [{Shape(b)}]. Flatten the projector output to [N, D].");
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"{loss} needs inputs of one shape [N, D] but got [{Shape(a)}] and [{Shape(b)}]; {what}.");
        if (a.shape[1] < 1)
            throw new ArgumentException($"{loss} needs embeddings with at least one dimension (D >= 1).");
    }

    /// <summary>Throws when the batch has fewer than <paramref name="minimum"/> rows.</summary>
    internal static void MinimumRows(string loss, long rows, long minimum, string why)
    {
        if (rows < minimum)
            throw new ArgumentException($"{loss} needs a batch of at least {minimum} images but got {rows} ({why}). Increase the batch size.");
    }

    /// <summary>Throws when an input holds NaN or infinity.</summary>
    internal static void Finite(string loss, params Tensor[] tensors)
    {
        foreach (var t in tensors)
            if (!t.isfinite().all().item<bool>())
                throw new ArgumentException(
                    $"{loss} got NaN or infinite embeddings: training has diverged (lower the learning rate, " +
                    "check the data for NaN, or enable gradient clipping).");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number &gt; 0.</summary>
    internal static void Positive(string parameter, double value, string hint)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(parameter, value, $"{hint} must be a finite number > 0.");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number &gt;= 0.</summary>
    internal static void NonNegative(string parameter, double value, string hint)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(parameter, value, $"{hint} must be a finite number >= 0.");
    }

    internal static string Shape(Tensor t) => string.Join(", ", t.shape);
}
