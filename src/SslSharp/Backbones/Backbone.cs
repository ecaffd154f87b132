using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Backbones;

/// <summary>
/// Base class of all backbones: a module from images <c>[N, C, H, W]</c> to features
/// <c>[N, FeatureDim]</c> (global-pooled, no classifier).
/// </summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>, IBackbone
{
    /// <summary>Creates a backbone module with the given TorchSharp module name.</summary>
    protected Backbone(string name) : base(name) { }

    /// <inheritdoc />
    public abstract int FeatureDim { get; }

    /// <inheritdoc />
    public abstract int InputChannels { get; }

    /// <summary>
    /// A new backbone with the same architecture (fresh weights, not copied), e.g. for an EMA teacher
    /// (<see cref="Modules.EmaTeacher{TModule}"/> then copies the weights over).
    /// </summary>
    public abstract Backbone CreateTwin();

    /// <summary>Throws a clear error when <paramref name="images"/> is not <c>[N, InputChannels, H, W]</c>.</summary>
    protected void CheckInput(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != InputChannels)
            throw new ArgumentException(
                $"{GetName()} expects images [N, {InputChannels}, H, W] but got [{string.Join(", ", images.shape)}]. " +
                "Check the data set's channel count against the backbone's in_channels.", nameof(images));
    }
}
