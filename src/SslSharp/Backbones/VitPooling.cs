namespace SslSharp.Backbones;

/// <summary>How a <see cref="VisionTransformer"/> turns its output tokens into one feature vector.</summary>
public enum VitPooling
{
    /// <summary>The CLS token after the final norm (ViT, DINO, MoCo v3).</summary>
    Cls,

    /// <summary>The mean of the patch tokens after the final norm (the CLS token left out; MAE's global pool).</summary>
    Mean,
}
