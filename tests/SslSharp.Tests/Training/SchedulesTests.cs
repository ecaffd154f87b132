using SslSharp.Core;
using SslSharp.Training;

namespace SslSharp.Tests.Training;

public class SchedulesTests
{
    [Theory]
    [InlineData(0.3, 256, LrScaling.Linear, 0.3)]
    [InlineData(0.3, 512, LrScaling.Linear, 0.6)]
    [InlineData(0.3, 64, LrScaling.Linear, 0.075)]
    [InlineData(0.075, 4096, LrScaling.Sqrt, 4.8)] // SimCLR appendix: 0.075 * sqrt(4096) = 4.8
    [InlineData(0.05, 100, LrScaling.Sqrt, 0.5)]
    [InlineData(0.5, 999, LrScaling.None, 0.5)]
    public void ScaleLr_matches_hand_computed_values(double baseLr, int batch, LrScaling scaling, double expected)
        => Assert.Equal(expected, Schedules.ScaleLr(baseLr, batch, scaling), 12);

    [Fact]
    public void WarmupCosine_matches_hand_computed_values()
    {
        // base 1.0, min 0.1, Tw = 10, T = 110: cosine over 100 steps.
        Assert.Equal(0.0, Schedules.WarmupCosine(0, 10, 110, 1.0, 0.1), 12);
        Assert.Equal(0.5, Schedules.WarmupCosine(5, 10, 110, 1.0, 0.1), 12);
        Assert.Equal(0.9, Schedules.WarmupCosine(9, 10, 110, 1.0, 0.1), 12);
        Assert.Equal(1.0, Schedules.WarmupCosine(10, 10, 110, 1.0, 0.1), 12);
        // halfway through the cosine: min + (base - min) * (1 + cos(pi/2)) / 2 = 0.1 + 0.45
        Assert.Equal(0.55, Schedules.WarmupCosine(60, 10, 110, 1.0, 0.1), 12);
        // a quarter: 0.1 + 0.9 * (1 + cos(pi/4)) / 2 = 0.1 + 0.9 * 0.853553390593 = 0.868198051534
        Assert.Equal(0.8681980515339464, Schedules.WarmupCosine(35, 10, 110, 1.0, 0.1), 12);
        Assert.Equal(0.1, Schedules.WarmupCosine(110, 10, 110, 1.0, 0.1), 12);
        Assert.Equal(0.1, Schedules.WarmupCosine(500, 10, 110, 1.0, 0.1), 12);
        // no warmup
        Assert.Equal(2.0, Schedules.WarmupCosine(0, 0, 4, 2.0), 12);
        Assert.Equal(1.0, Schedules.WarmupCosine(2, 0, 4, 2.0), 12);
    }

    [Fact]
    public void Cosine_goes_from_start_to_end()
    {
        // BYOL's EMA momentum: 0.996 -> 1 over T steps.
        Assert.Equal(0.996, Schedules.Cosine(0, 100, 0.996, 1.0), 12);
        Assert.Equal(0.998, Schedules.Cosine(50, 100, 0.996, 1.0), 12);
        Assert.Equal(1.0, Schedules.Cosine(100, 100, 0.996, 1.0), 12);
        // DINO weight decay 0.04 -> 0.4; at t = T/4: 0.4 + (0.04-0.4)(1+cos(pi/4))/2 = 0.092720779386
        Assert.Equal(0.09272077938642144, Schedules.Cosine(25, 100, 0.04, 0.4), 12);
    }

    [Fact]
    public void Bad_arguments_fail_with_a_clear_message()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.WarmupCosine(0, 10, 10, 1.0));
        Assert.Contains("must exceed warmup", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.ScaleLr(0.1, 0, LrScaling.Linear));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Cosine(-1, 10, 0, 1));
    }
}
