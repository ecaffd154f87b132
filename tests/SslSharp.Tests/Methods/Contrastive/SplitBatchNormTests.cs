using SslSharp.Methods.Contrastive;
using TorchSharp;
using static SslSharp.Tests.Methods.Contrastive.ContrastiveTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Contrastive;

public class SplitBatchNormTests
{
    [Fact]
    public void Encode_normalises_each_split_with_its_own_statistics()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = nn.BatchNorm1d(4);
        bn.train();
        using var g = new Generator(3);
        var x = torch.randn(new long[] { 8, 4 }, generator: g).add(torch.arange(8).unsqueeze(1));   // the halves differ in mean
        var split = SplitBatchNorm.Encode(bn.call, x, 2);
        var expected = torch.cat(new[] { bn.call(x.narrow(0, 0, 4)), bn.call(x.narrow(0, 4, 4)) }, 0);
        Assert.True(split.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.False(split.allclose(bn.call(x), rtol: 1e-3, atol: 1e-3));
        Assert.True(SplitBatchNorm.Encode(bn.call, x, 1).allclose(bn.call(x), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void EncodeShuffled_feeds_a_permuted_batch_and_returns_the_outputs_in_input_order()
    {
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(5);
        var x = torch.arange(12, ScalarType.Float32).unsqueeze(1).repeat(1, 3);   // row i holds i
        var seen = new List<Tensor>();
        var output = SplitBatchNorm.EncodeShuffled(t => { seen.Add(t.clone()); return t.mul(3); }, x, 3, g);
        Assert.True(output.allclose(x.mul(3), 0, 0));
        Assert.Equal(3, seen.Count);
        var fed = torch.cat(seen.ToArray(), 0).select(1, 0);
        Assert.False(fed.allclose(x.select(1, 0), 0, 0));                 // the encoder saw another order
        Assert.True(fed.sort().Values.allclose(x.select(1, 0), 0, 0));    // of the same rows
    }

    [Fact]
    public void MoCoV2_with_splits_changes_only_the_batch_statistics()
    {
        using var scope = torch.NewDisposeScope();
        using var plain = new MoCoV2(TinyBackbone(1), new MoCoV2Options { HiddenDim = 32, OutputDim = 16, QueueSize = 64, Seed = 1 });
        using var split = new MoCoV2(TinyBackbone(1), new MoCoV2Options { HiddenDim = 32, OutputDim = 16, QueueSize = 64, Seed = 1, BnSplits = 4 });
        using var views = TwoViews(8, seed: 2);
        // Train mode: each split and the shuffled keys get their own BN statistics, so the loss differs.
        float trainPlain = plain.call(views).Loss.item<float>();
        float trainSplit = split.call(views).Loss.item<float>();
        Assert.NotEqual(trainPlain, trainSplit, 3);
        // Eval mode (running statistics): splitting and shuffling must not change anything.
        plain.eval();
        split.eval();
        using var noGrad = torch.no_grad();
        split.load_state_dict(plain.state_dict());
        Assert.Equal(plain.call(views).Loss.item<float>(), split.call(views).Loss.item<float>(), 5);
    }

    [Fact]
    public void Bad_splits_fail_with_a_message()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MoCoV2(TinyBackbone(), new MoCoV2Options { QueueSize = 64, BnSplits = 0 }));
        using var m = new MoCoV2(TinyBackbone(), new MoCoV2Options { HiddenDim = 8, OutputDim = 4, QueueSize = 64, BnSplits = 3 });
        using var views = TwoViews(8);
        var e = Assert.Throws<ArgumentException>(() => m.call(views));
        Assert.Contains("bn_splits 3", e.Message);
        Assert.Contains("--batch-size", e.Message);
    }
}
