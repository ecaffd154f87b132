using SslSharp.Heads;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Heads;

public class PrototypesTests
{
    [Fact]
    public void Scores_are_z_times_C_transposed_and_the_key_reads_like_the_reference()
    {
        using var p = new Prototypes(4, 6, seed: 1);
        Assert.Equal(new long[] { 6, 4 }, p.Weight.shape);
        Assert.Equal(new[] { "weight" }, p.state_dict().Keys.ToArray());
        using var scope = torch.NewDisposeScope();
        var z = torch.randn(3, 4);
        Assert.True(p.call(z).allclose(z.mm(p.Weight.t()), rtol: 1e-6, atol: 1e-7));
        Assert.Throws<ArgumentException>(() => p.call(torch.randn(3, 5)));
    }

    [Fact]
    public void NormalizeRows_gives_unit_rows_without_gradient_and_keeps_directions()
    {
        using var p = new Prototypes(5, 7, seed: 2);
        using var scope = torch.NewDisposeScope();
        var before = p.Weight.detach().clone();
        p.NormalizeRows();
        var norms = p.Weight.detach().norm(1);
        Assert.True(norms.allclose(torch.ones(7), rtol: 1e-6, atol: 1e-6));
        var cos = nn.functional.cosine_similarity(before, p.Weight.detach(), 1);
        Assert.True(cos.allclose(torch.ones(7), rtol: 1e-6, atol: 1e-6));
        Assert.True(p.Weight.requires_grad);
        Assert.Null(p.Weight.grad);
    }

    [Fact]
    public void Same_seed_same_prototypes_and_bad_sizes_fail()
    {
        using var a = new Prototypes(3, 4, seed: 9);
        using var b = new Prototypes(3, 4, seed: 9);
        using var c = new Prototypes(3, 4, seed: 10);
        Assert.True(a.Weight.allclose(b.Weight, 0, 0));
        Assert.False(a.Weight.allclose(c.Weight, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Prototypes(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Prototypes(3, 0));
    }
}
