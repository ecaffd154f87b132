namespace SslSharp.Augment;

/// <summary>Two views per image, both global: SimCLR-style (one pipeline twice) or BYOL-style (one pipeline per view).</summary>
/// <remarks>SimCLR (Chen et al., 2020) applies one random pipeline twice; BYOL (Grill et al., 2020) uses two pipelines that differ in blur and solarize probability.</remarks>
public sealed class TwoViewTransform : ViewTransform
{
    /// <summary>Creates the generator.</summary>
    /// <param name="first">Pipeline of the first view.</param>
    /// <param name="second">Pipeline of the second view (default: <paramref name="first"/>, symmetric views).</param>
    public TwoViewTransform(IBatchTransform first, IBatchTransform? second = null)
        : base(Build(first, second))
    {
    }

    private static ViewGroup[] Build(IBatchTransform first, IBatchTransform? second)
    {
        ArgumentNullException.ThrowIfNull(first);
        return second is null ? new[] { new ViewGroup(first, 2) } : new[] { new ViewGroup(first), new ViewGroup(second) };
    }
}
