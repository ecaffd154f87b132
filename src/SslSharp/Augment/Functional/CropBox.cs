namespace SslSharp.Augment.Functional;

/// <summary>A crop box in pixels: rows <c>[Top, Top + Height)</c>, columns <c>[Left, Left + Width)</c>.</summary>
internal readonly record struct CropBox(int Top, int Left, int Height, int Width);
