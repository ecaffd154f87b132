using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// Input checks shared by the queue and momentum contrastive losses (<see cref="MoCoLoss"/>,
/// <see cref="MoCoV3Loss"/>, <see cref="NNCLRLoss"/>, <see cref="CrossViewInfoNCELoss.OneDirection"/>), so that every
/// one fails with the same clear messages.
/// </summary>
internal static class ContrastiveChecks
{
    /// <summary>Throws unless <paramref name="temperature"/> is a finite number &gt; 0.</summary>
    public static void Temperature(string loss, double temperature, string typical)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                $"The {loss} temperature must be a finite number > 0 ({typical}).");
    }

    /// <summary>Throws unless <paramref name="x"/> is a 2-D <c>[N, D]</c> tensor with N, D &gt;= 1.</summary>
    public static void Matrix(string loss, string what, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x, what);
        if (x.dim() != 2 || x.shape[0] < 1 || x.shape[1] < 1)
            throw new ArgumentException(
                $"{loss} expects {what} as [N, D] with N, D >= 1 but got [{string.Join(", ", x.shape)}]. Flatten the head output to [N, D].");
    }

    /// <summary>Throws unless <paramref name="a"/> and <paramref name="b"/> have one shape.</summary>
    public static void SameShape(string loss, string whatA, Tensor a, string whatB, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException(
                $"{loss} needs {whatA} and {whatB} with one shape but got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}]; " +
                "row i of both must come from image i.");
    }

    /// <summary>Throws unless every element of every tensor is finite.</summary>
    public static void Finite(string loss, params Tensor[] xs)
    {
        foreach (var x in xs)
            if (!x.isfinite().all().item<bool>())
                throw new ArgumentException(
                    $"{loss} got NaN or infinite embeddings: training has diverged (lower the learning rate, " +
                    "check the data for NaN, or enable gradient clipping).");
    }
}
