using System.Diagnostics;
using SslSharp.Augment;
using SslSharp.Augment.Presets;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Benchmarks;

/// <summary>
/// Images per second of the two-view SimCLR pipeline (crop + flip + colour jitter + grayscale +
/// normalise, no blur) on one thread, batch 256, at 32 x 32 and 96 x 96 RGB input.
/// </summary>
/// <remarks>
/// Baseline: torchvision's PIL pipeline (RandomResizedCrop, RandomHorizontalFlip,
/// RandomApply(ColorJitter(0.4, 0.4, 0.4, 0.1), 0.8), RandomGrayscale(0.2), ToTensor) measured at
/// about 1,650 images/s (two views per image) on one thread of this machine at 32 x 32.
/// One "image" is one source image turned into two views.
/// </remarks>
public static class AugmentThroughput
{
    /// <summary>torchvision's PIL pipeline on one thread here, images/s (two views each) at 32 x 32.</summary>
    public const double TorchvisionPil32 = 1650;

    /// <summary>One measured configuration.</summary>
    /// <param name="ImageSize">Side of the input and output images.</param>
    /// <param name="ImagesPerSecond">Source images turned into two views per second.</param>
    /// <param name="MillisecondsPerBatch">Median time for one batch of 256 images (both views).</param>
    public sealed record Result(int ImageSize, double ImagesPerSecond, double MillisecondsPerBatch);

    /// <summary>Runs the measurement at 32 and 96 px and prints a table with the ratio to the PIL baseline.</summary>
    /// <param name="batches">Timed batches per size (after 3 warm-up batches).</param>
    /// <param name="threads">Torch intra-op threads (1 for a per-core figure).</param>
    public static IReadOnlyList<Result> Run(int batches = 20, int threads = 1)
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            var results = new List<Result> { Measure(32, batches), Measure(96, Math.Max(3, batches / 4)) };
            Console.WriteLine($"SimCLR two-view augmentation, batch 256, {threads} thread(s):");
            foreach (var r in results)
                Console.WriteLine($"  {r.ImageSize,3} px: {r.ImagesPerSecond,9:N0} images/s ({r.MillisecondsPerBatch:F1} ms/batch)" +
                                  (r.ImageSize == 32 ? $"  = {r.ImagesPerSecond / TorchvisionPil32:F1}x torchvision PIL ({TorchvisionPil32:N0}/s)" : ""));
            return results;
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    /// <summary>Median throughput of the two-view SimCLR generator (no blur) at one image size.</summary>
    public static Result Measure(int imageSize, int batches, int batchSize = 256)
    {
        var views = SimCLRAugment.Create(imageSize, 3, SimCLRAugment.Cifar10Mean, SimCLRAugment.Cifar10Std, blur: false);
        var gen = new Generator(42);
        using var images = torch.randint(0, 256, new long[] { batchSize, 3, imageSize, imageSize }, dtype: ScalarType.Byte, generator: gen);
        var times = new List<double>();
        for (int i = 0; i < batches + 3; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            using (var batch = views.CreateViews(images, null, gen))
            {
            }
            sw.Stop();
            if (i >= 3) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double ms = times[times.Count / 2];
        return new Result(imageSize, batchSize / (ms / 1000.0), ms);
    }
}
