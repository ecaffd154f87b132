using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.Masked;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Masked;

/// <summary>iBOT: the step is DINO's [CLS] loss plus the masked-patch loss of the masked student against the unmasked
/// teacher, both centres move, masks repeat per step and cover 10-50% of the patches in about half the crops, the teacher
/// follows the EMA, it trains, and a CNN is refused.</summary>
public class IBOTTests
{
    private static VisionTransformer TinyVit() => new(new VisionTransformerOptions
    {
        ImageSize = 28, PatchSize = 4, InChannels = 1, Dim = 16, Depth = 1, Heads = 2, MlpRatio = 2,
    }, seed: 1);

    private static IBOTOptions Small => new() { OutDim = 32, HiddenDim = 16, BottleneckDim = 8, Seed = 4, WarmupTeacherTempEpochs = 2 };

    private static ViewBatch TwoViews(Tensor x, Generator g) =>
        new(new[] { x.alias(), x.flip(3) + 0.1 * torch.randn(x.shape, generator: g) });

    [Fact]
    public void The_step_loss_is_the_ibot_loss_of_the_masked_student_against_the_unmasked_teacher()
    {
        using var scope = NewDisposeScope();
        using var ibot = new IBOT(TinyVit(), Small);
        ibot.eval();
        var g = new Generator(7);
        var a = torch.randn(new long[] { 6, 1, 28, 28 }, generator: g);
        var b = torch.randn(new long[] { 6, 1, 28, 28 }, generator: g);
        var local = torch.randn(new long[] { 6, 1, 12, 12 }, generator: g);
        var progress = new TrainingProgress(3, 10, 1, 2);   // epoch 1 of a 2-epoch warm-up: final temperatures
        using var noGrad = no_grad();
        ibot.OnStepStart(progress);
        var output = ibot.call(new ViewBatch(new[] { a, b, local }, globalCount: 2));

        ibot.OnStepStart(progress);
        var mask = ibot.DrawMask(12);                                          // the same draw as the step's
        Assert.Equal(0.07, ibot.CurrentTeacherPatchTemperature, 12);
        Assert.Equal(0.04, ibot.CurrentTeacherTemperature, 12);
        var vit = (VisionTransformer)ibot.Encoder;
        var globals = torch.cat(new[] { a, b }, 0);
        // The teacher is still a copy of the student: its outputs are the student's on the unmasked crops.
        var teacherTokens = vit.EncodeTokens(globals);
        var studentTokens = vit.EncodeMasked(globals, mask, ibot.MaskToken);
        Tensor Logits(Tensor tokens, out Tensor patches)
        {
            patches = ibot.Head.call(tokens.narrow(1, 1, 49).reshape(-1, 16)).reshape(12, 49, -1);
            return ibot.Head.call(tokens.select(1, 0));
        }
        var tCls = Logits(teacherTokens, out var tPatch);
        var sCls = Logits(studentTokens, out var sPatch);
        var sLocal = ibot.Head.call(vit.call(local));
        var cls = DINOLoss.Compute(new[] { sCls.narrow(0, 0, 6), sCls.narrow(0, 6, 6), sLocal }, tCls.chunk(2, 0), ibot.Center, 0.04, 0.1);
        var patch = IBOTPatchLoss.Compute(sPatch.chunk(2, 0), tPatch.chunk(2, 0), mask.chunk(2, 0), ibot.PatchCenter, 0.07, 0.1);
        Assert.Equal(cls.item<float>() + patch.item<float>(), output.Loss.item<float>(), 4);
        Assert.Equal(cls.item<float>(), output.Extras!.Scalars["loss_cls"].item<float>(), 4);
        Assert.Equal(patch.item<float>(), output.Extras.Scalars["loss_patch"].item<float>(), 4);
        Assert.True(mask.any().item<bool>(), "the draw masked nothing; choose another seed");
        Assert.Equal(0f, ibot.Center.abs().sum().item<float>());              // eval mode: the centres stay
    }

