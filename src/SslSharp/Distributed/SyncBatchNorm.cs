using SslSharp.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Distributed;

/// <summary>
/// Synchronised BatchNorm: makes every <c>BatchNorm1d</c> / <c>BatchNorm2d</c> / <c>BatchNorm3d</c> of a module, in
/// training mode, normalise with the mean and variance of the <i>global</i> batch (all processes) instead of the
/// process's share, with the gradient flowing through the global statistics, and update its running statistics with
/// them; so a data-parallel step equals the single-process step with the whole batch.
/// </summary>
/// <remarks>
/// <para>What PyTorch's <c>nn.SyncBatchNorm.convert_sync_batchnorm</c> gives the reference implementations (SimCLR,
/// BYOL, MoCo v3, Barlow Twins, VICReg all train with it). TorchSharp's containers cannot swap a child module, so the
/// layers are not replaced: <see cref="Attach"/> puts a forward hook on each BatchNorm layer that, in training mode,
/// recomputes the output from the layer's input with global statistics (one all-gather with gradient of each
/// process's per-channel mean and variance, and one all-reduce of their gradients in the backward) and keeps the
/// layer's own running-statistics update from happening (its momentum is 0 while attached; the hook applies the
/// update with the global statistics and the layer's momentum). The
/// layer's own local forward still runs and is discarded (its cost is that of one BatchNorm, small next to the
/// convolutions). In evaluation mode the layer runs unchanged, without any collective.</para>
/// <para>Every process must call the layers in the same order, with inputs of the same shape (true when they run the
/// same step on equal shares).
/// With one process <see cref="Attach"/> does nothing.</para>
/// </remarks>
public static class SyncBatchNorm
{
    /// <summary>
    /// Synchronises every BatchNorm layer inside <paramref name="module"/> over <paramref name="group"/> until the
    /// returned handle is disposed (which restores the layers' momentum and removes the hooks).
    /// </summary>
    /// <param name="module">A model (a method: backbone, heads, teacher).</param>
    /// <param name="group">The processes; with one process nothing is attached.</param>
    /// <returns>The handle; the number of layers synchronised is <see cref="SyncBatchNormAttachment.Layers"/>.</returns>
    /// <exception cref="ArgumentException">A BatchNorm layer keeps a cumulative average (momentum null) or no running statistics.</exception>
    public static SyncBatchNormAttachment Attach(nn.Module module, IProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(group);
        var undo = new List<Action>();
        if (group.WorldSize == 1) return new SyncBatchNormAttachment(undo, 0);
        int count = 0;
        foreach (var (name, child) in module.named_modules())
        {
            if (child is not BatchNorm bn) continue;
            if (bn.momentum is not double momentum || bn.running_mean is null || bn.running_var is null)
                throw new ArgumentException($"BatchNorm layer '{name}' has no running statistics or a cumulative average (momentum null); synchronised BatchNorm needs both.", nameof(module));
            bn.momentum = 0.0;
            var remover = bn.register_forward_hook((m, input, output) => Forward(bn, input, output, momentum, group)!);
            undo.Add(() => { remover.remove(); bn.momentum = momentum; });
            count++;
        }
        return new SyncBatchNormAttachment(undo, count);
    }

    private static Tensor? Forward(BatchNorm bn, Tensor x, Tensor local, double momentum, IProcessGroup group)
    {
        if (!bn.training) return null;
        local.Dispose();
        using var scope = torch.NewDisposeScope();
        var dims = Enumerable.Range(0, (int)x.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
        double n = (double)(x.numel() / x.shape[1]) * group.WorldSize;   // every process holds an equal share
        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[1] = x.shape[1];
        // One collective per direction (as PyTorch's SyncBatchNorm): an all-gather of each process's per-channel mean
        // and biased variance, combined as the mean of the local variances plus the spread of the local means around
        // the global mean (equal shares; no E[x^2] - E[x]^2 cancellation); the backward all-reduces their gradients.
        long channels = x.shape[1];
        var localMean = x.mean(dims);
        var localVariance = (x - localMean.view(shape)).square().mean(dims);
        var gathered = group.AllGatherWithGradient(torch.cat([localMean, localVariance]).unsqueeze(0));   // [W, 2C]
        var means = gathered.narrow(1, 0, channels);
        var mean = means.mean([0]);
        var variance = (gathered.narrow(1, channels, channels) + (means - mean).square()).mean([0]);
        var centred = x - mean.view(shape);
        using Scalar eps = bn.eps, keep = 1 - momentum, rate = momentum, unbias = n / Math.Max(1, n - 1);   // held: see Augment/Functional/ScalarCache
        var y = centred * (variance + eps).rsqrt().view(shape);
        if (bn.weight is { } w) y = y * w.view(shape);
        if (bn.bias is { } b) y = y + b.view(shape);
        using (torch.no_grad())
        {
            bn.running_mean!.mul_(keep).add_(mean.detach(), alpha: rate);
            bn.running_var!.mul_(keep).add_(variance.detach() * unbias, alpha: rate);
        }
        return y.MoveToOuterDisposeScope();
    }
}
