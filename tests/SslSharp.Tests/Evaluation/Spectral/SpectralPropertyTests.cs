using SslSharp.Evaluation.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Spectral;

/// <summary>Hand-derived cases and invariances of the spectral metrics.</summary>
public class SpectralPropertyTests
{
    [Fact]
    public void Constant_embeddings_are_fully_collapsed()
    {
        using var scope = NewDisposeScope();
        var z = ones(50, 16) * 0.3;
        var r = EmbeddingDiagnostics.Analyze(z, z.clone());
        Assert.Equal(1, r.NumericalRank);
        Assert.InRange(r.RankMe, 1.0, 1.0001);          // one singular value, the rest 0 (+1e-7 each)
        Assert.Equal(0.0, r.SingularValueEntropy, 12);
        Assert.Equal(0.0, r.NormalizedStd, 12);
        Assert.Equal(0.0, r.Alignment!.Value, 12);
        Assert.Equal(0.0, r.Uniformity, 12);            // every pair at distance 0: log E exp(0)
        Assert.Null(r.AlphaReq);                        // the centred covariance is 0
        Assert.True(r.HealthyStd > 0.24 && r.HealthyStd < 0.26);
    }

    [Fact]
    public void A_zero_matrix_has_rank_zero_everywhere()
    {
        using var scope = NewDisposeScope();
        var r = EmbeddingDiagnostics.Analyze(zeros(10, 4));
        Assert.Equal(0, r.NumericalRank);
        Assert.Equal(0.0, r.RankMe);
        Assert.Equal(0.0, r.SingularValueEntropy);
    }

    [Fact]
    public void Orthogonal_rows_have_full_rank_maximal_entropy_and_the_healthy_std()
    {
        using var scope = NewDisposeScope();
        var z = eye(8, dtype: ScalarType.Float64);      // 8 one-hot rows: sigma all 1
        var r = EmbeddingDiagnostics.Analyze(z);
        Assert.Equal(8, r.NumericalRank);
        Assert.Equal(8.0, r.RankMe, 4);
        Assert.Equal(1.0, r.SingularValueEntropy, 12);
        // Each dim is one 1 and seven 0s: unbiased std sqrt(1/8) = 1/sqrt(D).
        Assert.Equal(1 / Math.Sqrt(8), r.NormalizedStd, 12);
        // Distinct one-hot rows are sqrt(2) apart: uniformity = -2 t = -4 exactly.
        Assert.Equal(-4.0, r.Uniformity, 12);
    }