    [Fact]
    public void In_training_both_centres_move_towards_the_teacher_means()
    {
        using var scope = NewDisposeScope();
        using var ibot = new IBOT(TinyVit(), Small);
        var x = torch.randn(new long[] { 4, 1, 28, 28 }, generator: new Generator(3));
        ibot.OnStepStart(new TrainingProgress(0, 10, 0, 10));
        ibot.call(new ViewBatch(new[] { x, x.flip(3) }));
        using var noGrad = no_grad();
        var tokens = ((VisionTransformer)ibot.TeacherBackbone.Module).EncodeTokens(torch.cat(new[] { x, x.flip(3) }, 0));
        var cls = ibot.TeacherHead.Module.call(tokens.select(1, 0));                                        // [8, K]
        var patches = ibot.TeacherHead.Module.call(tokens.narrow(1, 1, 49).reshape(-1, 16)).reshape(8, 49, -1);
        Assert.True(torch.allclose(ibot.Center, 0.1 * cls.mean(new long[] { 0 }, keepdim: true), rtol: 1e-4, atol: 1e-6));
        Assert.True(torch.allclose(ibot.PatchCenter, 0.1 * patches.mean(new long[] { 0, 1 }).reshape(1, 1, -1), rtol: 1e-4, atol: 1e-6));
    }

    [Fact]
    public void Masks_depend_only_on_the_step_and_mask_10_to_50_percent_of_about_half_the_crops()
    {
        using var scope = NewDisposeScope();
        using var a = new IBOT(TinyVit(), Small);
        using var b = new IBOT(TinyVit(), Small);
        Tensor At(IBOT m, long step, int crops = 64)
        {
            m.OnStepStart(new TrainingProgress(step, 10, 0, 10));
            return m.DrawMask(crops);
        }
        At(a, 0);
        var second = At(a, 1);
        Assert.True(second.eq(At(b, 1)).all().item<bool>());
        Assert.False(second.eq(At(b, 2)).all().item<bool>());
        var big = At(a, 5, 2000);
        var counts = big.sum(1).to_type(ScalarType.Float64);
        double maskedShare = counts.gt(0).to_type(ScalarType.Float64).mean().item<double>();
        Assert.InRange(maskedShare, 0.45, 0.55);
        Assert.True(counts.le(Math.Floor(0.5 * 49)).all().item<bool>(), "no crop may lose more than half its patches");
        Assert.True(counts.max().item<double>() >= 0.4 * 49, "large masks must occur");
    }

    [Fact]
    public void Trains_without_nan_the_teacher_follows_the_ema_and_gets_no_gradient()
    {
        using var ibot = new IBOT(TinyVit(), Small);
        var teacher = ibot.TeacherBackbone.Module.parameters().First();
        Assert.False(teacher.requires_grad);
        var losses = MethodTrainingLoop.Run(ibot, 8, ps => torch.optim.AdamW(ps, 1e-3), TwoViews, imageSize: 28, batch: 16, stepsPerEpoch: 4, seed: 2);
        Assert.Equal(8, losses.Count);
        Assert.Equal(1 - (1 - 0.996) * (1 + Math.Cos(Math.PI * 7 / 8)) / 2, ibot.TeacherBackbone.LastMomentum, 12);
        Assert.False(teacher.eq(ibot.Encoder.parameters().First()).all().item<bool>(), "the student moved away from the teacher");
        Assert.True(ibot.MaskToken.abs().sum().item<float>() > 0, "the mask token never trained");
    }

    [Fact]
    public void A_cnn_backbone_fails_with_one_message_naming_the_vit_and_the_checkpoint_holds_the_ibot_state()
    {
        var e = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("ibot", new ConvNet(1, widthMultiplier: 0.25)));
        Assert.Contains("ibot needs a ViT backbone", e.Message);
        Assert.Equal("masked modelling", MethodRegistry.Describe("ibot").Family);
        using var ibot = new IBOT(TinyVit(), Small);
        var keys = ibot.state_dict().Keys.ToList();
        foreach (var key in new[] { "mask_token", "center", "patch_center" }) Assert.Contains(key, keys);
        Assert.Contains(keys, k => k.StartsWith("teacher_backbone.module.", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("teacher_head.module.", StringComparison.Ordinal));
    }
}
