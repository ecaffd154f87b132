using System.Text.Json;
using SslSharp.Evaluation.Spectral;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Evaluation.Spectral;

/// <summary>EmbeddingDiagnostics against scripts/make_spectral_fixtures.py (NumPy / PyTorch, float64).</summary>
public class SpectralFixtureTests
{
    private const double Rel = 1e-5;

    private static JsonElement Case(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "spectral.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).Clone();
    }

    private static Tensor Matrix(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
    }

    private static double[] Vector(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static void Close(double expected, double actual, double rel = Rel, string what = "")
    {
        double tol = rel * Math.Max(1e-12, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (rel tol {rel})");
    }

    private static (SpectralReport Report, JsonElement Expected) Run(string name)
    {
        var c = Case(name);
        using var scope = NewDisposeScope();
        var z = Matrix(c.GetProperty("z"));
        Tensor? y = c.TryGetProperty("positives", out var p) ? Matrix(p) : null;
        return (EmbeddingDiagnostics.Analyze(z, y), c.GetProperty("expected"));
    }

    [Theory]
    [InlineData("random_64x16")]
    [InlineData("random_24x40")]
    public void Random_matrices_agree_with_the_reference_on_every_metric(string name)
    {
        var (r, e) = Run(name);
        var sigma = Vector(e.GetProperty("singular_values"));
        Assert.Equal(sigma.Length, r.SingularValues.Count);
        for (int i = 0; i < sigma.Length; i++) Close(sigma[i], r.SingularValues[i], what: $"sigma[{i}]");
        Close(e.GetProperty("rankme").GetDouble(), r.RankMe, what: "RankMe");
        Assert.Equal(e.GetProperty("numerical_rank").GetInt32(), r.NumericalRank);
        Close(e.GetProperty("sv_entropy").GetDouble(), r.SingularValueEntropy, what: "entropy");
        var lambda = Vector(e.GetProperty("cov_eigenvalues"));
        for (int i = 0; i < lambda.Length; i++)
            Assert.True(Math.Abs(lambda[i] - r.CovarianceEigenvalues[i]) <= Rel * Math.Abs(lambda[i]) + 1e-12 * lambda[0], $"lambda[{i}]");
        var a = e.GetProperty("alpha_req");
        Assert.NotNull(r.AlphaReq);
        Assert.Equal(a.GetProperty("first").GetInt32(), r.AlphaReq!.First);
        Assert.Equal(a.GetProperty("last").GetInt32(), r.AlphaReq.Last);
        Close(a.GetProperty("alpha").GetDouble(), r.AlphaReq.Alpha, what: "alpha");
        Close(a.GetProperty("intercept").GetDouble(), r.AlphaReq.Intercept, what: "intercept");
        Close(a.GetProperty("r2").GetDouble(), r.AlphaReq.RSquared, what: "R^2");
        Close(e.GetProperty("embedding_std").GetDouble(), r.NormalizedStd, what: "std");
        Close(e.GetProperty("uniformity").GetDouble(), r.Uniformity, what: "uniformity");
        Close(e.GetProperty("alignment").GetDouble(), r.Alignment!.Value, what: "alignment");
    }

    [Fact]
    public void A_rank_k_matrix_with_equal_singular_values_has_numerical_rank_k_and_RankMe_close_to_k()
    {
        var (r, e) = Run("rank5_equal");
        Assert.Equal(5, Case("rank5_equal").GetProperty("known_rank").GetInt32());
        Assert.Equal(5, e.GetProperty("numerical_rank").GetInt32()); // the reference agrees with the construction
        Assert.Equal(5, r.NumericalRank);
        Assert.InRange(r.RankMe, 4.99, 5.01);
        Close(e.GetProperty("rankme").GetDouble(), r.RankMe, what: "RankMe");
        // Five equal energies out of min(N, D) = 20 directions: H = log 5 / log 20.
        Assert.Equal(Math.Log(5) / Math.Log(20), r.SingularValueEntropy, 5);
        Close(e.GetProperty("sv_entropy").GetDouble(), r.SingularValueEntropy, what: "entropy");
        // The centred spectrum is nearly flat (4 equal eigenvalues + 1): alpha ~ 0, fitted over 1..4.
        Assert.Equal((1, 4), (r.AlphaReq!.First, r.AlphaReq.Last));
        Assert.Equal(e.GetProperty("alpha_req").GetProperty("alpha").GetDouble(), r.AlphaReq.Alpha, 6);
    }

    [Fact]
    public void A_power_law_spectrum_gives_back_its_exponent()
    {
        var (r, e) = Run("powerlaw_1.5");
        Assert.Equal(1.5, Case("powerlaw_1.5").GetProperty("known_alpha").GetDouble());
        Assert.Equal(1.5, r.AlphaReq!.Alpha, 4);
        Assert.Equal(1.0, r.AlphaReq.RSquared, 6);
        Assert.Equal((6, 36), (r.AlphaReq.First, r.AlphaReq.Last)); // D 40: last = floor(0.9 * 40)
        Close(e.GetProperty("alpha_req").GetProperty("alpha").GetDouble(), r.AlphaReq.Alpha, what: "alpha");
        Assert.Equal(40, r.NumericalRank);
    }
}
