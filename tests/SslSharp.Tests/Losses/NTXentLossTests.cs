using System.Text.Json;
using SslSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Losses;

public class NTXentLossTests
{
    public static IEnumerable<object[]> FixtureNames() =>
        LoadCases().Select(c => new object[] { c.GetProperty("name").GetString()! });

    private static List<JsonElement> LoadCases()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "ntxent.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static void AssertClose(double expected, double actual, double rel, string what)
    {
        double tol = rel * Math.Max(1e-3, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tol:E2})");
    }

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Matches_pytorch_reference_loss_and_gradients(string name)
    {
        var c = LoadCases().Single(x => x.GetProperty("name").GetString() == name);
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        double t = c.GetProperty("temperature").GetDouble();
        using var scope = torch.NewDisposeScope();
        var z1 = torch.tensor(Doubles(c.GetProperty("z1")), new[] { n, d }, ScalarType.Float64).requires_grad_(true);
        var z2 = torch.tensor(Doubles(c.GetProperty("z2")), new[] { n, d }, ScalarType.Float64).requires_grad_(true);
        var loss = NTXentLoss.Compute(z1, z2, t);
        loss.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), loss.item<double>(), 1e-5, $"{name} loss");
        var g1 = z1.grad!.flatten().data<double>().ToArray();
        var g2 = z2.grad!.flatten().data<double>().ToArray();
        var e1 = Doubles(c.GetProperty("grad_z1"));
        var e2 = Doubles(c.GetProperty("grad_z2"));
        double scale = e1.Concat(e2).Max(Math.Abs);
        for (int i = 0; i < e1.Length; i++)
        {
            Assert.True(Math.Abs(e1[i] - g1[i]) <= 1e-5 * scale, $"{name} dL/dz1[{i}]: expected {e1[i]:R}, got {g1[i]:R}");
            Assert.True(Math.Abs(e2[i] - g2[i]) <= 1e-5 * scale, $"{name} dL/dz2[{i}]: expected {e2[i]:R}, got {g2[i]:R}");
        }
    }

    [Fact]
    public void Float32_matches_the_reference_to_single_precision()
    {
        var c = LoadCases()[0];
        long n = c.GetProperty("n").GetInt64(), d = c.GetProperty("d").GetInt64();
        using var scope = torch.NewDisposeScope();
        var z1 = torch.tensor(Doubles(c.GetProperty("z1")), new[] { n, d }, ScalarType.Float64).to_type(ScalarType.Float32);
        var z2 = torch.tensor(Doubles(c.GetProperty("z2")), new[] { n, d }, ScalarType.Float64).to_type(ScalarType.Float32);
        var loss = NTXentLoss.Compute(z1, z2, c.GetProperty("temperature").GetDouble());
        Assert.Equal(ScalarType.Float32, loss.dtype);
        AssertClose(c.GetProperty("loss").GetDouble(), loss.item<float>(), 1e-4, "float32 loss");
    }

    [Theory]
    [InlineData(2, 0.5)]
    [InlineData(4, 0.1)]
    [InlineData(8, 1.0)]
    public void Identical_orthonormal_views_give_the_closed_form(int n, double t)
    {
        // z1 = z2 = orthonormal rows: each anchor has its positive at cos 1 and 2N-2 negatives at cos 0,
        // so L = -1/T + log(e^{1/T} + 2N - 2).
        using var scope = torch.NewDisposeScope();
        var z = torch.eye(n, 2 * n, dtype: ScalarType.Float64);
        double expected = -1 / t + Math.Log(Math.Exp(1 / t) + 2 * n - 2);
        AssertClose(expected, NTXentLoss.Compute(z, z.clone(), t).item<double>(), 1e-10, "closed form");
    }

    [Fact]
    public void Symmetric_in_the_two_views()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(7);
        var z1 = torch.randn(new long[] { 6, 5 }, ScalarType.Float64, generator: g);
        var z2 = torch.randn(new long[] { 6, 5 }, ScalarType.Float64, generator: g);
        AssertClose(NTXentLoss.Compute(z1, z2, 0.3).item<double>(), NTXentLoss.Compute(z2, z1, 0.3).item<double>(), 1e-12, "L(z1,z2) vs L(z2,z1)");
    }

    [Fact]
    public void Invariant_to_positive_scaling_of_rows_and_to_row_permutations()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(8);
        var z1 = torch.randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var z2 = torch.randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var s1 = torch.rand(new long[] { 5, 1 }, ScalarType.Float64, generator: g) * 10 + 0.01;
        var s2 = torch.rand(new long[] { 5, 1 }, ScalarType.Float64, generator: g) * 10 + 0.01;
        double baseLoss = NTXentLoss.Compute(z1, z2, 0.2).item<double>();
        AssertClose(baseLoss, NTXentLoss.Compute(z1 * s1, z2 * s2, 0.2).item<double>(), 1e-10, "scaled rows");
        var perm = torch.tensor(new long[] { 3, 0, 4, 1, 2 });
        AssertClose(baseLoss, NTXentLoss.Compute(z1.index_select(0, perm), z2.index_select(0, perm), 0.2).item<double>(), 1e-10, "permuted pairs");
        // Not invariant to breaking the pairing: shuffling one view must change the loss.
        Assert.NotEqual(baseLoss, NTXentLoss.Compute(z1, z2.index_select(0, perm), 0.2).item<double>(), 6);
    }

    [Fact]
    public void Random_embeddings_in_high_dimension_give_about_log_2N_minus_1()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(9);
        var z1 = torch.randn(new long[] { 16, 4096 }, ScalarType.Float64, generator: g);
        var z2 = torch.randn(new long[] { 16, 4096 }, ScalarType.Float64, generator: g);
        double loss = NTXentLoss.Compute(z1, z2, 1.0).item<double>();
        Assert.InRange(loss, Math.Log(31) - 0.05, Math.Log(31) + 0.05);
    }

    [Fact]
    public void Module_form_uses_its_temperature()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(10);
        var z1 = torch.randn(new long[] { 4, 3 }, generator: g);
        var z2 = torch.randn(new long[] { 4, 3 }, generator: g);
        using var module = new NTXentLoss(0.25);
        Assert.Equal(0.25, module.Temperature);
        Assert.Equal(NTXentLoss.Compute(z1, z2, 0.25).item<float>(), module.call(z1, z2).item<float>());
    }

    [Fact]
    public void Bad_inputs_fail_with_clear_messages()
    {
        using var debugChecks = LossChecks.DebugScope();   // the value checks (NaN, permutation) run only in debug mode
        using var scope = torch.NewDisposeScope();
        var ok = torch.randn(4, 3);
        var ex = Assert.Throws<ArgumentException>(() => NTXentLoss.Compute(torch.randn(1, 3), torch.randn(1, 3)));
        Assert.Contains("at least 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => NTXentLoss.Compute(ok, torch.randn(5, 3)));
        Assert.Contains("one shape", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => NTXentLoss.Compute(torch.randn(4, 3, 1), torch.randn(4, 3, 1)));
        Assert.Contains("[N, D]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => NTXentLoss.Compute(ok, ok, 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NTXentLoss.Compute(ok, ok, -1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NTXentLoss.Compute(ok, ok, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NTXentLoss(0));
        var bad = ok.clone();
        bad[1, 2] = torch.tensor(float.NaN);
        ex = Assert.Throws<ArgumentException>(() => NTXentLoss.Compute(ok, bad));
        Assert.Contains("NaN", ex.Message);
    }

    [Fact]
    public void Zero_rows_do_not_produce_nan()
    {
        // eps 1e-12 in the normalisation keeps an all-zero embedding finite (cosine 0 to everything).
        using var scope = torch.NewDisposeScope();
        var z1 = torch.randn(3, 4);
        z1[0] = torch.zeros(4);
        var z2 = torch.randn(3, 4).requires_grad_(true);
        var loss = NTXentLoss.Compute(z1, z2);
        loss.backward();
        Assert.True(loss.isfinite().item<bool>());
        Assert.True(z2.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void Gathered_form_with_one_process_equals_the_plain_form()
    {
        using var scope = torch.NewDisposeScope();
        var g = new Generator(12);
        var z1 = torch.randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        var z2 = torch.randn(new long[] { 5, 4 }, ScalarType.Float64, generator: g);
        AssertClose(NTXentLoss.Compute(z1, z2, 0.3).item<double>(), NTXentLoss.Compute(z1, z2, z1, z2, 0, 0.3).item<double>(), 1e-12, "W=1");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Simulated_processes_reproduce_the_global_loss_and_gradients(int world)
    {
        // W processes with B rows each: the mean over processes of the local losses (each against the
        // gathered global batch, gradient flowing through the gather) equals the loss of one process
        // with the whole batch, and so do the gradients (docs/distributed.md).
        using var scope = torch.NewDisposeScope();
        var c = LoadCases().Single(x => x.GetProperty("name").GetString() == "n8_d16_t0.1_correlated");
        double t = c.GetProperty("temperature").GetDouble();
        var z1 = torch.tensor(Doubles(c.GetProperty("z1")), new long[] { 8, 16 }, ScalarType.Float64).requires_grad_(true);
        var z2 = torch.tensor(Doubles(c.GetProperty("z2")), new long[] { 8, 16 }, ScalarType.Float64).requires_grad_(true);
        long b = 8 / world;
        var perRank = Enumerable.Range(0, world)
            .Select(r => NTXentLoss.Compute(z1.narrow(0, r * b, b), z2.narrow(0, r * b, b), z1, z2, r * b, t))
            .ToList();
        var mean = torch.stack(perRank).mean();
        mean.backward();
        AssertClose(c.GetProperty("loss").GetDouble(), mean.item<double>(), 1e-9, "mean of per-process losses");
        var e1 = Doubles(c.GetProperty("grad_z1"));
        var g1 = z1.grad!.flatten().data<double>().ToArray();
        for (int i = 0; i < e1.Length; i++)
            Assert.True(Math.Abs(e1[i] - g1[i]) <= 1e-9 * e1.Max(Math.Abs), $"dL/dz1[{i}]: expected {e1[i]:R}, got {g1[i]:R}");
    }

    [Fact]
    public void Gathered_form_rejects_a_wrong_offset()
    {
        using var debugChecks = LossChecks.DebugScope();   // comparing the gathered rows reads values: debug mode only
        using var scope = torch.NewDisposeScope();
        var g = new Generator(13);
        var z1 = torch.randn(new long[] { 8, 4 }, generator: g);
        var z2 = torch.randn(new long[] { 8, 4 }, generator: g);
        var ex = Assert.Throws<ArgumentException>(() => NTXentLoss.Compute(z1.narrow(0, 4, 4), z2.narrow(0, 4, 4), z1, z2, 0));
        Assert.Contains("offset", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => NTXentLoss.Compute(z1.narrow(0, 4, 4), z2.narrow(0, 4, 4), z1, z2, 6));
        Assert.Throws<ArgumentException>(() => NTXentLoss.Compute(z1.narrow(0, 4, 4), z2.narrow(0, 4, 4), z1, z2.narrow(1, 0, 3), 4));
    }
}
