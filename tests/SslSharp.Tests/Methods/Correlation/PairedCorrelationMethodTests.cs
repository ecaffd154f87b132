using SslSharp.Core;
using SslSharp.Methods;
using TorchSharp;
using static SslSharp.Tests.Methods.Correlation.CorrSwavTestData;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Correlation;

/// <summary>The tests every two-view correlation method (VICReg, Barlow Twins) must pass.</summary>
public abstract class PairedCorrelationMethodTests
{
    /// <summary>A tiny instance (ConvNet backbone, 32-wide heads).</summary>
    protected abstract SslMethod Create(long seed);

    /// <summary>The method's projector.</summary>
    protected abstract nn.Module<Tensor, Tensor> Projector(SslMethod method);

    /// <summary>The method's loss of two embeddings, computed by the loss function directly.</summary>
    protected abstract Tensor Loss(SslMethod method, Tensor z1, Tensor z2);

    /// <summary>Base lr of the smoke run.</summary>
    protected abstract double SmokeLr { get; }

    [Fact]
    public void Forward_is_the_loss_of_the_separately_encoded_views()
    {
        using var m = Create(1);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(6, seed: 2);
        var output = m.call(views);
        Assert.True(output.Loss.requires_grad);
        Assert.False(output.Features.requires_grad);
        Assert.False(output.Embeddings!.requires_grad);
        Assert.Equal(new long[] { 6, 32 }, output.Features.shape);
        Assert.Equal(new long[] { 6, 32 }, output.Embeddings.shape);
        using var noGrad = torch.no_grad();
        var z1 = Projector(m).call(m.Encoder.call(views.Views[0]));
        var z2 = Projector(m).call(m.Encoder.call(views.Views[1]));
        Assert.Equal(Loss(m, z1, z2).item<float>(), output.Loss.item<float>(), 4);
        Assert.True(output.Embeddings.allclose(z1, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Swapping_the_views_gives_the_same_loss_in_training_mode()
    {
        using var m = Create(3);
        m.train();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(8, seed: 4);
        using var swapped = new ViewBatch(new[] { views.Views[1], views.Views[0] });
        Assert.Equal(m.call(views).Loss.item<float>(), m.call(swapped).Loss.item<float>(), 3);
    }

    [Fact]
    public void Gradient_reaches_every_parameter()
    {
        using var m = Create(5);
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(8, seed: 6);
        m.call(views).Loss.backward();
        AssertEveryParameterHasGradient(m);
    }

    [Fact]
    public void Trains_on_tiny_synthetic_data_loss_falls_and_stays_finite()
    {
        using var m = Create(7);
        AssertFalls(Train(m, steps: 30, lr: SmokeLr), 0.2);
    }

    [Fact]
    public void Checkpoint_round_trip_restores_the_weights()
    {
        using var a = Create(8);
        Train(a, steps: 2, lr: SmokeLr);
        using var b = Create(9);
        RoundTrip(a, b);
        a.eval();
        b.eval();
        using var scope = torch.NewDisposeScope();
        using var views = RandomViews(4, seed: 1);
        Assert.Equal(a.call(views).Loss.item<float>(), b.call(views).Loss.item<float>(), 5);
    }

    [Fact]
    public void Batch_of_one_and_a_single_global_view_fail_clearly()
    {
        using var m = Create(0);
        using var scope = torch.NewDisposeScope();
        using var one = RandomViews(1, seed: 0);
        var ex = Assert.Throws<ArgumentException>(() => m.call(one));
        Assert.Contains("at least 2", ex.Message);
        Assert.Contains("batch", ex.Message);
        using var single = new ViewBatch(new[] { torch.randn(4, 1, 16, 16), torch.randn(4, 1, 8, 8) }, globalCount: 1);
        ex = Assert.Throws<ArgumentException>(() => m.call(single));
        Assert.Contains("global", ex.Message);
    }
}
