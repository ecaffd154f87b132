using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Distributed;

/// <summary>
/// Makes every process start from the same model: copies the parameters and buffers of a module from one rank to all
/// others, flattened into one buffer per dtype (one broadcast per dtype, not one per tensor).
/// </summary>
/// <remarks>
/// <para>What PyTorch's <c>DistributedDataParallel</c> does when it wraps a model (<c>_sync_module_states</c>). Needed
/// even when every process seeds its initialisation identically: a module initialised from the global RNG, a
/// resumed checkpoint read at different moments, or a library user's own model would otherwise drift apart
/// unnoticed.</para>
/// <para>Tensors of a dtype the group does not carry (bool, uint8, half) travel as float64, which holds them exactly.
/// With one process nothing happens.</para>
/// </remarks>
public static class StateBroadcast
{
    /// <summary>Replaces every parameter and buffer of <paramref name="module"/> with its value on rank <paramref name="root"/>.</summary>
    /// <param name="group">The processes; every one must call this with the same module structure.</param>
    /// <param name="module">The model (its tensors in <c>named_parameters()</c> and <c>named_buffers()</c> order).</param>
    /// <param name="root">The rank whose values are kept.</param>
    /// <returns>The number of tensors synchronised (0 with one process).</returns>
    public static int FromRank(IProcessGroup group, nn.Module module, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(module);
        if (group.WorldSize == 1) return 0;
        var tensors = module.parameters().Cast<Tensor>().Concat(module.buffers()).Where(t => t.numel() > 0).ToList();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var byType in tensors.GroupBy(t => Carrier(t.dtype)))
        {
            var list = byType.ToList();
            var flat = torch.cat(list.Select(t => t.detach().reshape(-1).to(byType.Key).cpu()).ToList()).contiguous();
            group.Broadcast(flat, root);
            long offset = 0;
            foreach (var t in list)
            {
                long n = t.numel();
                t.copy_(flat.narrow(0, offset, n).view(t.shape).to(t.dtype).to(t.device));
                offset += n;
            }
        }
        return tensors.Count;
    }

    private static ScalarType Carrier(ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Int64 ? t : ScalarType.Float64;
}
