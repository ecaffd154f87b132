using SslSharp.Reporting;
using SslSharp.Runs.Reports;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Reporting;

public class EmbeddingAnalysisTests
{
    // Columns with zero mean: Z^T Z = diag(2, 8), so the singular values are sqrt(8), sqrt(2);
    // the first principal axis is y (variance 8 of 10), the second x.
    private static Tensor HandCase() => tensor(new float[] { 1, 0, -1, 0, 0, 2, 0, -2 }).view(4, 2);

    [Fact]
    public void Pca_of_a_hand_derived_case_with_fixed_signs()
    {
        using var scope = NewDisposeScope();
        var (x, y, ex, ey) = EmbeddingAnalysis.Pca2(HandCase());
        Assert.Equal(0.8, ex, 6);
        Assert.Equal(0.2, ey, 6);
        Assert.Equal(new[] { 0.0, 0.0, 2.0, -2.0 }, x.Select(v => Math.Round(v, 6) + 0.0));
        Assert.Equal(new[] { 1.0, -1.0, 0.0, 0.0 }, y.Select(v => Math.Round(v, 6) + 0.0));
        // Negating the data flips the raw SVD signs, but svd_flip keeps the loadings positive.
        var (xn, _, _, _) = EmbeddingAnalysis.Pca2(HandCase().neg());
        Assert.Equal(x.Select(v => -Math.Round(v, 6) + 0.0), xn.Select(v => Math.Round(v, 6) + 0.0));
    }

    [Fact]
    public void Pca_needs_a_matrix()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => EmbeddingAnalysis.Pca2(ones(1, 3)));
        Assert.Throws<ArgumentException>(() => EmbeddingAnalysis.Pca2(ones(5, 1)));
        Assert.Throws<ArgumentException>(() => EmbeddingAnalysis.Pca2(ones(5)));
    }
}
