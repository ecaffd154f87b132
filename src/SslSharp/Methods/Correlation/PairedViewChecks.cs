namespace SslSharp.Methods.Correlation;

/// <summary>View checks shared by the two-view correlation methods (VICReg, Barlow Twins).</summary>
internal static class PairedViewChecks
{
    /// <summary>Throws a clear error unless the batch has at least two global views (of one size).</summary>
    public static void RequireTwoGlobalViews(ViewBatch views, string method)
    {
        if (views.GlobalCount < 2)
            throw new ArgumentException(
                $"{method} needs 2 global views but the batch has {views.GlobalCount} global view(s). " +
                "Use a two-view augmentation (global crops first).", nameof(views));
    }
}
