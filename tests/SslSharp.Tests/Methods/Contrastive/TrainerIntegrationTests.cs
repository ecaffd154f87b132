using SslSharp.Methods.Contrastive;
using SslSharp.Modules;
using SslSharp.Tests.Training;
using SslSharp.Training;
using static SslSharp.Tests.Methods.Contrastive.ContrastiveTestKit;

namespace SslSharp.Tests.Methods.Contrastive;

[Collection("TrainerSerial")]
public class TrainerIntegrationTests
{
    [Fact]
    public void The_trainer_drives_the_momentum_schedule_and_the_queue_of_MoCo_v2()
    {
        using var data = new StandInBatchSource(images: 32, batchSize: 8, size: 8);
        using var method = new MoCoV2(TinyBackbone(1), new MoCoV2Options { HiddenDim = 16, OutputDim = 8, QueueSize = 16, BaseMomentum = 0.9, FinalMomentum = 0.99, Seed = 1 });
        var teacherBefore = TeacherParameters(method.MomentumEncoder).Select(p => p.clone()).ToList();
        using var trainer = new Trainer(method, data, TrainerTests.Options());
        var result = trainer.Fit();
        Assert.Equal(12, result.Steps);
        // 12 steps x 8 keys into 16 slots: full, pointer back at 0.
        Assert.True(method.Queue.IsFull);
        Assert.Equal(0L, method.Queue.state_dict()["pointer"].item<long>());
        // The last step (11 of 12) used the cosine momentum of that step.
        Assert.Equal(EmaMomentum.Cosine(11, 12, 0.9, 0.99), method.MomentumEncoder.LastMomentum, 12);
        Assert.Contains(TeacherParameters(method.MomentumEncoder).Zip(teacherBefore), pair => !pair.First.allclose(pair.Second));
        Assert.True(double.IsFinite(result.LastLoss));
    }

    [Fact]
    public void The_trainer_drives_MoCo_v3_and_NNCLR()
    {
        using var data = new StandInBatchSource(images: 32, batchSize: 8, size: 8);
        using (var v3 = new MoCoV3(TinyBackbone(2), new MoCoV3Options { HiddenDim = 16, OutputDim = 8, Temperature = 0.2, Seed = 2 }))
        using (var trainer = new Trainer(v3, data, TrainerTests.Options()))
        {
            Assert.True(double.IsFinite(trainer.Fit().LastLoss));
            Assert.Equal(EmaMomentum.Cosine(11, 12, 0.99), v3.MomentumEncoder.LastMomentum, 12);
        }
        using var nnclr = new NNCLR(TinyBackbone(3), new NNCLROptions { HiddenDim = 16, OutputDim = 8, PredictorHiddenDim = 16, QueueSize = 32, Seed = 3 });
        using var t2 = new Trainer(nnclr, data, TrainerTests.Options());
        Assert.True(double.IsFinite(t2.Fit().LastLoss));
        Assert.True(nnclr.Queue.IsFull);
        Assert.Equal(32, nnclr.Queue.Count);
    }
}
