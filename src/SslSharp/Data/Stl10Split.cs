namespace SslSharp.Data;

/// <summary>A split of <see cref="Stl10"/>.</summary>
public enum Stl10Split
{
    /// <summary>5,000 labelled training images (<c>train_X.bin</c>, <c>train_y.bin</c>).</summary>
    Train,

    /// <summary>8,000 labelled test images (<c>test_X.bin</c>, <c>test_y.bin</c>).</summary>
    Test,

    /// <summary>100,000 unlabelled images (<c>unlabeled_X.bin</c>) for unsupervised learning; label <c>-1</c>.</summary>
    Unlabeled,
}
