using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Augment;

/// <summary>
/// Turns a batch of raw images into the views a method trains on (two views, or multi-crop).
/// </summary>
public interface IViewGenerator
{
    /// <summary>
    /// Creates the views of <paramref name="images"/> (<c>uint8 [N, C, H, W]</c>).
    /// </summary>
    /// <param name="images">Raw images, <c>uint8 [N, C, H, W]</c>.</param>
    /// <param name="labels">Labels <c>[N]</c> to carry along, or null.</param>
    /// <param name="generator">The source of every random draw.</param>
    ViewBatch CreateViews(Tensor images, Tensor? labels, Generator generator);
}
