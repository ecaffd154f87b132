using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Methods.Contrastive;

/// <summary>
/// In-batch negatives for two-view metric learning: the anchors are the 2N rows of <c>[z1; z2]</c>, the
/// positive of row r is the other view of the same image, and the negative is one row of another image
/// (either view), chosen by <see cref="NegativeMining"/>.
/// </summary>
/// <remarks>Positives = the two views, negatives = the other samples in the batch (docs/methods.md#triplet-and-contrastive-margin-losses).
/// Hardest: the smallest <see cref="PairDistance.Matrix"/> distance (batch-hard, Hermans et al. 2017).
/// Semi-hard: the smallest distance that exceeds the anchor-positive distance (FaceNet, Schroff et al. 2015),
/// else the largest: FaceNet's remedy for the collapse that batch-hard triplets can fall into early in training.
/// The selection itself carries no gradient; the loss differentiates through the selected rows.</remarks>
public static class BatchNegatives
{
    /// <summary>For each of the 2N anchors <c>[z1; z2]</c>, the row index (in <c>[0, 2N)</c>) of its negative.</summary>
    /// <param name="anchors">The stacked views <c>[2N, D]</c>: rows <c>i</c> and <c>N + i</c> are image i.</param>
    /// <param name="mining">Hardest, semi-hard or random.</param>
    /// <param name="generator">Random source for <see cref="NegativeMining.Random"/> (a CPU generator); unused otherwise.</param>
    /// <returns>Indices <c>[2N]</c> int64 on the anchors' device; never an index of the anchor's own image.</returns>
    /// <exception cref="ArgumentException">Not <c>[2N, D]</c> with N &gt;= 2, or random mining without a generator.</exception>
    public static Tensor Select(Tensor anchors, NegativeMining mining, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        if (anchors.dim() != 2 || anchors.shape[0] % 2 != 0 || anchors.shape[0] < 4)
            throw new ArgumentException(
                $"In-batch negatives need the two views stacked as [2N, D] with N >= 2 (a batch of 1 has no negatives) but got [{string.Join(", ", anchors.shape)}]. " +
                "Increase the batch size.", nameof(anchors));
        long rows = anchors.shape[0], n = rows / 2;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var device = anchors.device;
        using Scalar rowCount = rows, images = n, plusInfinity = double.PositiveInfinity, minusInfinity = double.NegativeInfinity;   // held: see Augment/Functional/ScalarCache
        var row = torch.arange(rowCount, dtype: ScalarType.Int64, device: device);             // [2N]
        var image = row.remainder(images);
        if (mining != NegativeMining.Random)
        {
            var distances = PairDistance.Matrix(anchors.detach(), anchors.detach());              // [2N, 2N]
            var sameImage = image.unsqueeze(1).eq(image.unsqueeze(0));
            if (mining == NegativeMining.Hardest)
                return distances.masked_fill(sameImage, plusInfinity).argmin(1).MoveToOuterDisposeScope();
            // Semi-hard: row r's positive is the other view of its image, column (r + N) mod 2N.
            var positive = row.add(images).remainder(rowCount);
            var dPositive = distances.gather(1, positive.unsqueeze(1));                          // [2N, 1]
            var farther = distances.gt(dPositive).logical_and(sameImage.logical_not());
            var semiHard = distances.masked_fill(farther.logical_not(), plusInfinity).argmin(1);
            var farthest = distances.masked_fill(sameImage, minusInfinity).argmax(1);
            return torch.where(farther.any(1), semiHard, farthest).MoveToOuterDisposeScope();
        }
        if (generator is null)
            throw new ArgumentException("Random negative mining needs a seeded generator.", nameof(generator));
        // Uniform over the 2N - 2 rows of other images: another image (offset 1..N-1) and a view (0 or 1).
        var offset = torch.randint(1, n, new[] { rows }, generator: generator, dtype: ScalarType.Int64).to(device);
        var view = torch.randint(0, 2, new[] { rows }, generator: generator, dtype: ScalarType.Int64).to(device);
        return ((image + offset).remainder(images) + view * images).MoveToOuterDisposeScope();
    }
}
