using SslSharp.Backbones;
using SslSharp.Data;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using SslSharp.Runs;

namespace SslSharp.Tests.Methods.Contrastive;

public class ContrastivePresetTests
{
    [Theory]
    [InlineData("mocov2")]
    [InlineData("mocov3")]
    [InlineData("nnclr")]
    public void Embedded_defaults_read_the_small_preset_and_build_a_method_whose_queue_fits_the_batch(string method)
    {
        var config = PretrainDefaults.For(method, FashionMnist.EmbeddedName);
        Assert.Equal("0.2", config.Options["temperature"]);
        Assert.NotNull(config.Augment);
        using var built = MethodRegistry.Create(method, new ConvNet(1, widthMultiplier: 0.25), new MethodSettings(config.Options));
        switch (built)
        {
            case MoCoV2 m:
                Assert.Equal(0, m.Queue.Size % config.BatchSize);
                m.CheckBatchSize(config.BatchSize);
                break;
            case NNCLR n:
                Assert.Equal(0, n.Queue.Size % config.BatchSize);
                n.CheckBatchSize(config.BatchSize);
                break;
            case MoCoV3 v3:
                Assert.Equal(0.99, v3.BaseMomentum);
                break;
            default:
                Assert.Fail($"{method} built a {built.GetType().Name}");
                break;
        }
    }

    [Theory]
    [InlineData("mocov2", 256, 65536)]
    [InlineData("nnclr", 4096, 98304)]
    public void Large_presets_keep_the_paper_batch_and_a_queue_that_divides_by_it(string method, int batch, int queue)
    {
        var preset = MethodPresets.Find(method, "large")!;
        var config = preset.ApplyTo(new RunConfig { Method = method, BatchSize = 8, Optimizer = SslSharp.Training.Optim.OptimizerKind.Sgd });
        Assert.Equal(batch, config.BatchSize);
        Assert.Equal(queue.ToString(System.Globalization.CultureInfo.InvariantCulture), config.Options["queue_size"]);
        Assert.Equal(0, queue % batch);
    }
}
