namespace SslSharp.Training.Logging;

/// <summary>Receives progress from the training loop (a live bar or periodic lines).</summary>
public interface IProgressReporter
{
    /// <summary>After every step: <paramref name="stepsDone"/> completed of <paramref name="endStep"/>.</summary>
    void Step(long stepsDone, long endStep, int epoch, int epochs, double loss, double lr, double imagesPerSecond);

    /// <summary>A one-off message (checkpoint written, resumed, ...).</summary>
    void Message(string text);
}
