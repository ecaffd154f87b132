namespace SslSharp.Modules;

/// <summary>How <see cref="KMeans"/> picks its initial centroids.</summary>
public enum KMeansInit
{
    /// <summary>
    /// <c>k</c> distinct data points drawn uniformly at random (faiss' <c>Clustering</c>, which
    /// DeepCluster uses).
    /// </summary>
    Random,

    /// <summary>
    /// k-means++ (Arthur and Vassilvitskii, SODA 2007): the first centroid uniformly at random, each next
    /// one drawn with probability proportional to the squared distance to the nearest centroid so far.
    /// </summary>
    PlusPlus,
}
