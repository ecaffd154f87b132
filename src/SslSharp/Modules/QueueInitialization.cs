namespace SslSharp.Modules;

/// <summary>What a <see cref="MemoryQueue"/> holds before anything is enqueued.</summary>
public enum QueueInitialization
{
    /// <summary>L2-normalised Gaussian noise (MoCo, NNCLR).</summary>
    NormalizedNoise,

    /// <summary>Zeros (SwAV, which uses the queue only once it is full).</summary>
    Zeros,
}
