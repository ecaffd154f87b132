using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>The three unweighted terms of the VICReg loss (each a 0-d tensor).</summary>
/// <param name="Invariance">Mean squared distance between the two views' embeddings.</param>
/// <param name="Variance">Hinge on the per-dimension standard deviation, averaged over the two views
/// (the official 1/2 each).</param>
/// <param name="Covariance">Sum over both views of the squared off-diagonal covariances divided by D.</param>
/// <remarks>Bardes et al., VICReg (ICLR 2022); facebookresearch/vicreg <c>main_vicreg.py</c>.</remarks>
public sealed record VICRegTerms(Tensor Invariance, Tensor Variance, Tensor Covariance);
