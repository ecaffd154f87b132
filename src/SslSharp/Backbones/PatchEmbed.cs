using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// Cuts images <c>[N, C, H, W]</c> into non-overlapping <c>p x p</c> patches and maps each linearly to a token:
/// <c>[N, (H/p)(W/p), D]</c>, patches numbered row by row. A <c>p x p</c> stride-<c>p</c> convolution, as in
/// timm's and MAE's <c>PatchEmbed</c> (state-dict keys <c>proj.weight</c> <c>[D, C, p, p]</c>, <c>proj.bias</c>).
/// </summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    /// <summary>Creates the projection (PyTorch's default init; <see cref="VisionTransformer"/> re-initialises it).</summary>
    /// <param name="inChannels">Image channels <c>C</c>.</param>
    /// <param name="dim">Token width <c>D</c>.</param>
    /// <param name="patchSize">Patch side <c>p</c>.</param>
    public PatchEmbed(int inChannels, int dim, int patchSize) : base("patch_embed")
    {
        PatchSize = patchSize;
        proj = nn.Conv2d(inChannels, dim, patchSize, stride: patchSize);
        register_module("proj", proj);
    }

    /// <summary>Patch side <c>p</c>.</summary>
    public int PatchSize { get; }

    /// <summary>The projection: weight <c>[D, C, p, p]</c> and bias <c>[D]</c>.</summary>
    public Conv2d Projection => proj;

    /// <summary>Tokens <c>[N, (H/p)(W/p), D]</c> of images <c>[N, C, H, W]</c> (H, W multiples of p).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return Project(Patchify(images)).MoveToOuterDisposeScope();
    }

    /// <summary>The pixels of each patch, <c>[N, L, C p p]</c> (channel, then row, then column within a patch, as the
    /// convolution weight is laid out), patches row by row.</summary>
    public Tensor Patchify(Tensor images)
    {
        long n = images.shape[0], c = images.shape[1], gh = images.shape[2] / PatchSize, gw = images.shape[3] / PatchSize;
        return images.reshape(n, c, gh, PatchSize, gw, PatchSize).permute(0, 2, 4, 1, 3, 5).reshape(n, gh * gw, c * PatchSize * PatchSize);
    }

    /// <summary>Tokens <c>[N, K, D]</c> of patches <c>[N, K, C p p]</c> (any subset of <see cref="Patchify"/>'s):
    /// the convolution as one matrix product, so a masked encoder projects only the patches it keeps.</summary>
    public Tensor Project(Tensor patches) => nn.functional.linear(patches, proj.weight!.flatten(1), proj.bias);
}
