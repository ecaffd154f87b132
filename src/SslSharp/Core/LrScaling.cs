namespace SslSharp.Core;

/// <summary>How the base learning rate scales with the batch size.</summary>
public enum LrScaling
{
    /// <summary>Absolute learning rate (SwAV, I-JEPA).</summary>
    None,

    /// <summary><c>base * batch / 256</c> (Goyal et al., 2017; SimCLR, BYOL, MoCo v3).</summary>
    Linear,

    /// <summary><c>base * sqrt(batch)</c> (SimCLR's square-root scaling for small batches with LARS).</summary>
    Sqrt,
}
