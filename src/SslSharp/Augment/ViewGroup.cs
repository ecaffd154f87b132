namespace SslSharp.Augment;

/// <summary>A pipeline and how many views it makes of every image (e.g. DINO's 8 local crops).</summary>
/// <param name="Pipeline">The transform applied to the float images in [0, 1] for each of these views.</param>
/// <param name="Count">Number of views made with <paramref name="Pipeline"/> (&gt;= 1); each draws its own random parameters.</param>
public sealed record ViewGroup(IBatchTransform Pipeline, int Count = 1);
