using SslSharp.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace SslSharp.Distributed;

/// <summary>
/// All-gather with gradient as an autograd function: forward concatenates every process's <c>[B, ...]</c> in rank
/// order (<c>[W x B, ...]</c>); backward all-reduces (sums) the incoming gradient <c>[W x B, ...]</c> over the
/// processes and returns this process's rows <c>[Rank x B, (Rank + 1) x B)</c>.
/// </summary>
/// <remarks>
/// <para>Why the sum: every process's loss reads the rows of every other process, so the gradient of row block
/// <c>r</c> is the sum of what each process's loss sends it. The trainer then divides by <c>W</c> when it averages
/// the parameter gradients, which gives the gradient of the mean of the processes' losses, i.e. of one process
/// with the whole batch (docs/distributed.md). PyTorch's <c>torch.distributed.nn.functional.all_gather</c> and
/// lightly's fixed <c>GatherLayer</c> do the same; returning only the local slice of the local gradient (no
/// all-reduce) is the known bug.</para>
/// <para>Use <see cref="Collectives.AllGatherWithGradient"/>; this type is the autograd node behind it.</para>
/// </remarks>
internal sealed class AllGatherFunction : SingleTensorFunction<AllGatherFunction>
{
    /// <inheritdoc />
    public override string Name => nameof(AllGatherFunction);

    /// <summary>vars: the local tensor <c>[B, ...]</c> and the <see cref="IProcessGroup"/>.</summary>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var group = (IProcessGroup)vars[1];
        ctx.save_data("group", group);
        ctx.save_data("rows", x.shape[0]);
        using var local = x.detach().contiguous();
        return group.AllGather(local);
    }

    /// <summary>The summed gradient's rows of this process, and no gradient for the group argument.</summary>
    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var group = (IProcessGroup)ctx.get_data("group");
        long rows = (long)ctx.get_data("rows");
        var summed = grad_output.contiguous().clone();
        group.AllReduceSum(summed);
        return [summed.narrow(0, group.Rank * rows, rows), null!];
    }
}
