using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules.Masking;

/// <summary>
/// Block-wise masking (BEiT, as iBOT uses it): per image, rectangles of random area and aspect ratio are masked
/// until a drawn share of the patches is reached; iBOT masks only some of the images (a per-image coin).
/// </summary>
/// <remarks>
/// <para>Bao et al., "BEiT: BERT Pre-Training of Image Transformers" (ICLR 2022), Algorithm 1; reference code
/// microsoft/unilm <c>beit/masking_generator.py</c>; Zhou et al., "iBOT: Image BERT Pre-Training with Online
/// Tokenizer" (ICLR 2022), bytedance/ibot <c>loader.py</c> (<c>ImageFolderMask</c>, <c>pred_shape='block'</c>) with
/// the README's <c>--pred_ratio 0 0.3 --pred_ratio_var 0 0.2</c>. docs/methods.md#ibot.</para>
/// <para>Per image: with probability <see cref="MaskProbability"/> the image is masked (iBOT picks ratio 0 or
/// <c>U(0.1, 0.5)</c> with equal chance, so half the images in expectation), with budget
/// <c>B = ratio H W</c> patches. Until <c>B</c> is reached, up to 10 tries: area <c>~ U(low, B - masked)</c>,
/// aspect <c>= exp(U(log a0, log a1))</c>, <c>h = round(sqrt(area aspect))</c>, <c>w = round(sqrt(area / aspect))</c>;
/// if <c>h &lt; H</c> and <c>w &lt; W</c> a position is drawn and the rectangle is taken when it adds between 1 and
/// <c>B - masked</c> new patches. When all 10 tries add nothing the image stops short of <c>B</c>. So the masked
/// count is at most <c>B</c> and differs per image: the result is a boolean mask, not index tensors of one width.</para>
/// <para><c>low</c> is iBOT's <c>(min(H, W) / 3)^2</c> (integer division; 16 on 14x14, BEiT's fixed minimum) unless
/// given.</para>
/// </remarks>
public sealed class BlockMasking
{
    private const int Tries = 10;

