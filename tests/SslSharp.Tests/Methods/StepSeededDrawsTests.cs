using SslSharp.Core;
using SslSharp.Methods;
using SslSharp.Methods.Contrastive;
using SslSharp.Methods.Correlation;
using static SslSharp.Tests.Methods.Contrastive.MethodTestKit;
using static TorchSharp.torch;

namespace SslSharp.Tests.Methods;

/// <summary>
/// Methods that draw random numbers in their loss (W-MSE's sub-batch permutations, random negative
/// mining) draw them as a function of (seed, step), so a resumed run repeats an uninterrupted one without
/// any generator in the checkpoint.
/// </summary>
public class StepSeededDrawsTests
{
    public static TheoryData<string> Methods => new() { "wmse", "triplet-random" };

    private static SslMethod Make(string name) => name == "wmse"
        ? new WMSE(TinyBackbone(3), new WMSEOptions { HiddenDim = 32, OutputDim = 8, WhiteningSize = 16, Seed = 3 })
        : new DeepMetricLearning(TinyBackbone(3), new TripletOptions { Negatives = NegativeMining.Random, Seed = 3 });

    private static float LossAt(SslMethod method, long step, ViewBatch views)
    {
        using var scope = NewDisposeScope();
        method.OnStepStart(new TrainingProgress(step, 100, 0, 100));
        using var noGrad = no_grad();
        return method.call(views).Loss.item<float>();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void The_draws_of_a_step_do_not_depend_on_the_steps_before_it(string name)
    {
        using var scope = NewDisposeScope();
        var views = Views(32, seed: 5);
        using var straight = Make(name);
        using var resumed = Make(name);
        straight.eval();
        resumed.eval(); // BatchNorm from running statistics: the loss depends only on the draws

        float first = LossAt(straight, 0, views);
        for (long step = 1; step < 3; step++) LossAt(straight, step, views);
        float atThree = LossAt(straight, 3, views);

        Assert.Equal(atThree, LossAt(resumed, 3, views));   // jumped straight to step 3
        Assert.Equal(first, LossAt(resumed, 0, views));     // and back: step 0 again gives step 0's draws
        Assert.NotEqual(first, atThree);                    // different steps draw differently
    }
}
