namespace SslSharp.Core;

/// <summary>
/// Learning-rate and coefficient schedules as pure functions of the global step (the DINO / MAE
/// style: <c>schedule[t]</c>), so that a resumed run computes the same values.
/// </summary>
/// <remarks>Formulas: docs/recipes.md#schedules (cookbook recipes; SimCLR appendix B.1; DINO <c>cosine_scheduler</c>).</remarks>
public static class Schedules
{
    /// <summary>
    /// Scales <paramref name="baseLr"/> by the batch size: <c>base * batch / 256</c> (linear),
    /// <c>base * sqrt(batch)</c> (sqrt, as SimCLR's appendix) or unchanged (none).
    /// </summary>
    public static double ScaleLr(double baseLr, int batchSize, LrScaling scaling)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"Batch size must be > 0, got {batchSize}.");
        return scaling switch
        {
            LrScaling.None => baseLr,
            LrScaling.Linear => baseLr * batchSize / 256.0,
            LrScaling.Sqrt => baseLr * Math.Sqrt(batchSize),
            _ => throw new ArgumentOutOfRangeException(nameof(scaling), $"Unknown lr scaling {scaling}."),
        };
    }

    /// <summary>
    /// Per-step linear warmup then cosine decay: <c>base * t / Tw</c> for <c>t &lt; Tw</c>, then
    /// <c>min + (base - min)(1 + cos(pi (t - Tw) / (T - Tw))) / 2</c>. Steps at or past
    /// <paramref name="totalSteps"/> give <paramref name="minLr"/>.
    /// </summary>
    /// <param name="step">Global step <c>t</c> (0-based).</param>
    /// <param name="warmupSteps">Warmup steps <c>Tw</c> (0 for none).</param>
    /// <param name="totalSteps">Total steps <c>T</c> (&gt; <c>Tw</c>).</param>
    /// <param name="baseLr">Peak learning rate.</param>
    /// <param name="minLr">Final learning rate.</param>
    public static double WarmupCosine(long step, long warmupSteps, long totalSteps, double baseLr, double minLr = 0)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"Step must be >= 0, got {step}.");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"Warmup steps must be >= 0, got {warmupSteps}.");
        if (totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps),
                $"Total steps ({totalSteps}) must exceed warmup steps ({warmupSteps}). Lower the warmup or train longer.");
        if (step < warmupSteps) return baseLr * step / warmupSteps;
        if (step >= totalSteps) return minLr;
        double progress = (double)(step - warmupSteps) / (totalSteps - warmupSteps);
        return minLr + (baseLr - minLr) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }

    /// <summary>
    /// Cosine from <paramref name="start"/> at step 0 to <paramref name="end"/> at
    /// <paramref name="totalSteps"/>: <c>end + (start - end)(1 + cos(pi t / T)) / 2</c>; steps past
    /// <c>T</c> give <paramref name="end"/>. Used for EMA momentum (BYOL: 0.996 to 1) and
    /// weight decay (DINO: 0.04 to 0.4).
    /// </summary>
    public static double Cosine(long step, long totalSteps, double start, double end)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"Step must be >= 0, got {step}.");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"Total steps must be > 0, got {totalSteps}.");
        if (step >= totalSteps) return end;
        return end + (start - end) * (1 + Math.Cos(Math.PI * step / totalSteps)) / 2;
    }

    /// <summary>
    /// Linear from <paramref name="start"/> at step 0 to <paramref name="end"/> at <paramref name="totalSteps"/>:
    /// <c>start + (end - start) t / T</c>; steps past <c>T</c> give <paramref name="end"/>. Used for I-JEPA's EMA
    /// momentum (0.996 to 1; facebookresearch/ijepa <c>train.py</c> <c>momentum_scheduler</c>).
    /// </summary>
    public static double Linear(long step, long totalSteps, double start, double end)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"Step must be >= 0, got {step}.");
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"Total steps must be > 0, got {totalSteps}.");
        if (step >= totalSteps) return end;
        return start + (end - start) * step / totalSteps;
    }
}
