using SslSharp.Backbones;
using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Methods.Masked;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods.Masked;

/// <summary>MAE: the step's loss is the masked-patch MSE of the decoder's prediction, it trains, masks repeat per step,
/// uniform masking runs, and a CNN backbone is refused with one message.</summary>
public class MAETests
{
    private static VisionTransformer TinyVit(int imageSize = 12, int patch = 4) => new(new VisionTransformerOptions
    {
        ImageSize = imageSize, PatchSize = patch, InChannels = 1, Dim = 16, Depth = 2, Heads = 2, MlpRatio = 2,
    }, seed: 1);

    private static MAEOptions Small(MAEMasking masking = MAEMasking.Random) =>
        new() { Masking = masking, DecoderDim = 16, DecoderDepth = 1, DecoderHeads = 2, Seed = 4 };

    private static ViewBatch One(Tensor x, Generator g) => new(new[] { x.alias() });

    [Fact]
    public void The_loss_is_the_masked_patch_mse_of_an_explicitly_recomputed_decoder_on_the_same_mask()
    {
        using var scope = NewDisposeScope();
        using var mae = new MAE(TinyVit(), Small());
        mae.eval();
        var x = torch.randn(new long[] { 5, 1, 12, 12 }, generator: new Generator(7));
        mae.OnStepStart(new TrainingProgress(3, 10, 0, 10));
        using var noGrad = no_grad();
        var output = mae.call(new ViewBatch(new[] { x }));

        // The mask of step 3 drawn again from an independent generator with the same (seed, stream, step).
        var mask = output.Extras!.Mask!;                                          // [N, L], 1 = masked
        Assert.Equal(new long[] { 5, 9 }, mask.shape);
        Assert.All(Enumerable.Range(0, 5), n => Assert.Equal(7, mask[n].sum().item<float>()));   // int(9 * 0.25) = 2 visible
        var keep = mask.eq(0).nonzero().select(1, 1).reshape(5, 2);                // kept indices, ascending per row

        // Explicit decoder: scatter the embedded visible tokens into a grid of mask tokens (no gather / restore).
        var modules = mae.Decoder.named_modules().ToDictionary(m => m.name, m => m.module);
        var p = mae.Decoder.named_parameters().ToDictionary(q => q.name, q => q.parameter);
        var b = mae.Decoder.named_buffers().ToDictionary(q => q.name, q => q.buffer);
        var tokens = ((ITokenBackbone)mae.Encoder).EncodeTokens(x, keep);          // [N, 1 + 2, 16]
        var embedded = ((Linear)modules["decoder_embed"]).call(tokens);
        var grid = p["mask_token"].expand(5, 9, 16).clone();
        grid.scatter_(1, keep.unsqueeze(-1).expand(-1, -1, 16), embedded.narrow(1, 1, 2));
        var h = torch.cat(new[] { embedded.narrow(1, 0, 1), grid }, 1) + b["decoder_pos_embed"];
        h = ((VitBlock)modules["decoder_blocks.0"]).call(h);
        var pred = ((Linear)modules["decoder_pred"]).call(((LayerNorm)modules["decoder_norm"]).call(h)).narrow(1, 1, 9); // [N, 9, 16]

        // Norm-pix target and the mean over masked patches, written out.
        var target = x.reshape(5, 1, 3, 4, 3, 4).permute(0, 2, 4, 3, 5, 1).reshape(5, 9, 16);
        var t = (target - target.mean(new long[] { -1 }, keepdim: true)) / (target.var(-1, unbiased: true, keepdim: true) + 1e-6).sqrt();
        var perPatch = (pred - t).square().mean(new long[] { -1 });
        double expected = (perPatch * mask).sum().item<float>() / mask.sum().item<float>();

        Assert.Equal(expected, output.Loss.item<float>(), 5);
        Assert.True(torch.allclose(pred, output.Extras.Reconstruction!, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(new long[] { 5, 16 }, output.Features.shape);
    }

    [Fact]
    public void The_masks_of_a_step_depend_only_on_the_step()
    {
        using var scope = NewDisposeScope();
        using var a = new MAE(TinyVit(), Small());
        using var b = new MAE(TinyVit(), Small());
        Tensor MaskAt(MAE m, long step)
        {
            m.OnStepStart(new TrainingProgress(step, 10, 0, 10));
            return m.DrawMask(4).Mask;
        }
        var first = MaskAt(a, 0);
        MaskAt(a, 1);
        var third = MaskAt(a, 2);
        Assert.True(third.eq(MaskAt(b, 2)).all().item<bool>());
        Assert.True(first.eq(MaskAt(b, 0)).all().item<bool>());
        Assert.False(first.eq(third).all().item<bool>());
    }

    [Fact]
    public void The_loss_decreases_over_a_few_steps_on_a_tiny_batch()
    {
        using var mae = new MAE(TinyVit(), Small());
        var losses = MethodTrainingLoop.Run(mae, 30, ps => torch.optim.AdamW(ps, 3e-3), One, imageSize: 12, batch: 64, stepsPerEpoch: 30, seed: 2);
        Assert.True(losses.Skip(25).Average() < 0.9 * losses.Take(5).Average(), MethodTrainingLoop.Describe(losses));
    }

    [Fact]
    public void Uniform_masking_keeps_one_patch_of_every_two_by_two_block()
    {
        using var scope = NewDisposeScope();
        using var mae = new MAE(TinyVit(imageSize: 16), Small(MAEMasking.Uniform));   // 4x4 grid
        var losses = MethodTrainingLoop.Run(mae, 2, ps => torch.optim.AdamW(ps, 1e-3), One, imageSize: 16, batch: 8, stepsPerEpoch: 2, seed: 3);
        Assert.Equal(2, losses.Count);
        var mask = mae.call(new ViewBatch(new[] { torch.randn(3, 1, 16, 16) })).Extras!.Mask!;
        var blocks = mask.reshape(3, 2, 2, 2, 2).permute(0, 1, 3, 2, 4).reshape(3, 4, 4);   // [N, block, 4 corners]
        Assert.True(blocks.sum(2).eq(3).all().item<bool>());
    }

    [Fact]
    public void Uniform_masking_on_an_odd_grid_fails_with_one_message()
    {
        var e = Assert.Throws<ArgumentException>(() => new MAE(TinyVit(), Small(MAEMasking.Uniform)));   // 3x3 grid
        Assert.Contains("even", e.Message);
    }

    [Fact]
    public void A_cnn_backbone_fails_with_one_message_naming_the_vit()
    {
        var e = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("mae", new ConvNet(1, widthMultiplier: 0.25)));
        Assert.Contains("mae needs a ViT backbone", e.Message);
        Assert.Contains("--backbone vit-cpu", e.Message);
    }

    [Fact]
    public void Masking_is_chosen_by_a_setting()
    {
        using var mae = (MAE)MethodRegistry.Create("mae", TinyVit(imageSize: 16),
            new MethodSettings(new Dictionary<string, string> { ["masking"] = "uniform", ["decoder_dim"] = "16", ["decoder_depth"] = "1", ["decoder_heads"] = "2" }));
        Assert.Equal(MAEMasking.Uniform, mae.Options.Masking);
        Assert.Equal("masked modelling", MethodRegistry.Describe("mae").Family);
    }
}
