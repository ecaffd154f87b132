using SslSharp.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Distributed;

public sealed class SingleProcessGroupTests
{
    [Fact]
    public void Is_rank_0_of_1_and_every_collective_is_the_identity()
    {
        var g = SingleProcessGroup.Instance;
        Assert.Equal((0, 1), (g.Rank, g.WorldSize));
        var t = torch.tensor(new float[] { 1, -2, 3 });
        var copy = t.clone();
        g.AllReduceSum(t);
        g.AllReduceMax(t);
        g.Broadcast(t);
        g.Barrier();
        Assert.True(t.Same(copy));
        Assert.Same(t, g.AllGather(t));
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Broadcast(t, root: 1));
    }

    [Fact]
    public void Gradient_averaging_does_nothing_with_one_process_and_averages_with_several()
    {
        var a = new Parameter(torch.zeros(2, 2));
        var b = new Parameter(torch.zeros(3));
        var c = new Parameter(torch.zeros(1)); // no gradient
        a.grad = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        b.grad = torch.tensor(new float[] { 5, 6, 7 });
        var ps = new[] { a, b, c };
        GradientAveraging.Average(SingleProcessGroup.Instance, ps);
        Assert.True(a.grad!.Same(torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2)));

        // Another process whose gradients are all 1 (and which, like this one, has none for c).
        var other = new OtherRankOfOnes();
        GradientAveraging.Average(other, ps);
        Assert.Equal(1, other.Calls);
        Assert.Equal(new long[] { 8 }, other.LastShape); // one flat buffer for the whole model
        Assert.True(a.grad!.Same(torch.tensor(new float[] { 1, 1.5f, 2, 2.5f }).reshape(2, 2)));
        Assert.True(b.grad!.Same(torch.tensor(new float[] { 3, 3.5f, 4 })));
        Assert.Null(c.grad);
    }

    private sealed class OtherRankOfOnes : SslSharp.Core.IProcessGroup
    {
        public int Calls;
        public long[] LastShape = Array.Empty<long>();
        public int Rank => 0;
        public int WorldSize => 2;

        public void AllReduceSum(Tensor tensor)
        {
            Calls++;
            LastShape = tensor.shape;
            // c (the last element) has no gradient on either rank: it takes part as 0 + 0.
            var ones = torch.ones_like(tensor);
            ones[^1] = torch.tensor(0f);
            tensor.add_(ones);
        }

        public void AllReduceMax(Tensor tensor) => throw new NotSupportedException();
        public Tensor AllGather(Tensor tensor) => throw new NotSupportedException();
        public void Broadcast(Tensor tensor, int root = 0) => throw new NotSupportedException();
        public void Barrier() => throw new NotSupportedException();
    }
}
