using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Augment.Functional;

/// <summary>
/// Gaussian blur with a per-sample sigma, as two batched matrix products with banded matrices
/// that include the reflect padding: <c>out[n] = By[n] @ x[n] @ Bx[n]^T</c>.
/// </summary>
/// <remarks>
/// Kernel as torchvision's <c>_get_gaussian_kernel1d</c>: <c>x = linspace(-(k-1)/2, (k-1)/2, k)</c>,
/// <c>exp(-x^2 / (2 sigma^2))</c> normalised to sum 1; padding <c>k // 2</c> in "reflect" mode
/// (mirror without repeating the edge pixel) as torchvision's <c>gaussian_blur</c>. Separable, so
/// equal to torchvision's 2-D convolution up to float rounding.
/// </remarks>
internal static class BlurFunctional
{
    /// <summary>1-D kernels <c>[N, k]</c> (float32) for the per-sample <paramref name="sigmas"/> <c>[N]</c>.</summary>
    public static Tensor Kernels(int kernelSize, Tensor sigmas)
    {
        using var scope = torch.NewDisposeScope();
        double half = (kernelSize - 1) * 0.5;
        var x = torch.linspace(-half, half, kernelSize, dtype: ScalarType.Float32, device: sigmas.device).unsqueeze(0); // [1, k]
        var pdf = x.div(sigmas.to(ScalarType.Float32).unsqueeze(1)).pow_(ScalarCache.Two).mul_(ScalarCache.MinusHalf).exp_(); // [N, k]
        return pdf.div_(pdf.sum(1, keepdim: true)).MoveToOuterDisposeScope();
    }

    /// <summary>Reflect-padded convolution matrices <c>[N, size, size]</c> for kernels <c>[N, k]</c>.</summary>
    public static Tensor ConvolutionMatrix(Tensor kernels, int size)
    {
        long n = kernels.shape[0];
        int k = (int)kernels.shape[1], r = k / 2;
        var idx = new long[size * k];
        for (int i = 0; i < size; i++)
            for (int t = 0; t < k; t++)
            {
                int j = i + t - r;
                if (j < 0) j = -j;                          // reflect: -1 -> 1
                if (j > size - 1) j = 2 * (size - 1) - j;   // size -> size - 2
                idx[i * k + t] = j;
            }
        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(idx, new long[] { 1, size, k }, device: kernels.device).expand(n, size, k);
        var m = torch.zeros(new long[] { n, size, size }, dtype: kernels.dtype, device: kernels.device);
        m.scatter_add_(2, index, kernels.unsqueeze(1).expand(n, size, k));
        return m.MoveToOuterDisposeScope();
    }

    /// <summary>Blurs sample n of <paramref name="x"/> <c>[N, C, H, W]</c> with sigma <paramref name="sigmas"/>[n].</summary>
    public static Tensor Blur(Tensor x, int kernelSize, Tensor sigmas)
    {
        int h = (int)x.shape[2], w = (int)x.shape[3];
        int r = kernelSize / 2;
        if (r >= h || r >= w)
            throw new ArgumentException(
                $"Gaussian blur kernel {kernelSize} needs reflect padding {r}, which must be smaller than the image ({h}x{w}); use a smaller kernel.",
                nameof(kernelSize));
        using var scope = torch.NewDisposeScope();
        var kernels = Kernels(kernelSize, sigmas).to(x.dtype);
        var by = ConvolutionMatrix(kernels, h).unsqueeze(1);                                // [N, 1, H, H]
        var bxT = (w == h ? by : ConvolutionMatrix(kernels, w).unsqueeze(1)).transpose(2, 3); // [N, 1, W, W]
        return torch.matmul(torch.matmul(by, x), bxT).MoveToOuterDisposeScope();
    }
}