    /// <summary>Creates a generator for a <paramref name="gridHeight"/> x <paramref name="gridWidth"/> patch grid
    /// with iBOT's defaults.</summary>
    /// <param name="gridHeight">Patch rows <c>H &gt;= 1</c>.</param>
    /// <param name="gridWidth">Patch columns <c>W &gt;= 1</c>.</param>
    /// <param name="ratio">Range of the per-image share of patches to mask ((0.1, 0.5)).</param>
    /// <param name="maskProbability">Probability that an image is masked at all (0.5).</param>
    /// <param name="aspect">Aspect range (h / w) of a rectangle ((0.3, 1 / 0.3)).</param>
    /// <param name="minBlockPatches">Smallest area a rectangle is drawn with (null: <c>(min(H, W) / 3)^2</c>).</param>
    /// <exception cref="ArgumentException">A range is empty or outside its domain, or the ratio leaves no masked
    /// (budget below one patch) or no visible token.</exception>
    public BlockMasking(int gridHeight, int gridWidth, (double Min, double Max)? ratio = null, double maskProbability = 0.5,
        (double Min, double Max)? aspect = null, int? minBlockPatches = null)
    {
        if (gridHeight < 1 || gridWidth < 1 || gridHeight * gridWidth < 2)
            throw new ArgumentOutOfRangeException(nameof(gridHeight), $"{gridHeight}x{gridWidth}", "Masking needs at least 2 patches per image.");
        var (rMin, rMax) = ratio ?? (0.1, 0.5);
        int tokens = gridHeight * gridWidth;
        if (!(rMin > 0 && rMin <= rMax && rMax < 1))
            throw new ArgumentOutOfRangeException(nameof(ratio), $"({rMin}, {rMax})",
                $"The block-masking ratio must be a range (min, max) with 0 < min <= max < 1 (iBOT: (0.1, 0.5)), but is ({rMin}, {rMax}).");
        if (rMin * tokens < 1)
            throw new ArgumentOutOfRangeException(nameof(ratio), $"({rMin}, {rMax})",
                $"A block-masking ratio of {rMin} leaves no masked patch of {tokens}: {rMin} x {tokens} < 1. Use a larger ratio or more patches.");
        if (Math.Floor(rMax * tokens) >= tokens)
            throw new ArgumentOutOfRangeException(nameof(ratio), $"({rMin}, {rMax})",
                $"A block-masking ratio of {rMax} leaves no visible patch of {tokens}. Use a smaller ratio or more patches.");
        if (!(maskProbability >= 0 && maskProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(maskProbability), maskProbability, "The probability that an image is masked must be in [0, 1] (iBOT: 0.5).");
        var (aMin, aMax) = aspect ?? (0.3, 1 / 0.3);
        if (!(aMin > 0 && aMin <= aMax && !double.IsInfinity(aMax)))
            throw new ArgumentOutOfRangeException(nameof(aspect), $"({aMin}, {aMax})", "The aspect range must be (min, max) with 0 < min <= max (iBOT: (0.3, 1/0.3)).");
        if (minBlockPatches is < 0)
            throw new ArgumentOutOfRangeException(nameof(minBlockPatches), minBlockPatches, "The smallest block area must be >= 0.");
        GridHeight = gridHeight;
        GridWidth = gridWidth;
        Ratio = (rMin, rMax);
        MaskProbability = maskProbability;
        Aspect = (aMin, aMax);
        int third = Math.Min(gridHeight, gridWidth) / 3;
        MinBlockPatches = minBlockPatches ?? third * third;
    }

    /// <summary>Patch rows <c>H</c>.</summary>
    public int GridHeight { get; }

    /// <summary>Patch columns <c>W</c>.</summary>
    public int GridWidth { get; }

    /// <summary>Range of the per-image share of patches to mask.</summary>
    public (double Min, double Max) Ratio { get; }

    /// <summary>Probability that an image is masked at all.</summary>
    public double MaskProbability { get; }

    /// <summary>Aspect range (height / width) of one rectangle.</summary>
    public (double Min, double Max) Aspect { get; }

    /// <summary>Smallest area a rectangle is drawn with.</summary>
    public int MinBlockPatches { get; }

    /// <summary>Draws the masks of <paramref name="batch"/> images, seeded by one draw of <paramref name="generator"/>.</summary>
    /// <inheritdoc cref="Sample(int, ulong, Device?)"/>
    public Tensor Sample(int batch, Generator generator, Device? device = null) => Sample(batch, MaskSeed.From(generator), device);

    /// <summary>Draws the masks of <paramref name="batch"/> images from <paramref name="seed"/> (same seed, same masks).</summary>
    /// <param name="batch">Images <c>N &gt;= 1</c>.</param>
    /// <param name="seed">The seed of all draws.</param>
    /// <param name="device">Device of the result (null: CPU).</param>
    /// <returns><c>[N, H W]</c> boolean, row-major on the grid: true = masked. Unmasked images are all false.</returns>
    public Tensor Sample(int batch, ulong seed, Device? device = null)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Masking needs at least one image.");
        var rng = new SplitMix64(seed);
        int tokens = GridHeight * GridWidth;
        var mask = new bool[batch * tokens];
        double logA0 = Math.Log(Aspect.Min), logA1 = Math.Log(Aspect.Max);
        for (int n = 0; n < batch; n++)
        {
            bool masked = MaskSeed.NextDouble(rng) < MaskProbability;
            double ratio = Ratio.Min + MaskSeed.NextDouble(rng) * (Ratio.Max - Ratio.Min);
            if (!masked) continue;
            double budget = ratio * tokens;
            var image = mask.AsSpan(n * tokens, tokens);
            int count = 0;
            while (count < budget)
            {
                double room = budget - count;
                int added = 0;
                for (int attempt = 0; attempt < Tries && added == 0; attempt++)
                {
                    double area = MinBlockPatches + MaskSeed.NextDouble(rng) * (room - MinBlockPatches);
                    double a = Math.Exp(logA0 + MaskSeed.NextDouble(rng) * (logA1 - logA0));
                    int h = (int)Math.Round(Math.Sqrt(area * a), MidpointRounding.ToEven);
                    int w = (int)Math.Round(Math.Sqrt(area / a), MidpointRounding.ToEven);
                    if (h < 1 || w < 1 || h >= GridHeight || w >= GridWidth) continue;
                    int top = MaskSeed.NextInclusive(rng, 0, GridHeight - h), left = MaskSeed.NextInclusive(rng, 0, GridWidth - w);
                    int fresh = 0;
                    for (int i = top; i < top + h; i++)
                        for (int j = left; j < left + w; j++)
                            if (!image[i * GridWidth + j]) fresh++;
                    if (fresh > 0 && fresh <= room)
                    {
                        for (int i = top; i < top + h; i++)
                            for (int j = left; j < left + w; j++)
                                image[i * GridWidth + j] = true;
                        added = fresh;
                    }
                }
                if (added == 0) break;
                count += added;
            }
        }
        return torch.tensor(mask, new long[] { batch, tokens }).to(device ?? CPU);
    }
}
