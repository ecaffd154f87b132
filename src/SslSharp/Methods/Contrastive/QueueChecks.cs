using SslSharp.Core;

namespace SslSharp.Methods.Contrastive;

/// <summary>Input checks shared by the queue-based contrastive methods (MoCo v2, NNCLR) and MoCo v3.</summary>
internal static class QueueChecks
{
    /// <summary>Throws unless <paramref name="queueSize"/> is a multiple of <paramref name="keysPerStep"/>.</summary>
    /// <remarks>facebookresearch/moco <c>_dequeue_and_enqueue</c> asserts <c>K % batch_size == 0</c> so that
    /// every enqueue writes one contiguous block.</remarks>
    public static void Divisible(string method, int queueSize, long keysPerStep, long batchSize, bool symmetric)
    {
        if (keysPerStep < 1 || queueSize % keysPerStep == 0) return;
        long below = queueSize / keysPerStep * keysPerStep;
        long above = below + keysPerStep;
        string per = symmetric ? $"{keysPerStep} keys per step (batch {batchSize} x 2 views, symmetric)" : $"the batch of {batchSize}";
        throw new ArgumentException(
            $"{method}'s queue of {queueSize} entries is not a multiple of {per}: every step must write one whole block of the queue. " +
            $"Set the queue size to a multiple of {keysPerStep} (e.g. --set queue_size={(below > 0 ? below : above)} or {above}), " +
            $"or use a batch size that divides {queueSize}.");
    }
}
