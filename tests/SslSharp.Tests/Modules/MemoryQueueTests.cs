using SslSharp.Modules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Modules;

public sealed class MemoryQueueTests
{
    [Fact]
    public void Starts_with_unit_noise_or_zeros()
    {
        using var q = new MemoryQueue(8, 3, seed: 1);
        Assert.True(q.Items.norm(1).allclose(torch.ones(8), atol: 1e-6));
        Assert.Equal(0, q.Count);
        using var z = new MemoryQueue(8, 3, QueueInitialization.Zeros);
        Assert.Equal(0.0, z.Items.abs().sum().item<float>());
    }

    [Fact]
    public void Enqueue_is_first_in_first_out_and_wraps()
    {
        using var q = new MemoryQueue(4, 2, QueueInitialization.Zeros);
        using var scope = torch.NewDisposeScope();
        q.Enqueue(torch.tensor(new float[] { 1, 1, 2, 2 }).reshape(2, 2));
        Assert.False(q.IsFull);
        q.Enqueue(torch.tensor(new float[] { 3, 3, 4, 4 }).reshape(2, 2));
        Assert.True(q.IsFull);
        q.Enqueue(torch.tensor(new float[] { 5, 5, 6, 6 }).reshape(2, 2));
        Assert.Equal(new float[] { 5, 5, 6, 6, 3, 3, 4, 4 }, q.Items.data<float>().ToArray());
        Assert.Equal(4, q.Count);
    }

    [Fact]
    public void Enqueued_items_carry_no_gradient()
    {
        using var q = new MemoryQueue(4, 2);
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(new long[] { 2, 2 }, requires_grad: true);
        q.Enqueue(x * 2);
        Assert.False(q.Items.requires_grad);
    }

    [Fact]
    public void A_size_not_divisible_by_the_batch_fails_clearly()
    {
        using var q = new MemoryQueue(10, 2);
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => q.Enqueue(torch.randn(4, 2)));
        Assert.Contains("not a multiple", e.Message);
        Assert.Throws<ArgumentException>(() => q.Enqueue(torch.randn(2, 3)));
    }

    [Fact]
    public void State_round_trips_through_the_state_dict()
    {
        using var q = new MemoryQueue(4, 2, seed: 5);
        using var scope = torch.NewDisposeScope();
        q.Enqueue(torch.ones(2, 2));
        using var r = new MemoryQueue(4, 2, seed: 9);
        r.load_state_dict(q.state_dict());
        Assert.True(r.Items.allclose(q.Items, 0, 0));
        Assert.Equal(2, r.Count);
        r.Enqueue(torch.zeros(2, 2));
        Assert.Equal(0.0, r.Items.narrow(0, 2, 2).abs().sum().item<float>());
    }
}