    [Fact]
    public void Metrics_do_not_change_under_a_rotation_and_RankMe_ignores_scale()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var z = randn(new long[] { 60, 12 }, dtype: ScalarType.Float64, generator: g) + 0.5;
        var (q, _) = linalg.qr(randn(new long[] { 12, 12 }, dtype: ScalarType.Float64, generator: g));
        var a = EmbeddingDiagnostics.Analyze(z, z + 0.1);
        var b = EmbeddingDiagnostics.Analyze((z * 7).matmul(q), (z + 0.1).matmul(q));
        Assert.Equal(a.RankMe, b.RankMe, 9);
        Assert.Equal(a.SingularValueEntropy, b.SingularValueEntropy, 9);
        Assert.Equal(a.NumericalRank, b.NumericalRank);
        Assert.Equal(a.AlphaReq!.Alpha, b.AlphaReq!.Alpha, 9);
        Assert.Equal(a.Uniformity, b.Uniformity, 9);
        // Alignment: the positives were rotated but not scaled by 7, and normalisation removes the scale anyway.
        Assert.Equal(a.Alignment!.Value, b.Alignment!.Value, 9);
    }

    [Fact]
    public void Numerical_rank_uses_the_epsilon_of_the_stored_dtype()
    {
        var sigma = new[] { 1.0, 1e-5, 1e-9 };
        Assert.Equal(2, SpectralMetrics.NumericalRank(sigma, 10, 3, SpectralMetrics.MachineEpsilon(ScalarType.Float32)));
        Assert.Equal(3, SpectralMetrics.NumericalRank(sigma, 10, 3, SpectralMetrics.MachineEpsilon(ScalarType.Float64)));
        Assert.Equal(Math.Pow(2, -23), SpectralMetrics.MachineEpsilon(ScalarType.Float32));
        Assert.Throws<ArgumentException>(() => SpectralMetrics.MachineEpsilon(ScalarType.Int64));
    }

    [Fact]
    public void The_alpha_fit_recovers_an_exact_power_law_over_any_range_and_rejects_bad_ranges()
    {
        var lambda = Enumerable.Range(1, 200).Select(i => 3.0 * Math.Pow(i, -2.25)).ToArray();
        var fit = AlphaReq.Fit(lambda, 6, 100);
        Assert.Equal(2.25, fit.Alpha, 10);
        Assert.Equal(Math.Log(3), fit.Intercept, 10);
        Assert.Equal(1.0, fit.RSquared, 12);
        Assert.Equal(2.25, AlphaReq.Fit(lambda, 1, 3).Alpha, 10);
        Assert.Throws<ArgumentException>(() => AlphaReq.Fit(lambda, 5, 5));
        Assert.Throws<ArgumentException>(() => AlphaReq.Fit(lambda, 1, 201));
        Assert.Throws<ArgumentException>(() => AlphaReq.Fit(new[] { 1.0, 0.5, 0.0 }, 1, 3));
        Assert.Equal((6, 100), AlphaReq.DefaultRange(2048));
        Assert.Equal((6, 57), AlphaReq.DefaultRange(64));
        Assert.Equal((1, 9), AlphaReq.DefaultRange(10));
        Assert.Null(AlphaReq.DefaultRange(3));
    }

    [Fact]
    public void The_fit_weights_small_indices_more_than_the_tail()
    {
        // A spectrum that follows i^-1 up to 10 and then drops as i^-3: the 1/i weights keep the fit
        // closer to the head's exponent than an unweighted fit (which the 90 tail points dominate).
        var lambda = Enumerable.Range(1, 100).Select(i => i <= 10 ? 1.0 / i : 0.1 * Math.Pow(i / 10.0, -3)).ToArray();
        var weighted = AlphaReq.Fit(lambda, 1, 100).Alpha;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = 1; i <= 100; i++) { double x = Math.Log(i), y = Math.Log(lambda[i - 1]); sx += x; sy += y; sxx += x * x; sxy += x * y; }
        double unweighted = -(100 * sxy - sx * sy) / (100 * sxx - sx * sx);
        Assert.True(weighted < unweighted, $"weighted {weighted} should be below unweighted {unweighted}");
    }

    [Fact]
    public void Bad_input_fails_with_a_message()
    {
        using var scope = NewDisposeScope();
        var e1 = Assert.Throws<ArgumentException>(() => EmbeddingDiagnostics.Analyze(randn(5)));
        Assert.Contains("[N, D]", e1.Message);
        Assert.Throws<ArgumentException>(() => EmbeddingDiagnostics.Analyze(randn(1, 4)));
        Assert.Throws<ArgumentException>(() => EmbeddingDiagnostics.Analyze(ones(4, 4, dtype: ScalarType.Int64)));
        Assert.Throws<ArgumentException>(() => EmbeddingDiagnostics.Analyze(randn(4, 3), randn(4, 2)));
    }

    [Fact]
    public void Spectrum_csv_round_trips()
    {
        var path = Path.Combine(Path.GetTempPath(), "sslsharp-spectrum-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            var sigma = new[] { 3.5, 1.0 / 3, 1e-9 };
            SpectrumCsv.Write(path, sigma);
            Assert.Equal(SpectrumCsv.Header, File.ReadLines(path).First());
            Assert.Equal(sigma, SpectrumCsv.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
