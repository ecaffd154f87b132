using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Methods.Masked;
using SslSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Masked;

/// <summary>I-JEPA: the loss is smooth-L1 against the layer-normed target-encoder tokens at the target blocks, the
/// predictor treats the blocks independently, it trains, the target encoder follows the linear EMA, masks repeat per
/// step, and a CNN is refused.</summary>
public class IJEPATests
{
    private static VisionTransformer TinyVit() => new(new VisionTransformerOptions
    {
        ImageSize = 28, PatchSize = 4, InChannels = 1, Dim = 16, Depth = 1, Heads = 2, MlpRatio = 2,
    }, seed: 1);

    private static IJEPAOptions Small => new() { PredictorDim = 8, PredictorDepth = 1, PredictorHeads = 2, Seed = 4 };

    private static ViewBatch One(Tensor x, Generator g) => new(new[] { x.alias() });

    [Fact]
    public void The_loss_is_smooth_l1_against_layer_normed_target_tokens_and_blocks_are_predicted_independently()
    {
        using var scope = NewDisposeScope();
        using var ijepa = new IJEPA(TinyVit(), Small);
        ijepa.eval();
        var x = torch.randn(new long[] { 3, 1, 28, 28 }, generator: new Generator(7));
        using var noGrad = no_grad();
        ijepa.OnStepStart(new TrainingProgress(5, 10, 0, 10));
        var loss = ijepa.call(new ViewBatch(new[] { x })).Loss.item<float>();

        ijepa.OnStepStart(new TrainingProgress(5, 10, 0, 10));
        var mask = ijepa.DrawMask(3);
        Assert.Equal(4, mask.Targets.Count);
        // Before any update the target encoder equals the context encoder: its tokens are the student's on all patches.
        var all = ((ITokenBackbone)ijepa.Encoder).EncodeTokens(x);
        var patches = all.narrow(1, 1, 49);
        var ctx = ((ITokenBackbone)ijepa.Encoder).EncodeTokens(x, mask.Context);
        ctx = ctx.narrow(1, 1, ctx.shape[1] - 1);
        double sum = 0, count = 0;
        for (int t = 0; t < 4; t++)
        {
            var idx = mask.Targets[t];
            var h = patches.gather(1, idx.unsqueeze(-1).expand(-1, -1, 16));
            h = (h - h.mean(new long[] { -1 }, keepdim: true)) / (h.var(-1, unbiased: false, keepdim: true) + 1e-5).sqrt();
            var z = ijepa.Predictor.call(ctx, mask.Context, new[] { idx });                 // this block alone
            var d = (z - h).abs();
            var elem = torch.where(d.lt(1.0), 0.5 * d.square(), d - 0.5);
            sum += elem.sum().item<float>();
            count += elem.numel();
        }
        Assert.Equal(sum / count, loss, 5);
    }

    [Fact]
    public void The_loss_decreases_over_a_few_steps_on_a_tiny_batch()
    {
        using var ijepa = new IJEPA(TinyVit(), Small);
        var losses = MethodTrainingLoop.Run(ijepa, 20, ps => torch.optim.AdamW(ps, 3e-3), One, imageSize: 28, batch: 32, stepsPerEpoch: 20, seed: 2);
        Assert.True(losses.Skip(16).Average() < 0.9 * losses.Take(4).Average(), MethodTrainingLoop.Describe(losses));
    }

    [Fact]
    public void The_target_encoder_follows_the_linear_ema_and_gets_no_gradient()
    {
        using var scope = NewDisposeScope();
        using var ijepa = new IJEPA(TinyVit(), Small);
        var student = ijepa.Encoder.parameters().First();
        var teacher = ijepa.TargetEncoder.Module.parameters().First();
        Assert.False(teacher.requires_grad);
        Assert.True(teacher.eq(student).all().item<bool>());
        using var opt = torch.optim.SGD(ijepa.parameters().Where(p => p.requires_grad), 0.5);
        var progress = new TrainingProgress(4, 10, 0, 10);
        ijepa.OnStepStart(progress);
        ijepa.call(new ViewBatch(new[] { torch.randn(4, 1, 28, 28) })).Loss.backward();
        Assert.True(teacher.grad is null);
        var before = teacher.clone();
        opt.step();
        ijepa.OnAfterOptimizerStep(progress);
        double m = 0.996 + (1 - 0.996) * 4 / 10.0;   // linear from 0.996 to 1 over 10 steps
        Assert.Equal(m, ijepa.TargetEncoder.LastMomentum, 12);
        Assert.True(torch.allclose(teacher, m * before + (1 - m) * student, rtol: 1e-5, atol: 1e-7));
        Assert.False(teacher.eq(student).all().item<bool>());
    }

    [Fact]
    public void The_masks_of_a_step_depend_only_on_the_step_and_never_overlap()
    {
        using var scope = NewDisposeScope();
        using var a = new IJEPA(TinyVit(), Small);
        using var b = new IJEPA(TinyVit(), Small);
        Tensor ContextAt(IJEPA m, long step)
        {
            m.OnStepStart(new TrainingProgress(step, 10, 0, 10));
            return m.DrawMask(4).Context;
        }
        var first = ContextAt(a, 0);
        ContextAt(a, 1);
        var third = ContextAt(a, 2);
        var again = ContextAt(b, 2);
        Assert.True(third.shape.SequenceEqual(again.shape) && third.eq(again).all().item<bool>());
        var zero = ContextAt(b, 0);
        Assert.True(first.shape.SequenceEqual(zero.shape) && first.eq(zero).all().item<bool>());
    }

    [Fact]
    public void A_cnn_backbone_fails_with_one_message_naming_the_vit()
    {
        var e = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("ijepa", new ConvNet(1, widthMultiplier: 0.25)));
        Assert.Contains("ijepa needs a ViT backbone", e.Message);
        Assert.Contains("--backbone vit-cpu", e.Message);
        Assert.Equal("masked modelling", MethodRegistry.Describe("ijepa").Family);
    }

    [Fact]
    public void The_checkpoint_holds_the_target_encoder_and_the_predictor()
    {
        using var ijepa = new IJEPA(TinyVit(), Small);
        var keys = ijepa.state_dict().Keys.ToList();
        Assert.Contains(keys, k => k.StartsWith("target_encoder.module.", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("predictor.", StringComparison.Ordinal));
    }
}
