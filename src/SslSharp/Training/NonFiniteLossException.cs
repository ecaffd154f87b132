namespace SslSharp.Training;

/// <summary>Thrown when a training step produces a NaN or infinite loss; training stops before the optimizer step.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception for global step <paramref name="step"/> (0-based) of epoch <paramref name="epoch"/> (0-based).</summary>
    public NonFiniteLossException(long step, int epoch, double loss, double learningRate)
        : base($"The loss became {loss} at step {step} (epoch {epoch}, lr {learningRate:G4}). Training stopped before the optimizer step. " +
               "Lower the learning rate (or lengthen the warmup), check the data for NaN/Inf values or a wrong normalisation, " +
               "and resume from the last checkpoint.")
    {
        Step = step;
        Epoch = epoch;
        Loss = loss;
    }

    /// <summary>Global step (0-based) whose loss was not finite.</summary>
    public long Step { get; }

    /// <summary>Epoch (0-based) of that step.</summary>
    public int Epoch { get; }

    /// <summary>The non-finite loss value.</summary>
    public double Loss { get; }
}
