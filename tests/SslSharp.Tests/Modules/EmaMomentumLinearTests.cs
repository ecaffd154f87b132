using SslSharp.Core;
using SslSharp.Modules;
using M = SslSharp.Tests.Losses.MimFixtures;

namespace SslSharp.Tests.Modules;

public class EmaMomentumLinearTests
{
    public static IEnumerable<object[]> Cases() => M.Names("ijepa_momentum");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_I_JEPA_s_momentum_generator_step_by_step(string name)
    {
        var c = M.Case("ijepa_momentum", name);
        var expected = M.Doubles(c, "momentum");
        long total = M.Int(c, "total");
        double b = c.GetProperty("base").GetDouble(), e = c.GetProperty("end").GetDouble();
        Assert.Equal(M.Int(c, "steps"), expected.Length);
        for (int t = 0; t < expected.Length; t++)
            Assert.Equal(expected[t], EmaMomentum.Linear(t, total, b, e), 12);
    }

    [Fact]
    public void Linear_goes_from_start_to_end_and_stays_there()
    {
        Assert.Equal(0.996, Schedules.Linear(0, 100, 0.996, 1.0), 12);
        Assert.Equal(0.998, Schedules.Linear(50, 100, 0.996, 1.0), 12);
        Assert.Equal(1.0, Schedules.Linear(100, 100, 0.996, 1.0), 12);
        Assert.Equal(1.0, Schedules.Linear(250, 100, 0.996, 1.0), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Linear(-1, 100, 0.996, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Linear(0, 0, 0.996, 1.0));
    }
}
