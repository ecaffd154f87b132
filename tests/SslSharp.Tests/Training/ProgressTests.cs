using SslSharp.Training.Logging;

namespace SslSharp.Tests.Training;

public class ProgressTests
{
    [Fact]
    public void Line_progress_prints_every_n_steps_and_the_last_one()
    {
        var sw = new StringWriter();
        var p = new LineProgress(sw, everySteps: 5, startStep: 0);
        for (long s = 1; s <= 12; s++) p.Step(s, 12, (int)((s - 1) / 6), 2, 1.5, 0.1, 100);
        var lines = sw.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("epoch 1/2  step 5/12  loss 1.5000  lr 0.1  100 img/s  eta ", lines[0]);
        Assert.StartsWith("epoch 2/2  step 10/12", lines[1]);
        Assert.StartsWith("epoch 2/2  step 12/12", lines[2]);
        Assert.EndsWith("eta 00:00:00", lines[2]);
    }
}
