using SslSharp.Backbones;
using SslSharp.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Evaluation.Probes;

/// <summary>
/// The linear-evaluation head: an optional <c>BatchNorm1d(D, affine=False)</c> followed by
/// <c>Linear(D, C)</c>, mapping frozen features <c>[N, D]</c> to class logits <c>[N, C]</c>.
/// </summary>
/// <remarks>
/// The non-affine BatchNorm standardises features whose scale differs wildly between methods, so one
/// learning rate fits all of them; being linear and parameter-free at test time (running statistics)
/// it keeps the probe linear. He et al., "Masked Autoencoders Are Scalable Vision Learners" (MAE,
/// 2022), <c>main_linprobe.py</c>: <c>BatchNorm1d(affine=False, eps=1e-6)</c> before the head; we keep
/// PyTorch's default eps 1e-5. State-dict keys: <c>bn.running_mean</c>, <c>linear.weight</c>, ...
/// </remarks>
public sealed class LinearClassifier : nn.Module<Tensor, Tensor>
{
    private readonly BatchNorm1d? bn;
    private readonly Linear linear;

    /// <summary>Creates the head.</summary>
    /// <param name="inputDim">Feature width <c>D</c>.</param>
    /// <param name="numClasses">Number of classes <c>C</c> (at least 2).</param>
    /// <param name="batchNorm">Whether a non-affine BatchNorm1d standardises the features first.</param>
    /// <param name="seed">Seed of the Linear initialisation (PyTorch's default U(-1/sqrt(D), 1/sqrt(D))).</param>
    /// <exception cref="ArgumentOutOfRangeException">A width is not positive or there are fewer than 2 classes.</exception>
    public LinearClassifier(int inputDim, int numClasses, bool batchNorm = true, long seed = 0) : base(nameof(LinearClassifier))
    {
        if (inputDim < 1) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "The feature width must be >= 1.");
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "A classifier needs at least 2 classes.");
        InputDim = inputDim;
        NumClasses = numClasses;
        if (batchNorm) bn = nn.BatchNorm1d(inputDim, affine: false);
        linear = nn.Linear(inputDim, numClasses);
        using (var generator = new Generator((ulong)seed))
            WeightInit.TorchDefault(linear.weight!, linear.bias, generator);
        RegisterComponents();
    }

    /// <summary>Feature width <c>D</c>.</summary>
    public int InputDim { get; }

    /// <summary>Number of classes <c>C</c>.</summary>
    public int NumClasses { get; }

    /// <summary>Whether the features go through a non-affine BatchNorm1d first.</summary>
    public bool HasBatchNorm => bn is not null;

    /// <summary>The linear layer (weight <c>[C, D]</c>, bias <c>[C]</c>).</summary>
    public Linear Linear => linear;

    /// <summary>The non-affine BatchNorm, or null.</summary>
    public BatchNorm1d? BatchNorm => bn;

    /// <summary>Logits <c>[N, C]</c> of features <c>[N, D]</c>.</summary>
    /// <exception cref="ArgumentException">The input is not <c>[N, D]</c>.</exception>
    public override Tensor forward(Tensor features)
    {
        if (features.dim() != 2 || features.shape[1] != InputDim)
            throw new ArgumentException(
                $"The linear classifier expects features [N, {InputDim}] but got [{string.Join(", ", features.shape)}].", nameof(features));
        return linear.call(bn is null ? features : bn.call(features));
    }
}
