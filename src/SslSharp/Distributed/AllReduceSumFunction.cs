using SslSharp.Core;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace SslSharp.Distributed;

/// <summary>
/// All-reduce (sum) with gradient as an autograd function: forward returns the element-wise sum over the processes of
/// a tensor (any shape, the same on every rank); backward sums the incoming gradient over the processes the same way.
/// </summary>
/// <remarks>
/// Every process's output depends on every process's input with derivative 1, so the gradient a process's input
/// receives is the sum of the gradients of all outputs (with the trainer's division by <c>W</c>: the single-process
/// gradient). What synchronised BatchNorm needs for its global mean and variance. Use
/// <see cref="Collectives.AllReduceSumWithGradient"/>.
/// </remarks>
internal sealed class AllReduceSumFunction : SingleTensorFunction<AllReduceSumFunction>
{
    /// <inheritdoc />
    public override string Name => nameof(AllReduceSumFunction);

    /// <summary>vars: the local tensor and the <see cref="IProcessGroup"/>.</summary>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var group = (IProcessGroup)vars[1];
        ctx.save_data("group", group);
        var sum = x.detach().contiguous().clone();
        group.AllReduceSum(sum);
        return sum;
    }

    /// <summary>The gradient summed over the processes, and no gradient for the group argument.</summary>
    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var group = (IProcessGroup)ctx.get_data("group");
        var summed = grad_output.contiguous().clone();
        group.AllReduceSum(summed);
        return [summed, null!];
    }
}
