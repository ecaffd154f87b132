using SslSharp.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Distributed;

/// <summary>
/// Data-parallel gradient averaging: after <c>backward()</c> every process holds the gradient of its own share of
/// the batch; this replaces each with the mean over processes, so every process takes the same optimizer step.
/// </summary>
/// <remarks>
/// <para>What PyTorch's <c>DistributedDataParallel</c> does during backward, done once after it: the gradients
/// are flattened into one buffer per dtype, summed with one <see cref="IProcessGroup.AllReduceSum"/>, divided by
/// the world size and copied back (one collective per step instead of one per tensor).</para>
/// <para>With a group of one process it returns at once: no copy, no collective.</para>
/// <para>Every process must pass the same parameters in the same order. A parameter without a gradient takes part
/// as zeros and keeps no gradient; since every process runs the same graph, the same parameters lack one everywhere.</para>
/// </remarks>
public static class GradientAveraging
{
    /// <summary>Replaces the gradient of every parameter in <paramref name="parameters"/> by its mean over <paramref name="group"/>.</summary>
    /// <param name="group">The processes to average over.</param>
    /// <param name="parameters">The trainable parameters, in the same order on every process.</param>
    public static void Average(IProcessGroup group, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(parameters);
        if (group.WorldSize == 1 || parameters.Count == 0) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using Scalar worldSize = group.WorldSize;   // held: see Augment/Functional/ScalarCache
        foreach (var byType in parameters.GroupBy(p => p.dtype))
        {
            var ps = byType.ToList();
            var flat = torch.cat(ps.Select(p => p.grad is { } g ? g.reshape(-1) : torch.zeros(p.numel(), dtype: p.dtype, device: p.device)).ToList());
            var buffer = flat.cpu().contiguous();
            group.AllReduceSum(buffer);
            buffer.div_(worldSize);
            var averaged = buffer.to(flat.device);
            long offset = 0;
            foreach (var p in ps)
            {
                long n = p.numel();
                if (p.grad is { } g) g.copy_(averaged.narrow(0, offset, n).view_as(g));
                offset += n;
            }
        }
    }
}
