using SslSharp.Core;
using SslSharp.Losses;
using SslSharp.Methods;
using SslSharp.Methods.SelfDistillation;
using SslSharp.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using D = SslSharp.Tests.Methods.SelfDistillation.SelfDistillTestData;
using F = SslSharp.Tests.Losses.SelfDistillFixtures;

namespace SslSharp.Tests.Methods.SelfDistillation;

public class DINOTests
{
    private static DINO Tiny(long seed = 0, int freeze = 1, double clip = 3.0, double teacherTemp = 0.04) =>
        new(D.TinyBackbone(seed), new DINOOptions { OutDim = 32, HiddenDim = 32, BottleneckDim = 8, FreezeLastLayer = freeze, ClipGrad = clip, TeacherTemp = teacherTemp, WarmupTeacherTemp = 0.04, Seed = seed });

    [Fact]
    public void Defaults_follow_the_paper()
    {
        using var m = new DINO(D.TinyBackbone(), new DINOOptions { OutDim = 64 });
        Assert.Equal(2048, m.Head.HiddenDim);
        Assert.Equal(256, m.Head.BottleneckDim);
        Assert.Equal(0.1, m.StudentTemperature);
        Assert.Equal(0.04, m.TeacherTemperature);
        Assert.Equal(0.04, m.WarmupTeacherTemperature);
        Assert.Equal(30, m.WarmupTeacherTemperatureEpochs);
        Assert.Equal(0.9, m.CenterMomentum);
        Assert.Equal(0.996, m.BaseMomentum);
        Assert.Equal(1, m.FreezeLastLayerEpochs);
        Assert.Equal(3.0, m.ClipGradient);
        var keys = m.state_dict().Keys.ToHashSet();
        Assert.Contains("center", keys);
        Assert.Contains("head.last_layer.weight_v", keys);
        Assert.Contains("teacher_head.module.last_layer.weight_v", keys);
        Assert.Contains("teacher_backbone.module.blocks.0.conv.weight", keys);
        Assert.Equal(new long[] { 1, 64 }, m.Center.shape);
        using var paper = (DINO)MethodRegistry.Create("dino", D.TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["hidden_dim"] = "16", ["bottleneck_dim"] = "8" }));
        Assert.Equal(65536, paper.Head.OutputDim);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DINO(D.TinyBackbone(), new DINOOptions { OutDim = 8, TeacherTemp = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DINO(D.TinyBackbone(), new DINOOptions { OutDim = 8, CenterMomentum = 2 }));
    }

    [Fact]
    public void Teacher_sees_the_global_crops_student_all_crops()
    {
        using var m = Tiny(seed: 1);
        using (torch.no_grad())   // a teacher different from the student
            foreach (var p in m.Head.parameters()) p.add_(0.01);
        m.eval();
        using var scope = torch.NewDisposeScope();
        using var views = D.MultiCrop(5, locals: 3, seed: 2);
        var output = m.call(views);
        Assert.Equal(new long[] { 5, 16 }, output.Features.shape);
        Assert.Equal(new long[] { 5, 32 }, output.Embeddings!.shape);

        using var noGrad = torch.no_grad();
        var globals = torch.cat(new[] { views.Views[0], views.Views[1] }, 0);
        var locals = torch.cat(new[] { views.Views[2], views.Views[3], views.Views[4] }, 0);
        var t = m.TeacherHead.Module.call(m.TeacherBackbone.Module.call(globals)).chunk(2, 0);
        var s = m.Head.call(m.Encoder.call(globals)).chunk(2, 0).Concat(m.Head.call(m.Encoder.call(locals)).chunk(3, 0)).ToArray();
        var expected = DINOLoss.Compute(s, t, torch.zeros(1, 32), 0.04, 0.1);
        Assert.Equal(expected.item<float>(), output.Loss.item<float>(), 4);
        Assert.True(m.Center.eq(0).all().item<bool>(), "eval mode must not move the center");
    }

    [Fact]
    public void In_training_the_center_moves_to_09c_plus_01_mean_of_the_teacher_outputs()
    {
        using var m = Tiny(seed: 3);
        m.train();
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad()) m.Center.copy_(torch.linspace(-1, 1, 32).unsqueeze(0));
        var before = m.Center.clone();
        using var views = D.MultiCrop(6, locals: 2, seed: 4);
        m.call(views);
        using var noGrad = torch.no_grad();
        // Train-mode BN uses batch statistics, so the same call gives the teacher outputs the step saw.
        var t = m.TeacherHead.Module.call(m.TeacherBackbone.Module.call(torch.cat(new[] { views.Views[0], views.Views[1] }, 0)));
        var expected = before * 0.9 + t.mean(new long[] { 0 }, keepdim: true) * 0.1;
        Assert.True(m.Center.allclose(expected, rtol: 1e-5, atol: 1e-6));
        Assert.False(m.Center.allclose(before, rtol: 1e-3, atol: 1e-4));
    }

    [Fact]
    public void Teacher_temperature_schedule_matches_dino_linspace()
    {
        foreach (var c in F.Cases("teacher_temp"))
        {
            var values = F.Doubles(c.GetProperty("values"));
            double warm = c.GetProperty("warmup_teacher_temp").GetDouble(), final = c.GetProperty("teacher_temp").GetDouble();
            int w = c.GetProperty("warmup_epochs").GetInt32();
            const long spe = 7;
            for (int e = 0; e < values.Length; e++)
                foreach (long within in new long[] { 0, 3, spe - 1 })
                    Assert.Equal(values[e], DINO.TeacherTemperatureAt(e * spe + within, spe, warm, final, w), 12);
        }
        Assert.Equal(0.07, DINO.TeacherTemperatureAt(0, 1, 0.04, 0.07, 0), 12);
        using var m = new DINO(D.TinyBackbone(), new DINOOptions { OutDim = 8, HiddenDim = 8, BottleneckDim = 4, TeacherTemp = 0.07, WarmupTeacherTempEpochs = 4 });
        Assert.Equal(0.04, m.CurrentTeacherTemperature, 12);
        m.OnStepStart(new TrainingProgress(25, 100, 2, 10));
        Assert.Equal(0.06, m.CurrentTeacherTemperature, 12);
    }

    [Fact]
    public void Gradients_are_clipped_per_tensor_as_dino_clip_gradients()
    {
        foreach (var c in F.Cases("clip"))
        {
            using var scope = torch.NewDisposeScope();
            var shapes = c.GetProperty("shapes").EnumerateArray().Select(s => s.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToList();
            var grads = c.GetProperty("grads").EnumerateArray().ToList();
            var ps = shapes.Select((s, i) =>
            {
                var p = new Parameter(torch.zeros(s, dtype: ScalarType.Float64));
                p.grad = F.Tensor(grads[i], s);
                return p;
            }).ToList();
            ps.Add(new Parameter(torch.zeros(3, dtype: ScalarType.Float64)));   // no gradient: skipped
            var norms = DINO.ClipGradients(ps, c.GetProperty("clip").GetDouble());
            var expectedNorms = F.Doubles(c.GetProperty("norms"));
            Assert.Equal(expectedNorms.Length, norms.Count);
            for (int i = 0; i < norms.Count; i++) F.AssertClose(expectedNorms[i], norms[i], 1e-9, $"norm {i}");
            var clipped = c.GetProperty("clipped").EnumerateArray().ToList();
            for (int i = 0; i < shapes.Count; i++) F.AssertAllClose(F.Doubles(clipped[i]), ps[i].grad!, 1e-9, $"grad {i}");
        }
    }

    [Fact]
    public void After_backward_every_gradient_tensor_is_clipped_and_the_last_layer_frozen_in_epoch_0()
    {
        using var m = Tiny(seed: 5, clip: 0.01);
        using var scope = torch.NewDisposeScope();
        using var views = D.MultiCrop(8, locals: 2, seed: 6);
        m.train();
        m.call(views).Loss.backward();
        Assert.True(m.Head.LastLayer.Direction.grad is not null);
        m.OnAfterBackward(new TrainingProgress(3, 100, 0, 10));
        Assert.True(m.Head.LastLayer.Direction.grad is null, "the last layer must get no gradient in epoch 0");
        foreach (var (name, p) in m.named_parameters())
        {
            if (name.StartsWith("teacher_", StringComparison.Ordinal)) { Assert.True(p.grad is null, $"{name}: teacher got a gradient"); continue; }
            if (name.StartsWith("head.last_layer", StringComparison.Ordinal)) continue;
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.norm().item<float>() <= 0.01 * (1 + 1e-4), $"{name}: gradient norm {p.grad.norm().item<float>()} above the clip");
        }
        // Epoch 1: the last layer trains.
        foreach (var p in m.parameters()) p.grad = null;
        m.call(views).Loss.backward();
        m.OnAfterBackward(new TrainingProgress(10, 100, 1, 10));
        Assert.True(m.Head.LastLayer.Direction.grad is not null);
    }

    [Fact]
    public void The_last_layer_does_not_move_in_epoch_0_and_trains_afterwards()
    {
        using var m = Tiny(seed: 7);
        var v = m.Head.LastLayer.Direction;
        var start = v.clone();
        var conv = m.Encoder.parameters().First();
        var convStart = conv.clone();
        D.Train(m, 4, ps => torch.optim.AdamW(ps, 1e-3, weight_decay: 0.04), (x, g) => D.MultiCrop(x.shape[0], 2, seed: 1), stepsPerEpoch: 4);
        Assert.True(v.allclose(start, 0, 0), "last layer changed during epoch 0");
        Assert.False(conv.allclose(convStart, rtol: 1e-6, atol: 1e-7), "the backbone must train in epoch 0");
        D.Train(m, 2, ps => torch.optim.AdamW(ps, 1e-3, weight_decay: 0.04), (x, g) => D.MultiCrop(x.shape[0], 2, seed: 1), stepsPerEpoch: 1);
        Assert.False(v.allclose(start, rtol: 1e-6, atol: 1e-7), "last layer did not train after epoch 0");
    }

    [Fact]
    public void After_the_optimizer_step_the_teacher_follows_the_cosine_momentum()
    {
        using var m = Tiny(seed: 8);
        m.OnAfterOptimizerStep(new TrainingProgress(0, 20, 0, 10));
        Assert.Equal(0.996, m.TeacherBackbone.LastMomentum, 12);
        m.OnAfterOptimizerStep(new TrainingProgress(10, 20, 1, 10));
        Assert.Equal(EmaMomentum.Cosine(10, 20, 0.996), m.TeacherHead.LastMomentum, 12);
        Assert.Equal(0.998, m.TeacherHead.LastMomentum, 12);
    }

    [Fact]
    public void Trains_multi_crop_on_tiny_data_without_nan_and_the_loss_changes()
    {
        using var m = Tiny(seed: 9, teacherTemp: 0.04);
        var losses = D.Train(m, 30, ps => torch.optim.AdamW(ps, 1e-3, weight_decay: 0.04),
            (x, g) => MultiCropOf(x, g, locals: 4), stepsPerEpoch: 10);
        Assert.True(losses.Max() - losses.Min() > 1e-3, $"loss did not change: {D.Describe(losses)}");
        Assert.True(m.Center.isfinite().all().item<bool>());
        Assert.False(m.Center.eq(0).all().item<bool>(), "the center never moved");
    }

    [Fact]
    public void Two_global_crops_without_local_crops_work()
    {
        using var m = Tiny(seed: 10);
        var losses = D.Train(m, 3, ps => torch.optim.AdamW(ps, 1e-3), D.NoisyPair);
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
    }

    [Fact]
    public void Checkpoint_round_trip_restores_teacher_and_center()
    {
        using var a = Tiny(seed: 11);
        D.Train(a, 3, ps => torch.optim.AdamW(ps, 1e-3), (x, g) => MultiCropOf(x, g, locals: 2));
        Assert.False(a.Center.eq(0).all().item<bool>());
        using var b = Tiny(seed: 12);
        D.AssertCheckpointRoundTrip(a, b, "center", "teacher_backbone.module.", "teacher_head.module.last_layer.weight_v");
        Assert.True(a.Center.allclose(b.Center, 0, 0));
    }

    [Fact]
    public void Bad_views_fail_clearly()
    {
        using var m = Tiny();
        using var scope = torch.NewDisposeScope();
        var oneGlobal = new ViewBatch(new[] { torch.randn(4, 1, 12, 12), torch.randn(4, 1, 6, 6) }, globalCount: 1);
        var ex = Assert.Throws<ArgumentException>(() => m.call(oneGlobal));
        Assert.Contains("2 global crops", ex.Message);
        // Multi-crop views of mismatched sizes never reach the method: the batch refuses them.
        ex = Assert.Throws<ArgumentException>(() => new ViewBatch(
            new[] { torch.randn(4, 1, 12, 12), torch.randn(4, 1, 12, 12), torch.randn(4, 1, 6, 6), torch.randn(4, 1, 7, 7) }, globalCount: 2));
        Assert.Contains("Local views must all have one size", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new ViewBatch(new[] { torch.randn(4, 1, 12, 12), torch.randn(4, 1, 10, 10) }, globalCount: 2));
        Assert.Contains("Global views must all have one size", ex.Message);
        var single = new ViewBatch(new[] { torch.randn(1, 1, 12, 12), torch.randn(1, 1, 12, 12) });
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => m.call(single)).Message);
        ex = Assert.Throws<ArgumentException>(() => MethodRegistry.Create("dino", D.TinyBackbone(),
            new MethodSettings(new Dictionary<string, string> { ["teacher_temperature"] = "0.07" })));
        Assert.Contains("teacher_temp", ex.Message);
    }

    private static ViewBatch MultiCropOf(Tensor x, Generator g, int locals)
    {
        var views = new List<Tensor> { x + 0.3 * torch.randn(x.shape, generator: g), x + 0.3 * torch.randn(x.shape, generator: g) };
        for (int i = 0; i < locals; i++)
        {
            int off = (i * 2) % 6;
            var crop = x.narrow(2, off, 6).narrow(3, off, 6);
            views.Add(crop + 0.3 * torch.randn(crop.shape, generator: g));
        }
        return new ViewBatch(views, globalCount: 2);
    }
}
