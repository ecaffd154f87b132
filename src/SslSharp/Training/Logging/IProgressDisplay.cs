namespace SslSharp.Training.Logging;

/// <summary>
/// Where the <see cref="Trainer"/> shows its progress: it runs the training loop inside the display's context (a
/// live console bar holds the terminal for the loop's duration) and reports through the <see cref="IProgressReporter"/>
/// it is handed. The library's own display is <see cref="LineProgressDisplay"/>; the command line brings a live bar.
/// </summary>
public interface IProgressDisplay
{
    /// <summary>Runs <paramref name="loop"/>, which trains from <paramref name="startStep"/> to <paramref name="endStep"/>.</summary>
    void Run(long startStep, long endStep, Action<IProgressReporter> loop);
}
