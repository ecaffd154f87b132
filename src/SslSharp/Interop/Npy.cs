using System.Globalization;
using System.Text;
using SslSharp.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Interop;

/// <summary>
/// Writes a tensor as a NumPy <c>.npy</c> file (format version 1.0), which <c>numpy.load</c> reads without any code of ours.
/// </summary>
/// <remarks>Layout: the magic <c>\x93NUMPY</c>, version bytes 1 0, a little-endian uint16 header length, an ASCII Python
/// dict <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (N, D), }</c> padded with spaces and a newline so that the
/// data starts at a multiple of 64 bytes, then the data in C order, little-endian. Written atomically.</remarks>
public static class Npy
{
    /// <summary>Writes <paramref name="tensor"/> (float32, float64, int64 or int32; any device) to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">Another dtype.</exception>
    public static void Save(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensor);
        string descr = tensor.dtype switch
        {
            ScalarType.Float32 => "<f4",
            ScalarType.Float64 => "<f8",
            ScalarType.Int64 => "<i8",
            ScalarType.Int32 => "<i4",
            _ => throw new ArgumentException($"Npy.Save writes float32, float64, int64 or int32 tensors, not {tensor.dtype}.", nameof(tensor)),
        };
        using var cpu = tensor.detach().cpu().contiguous();
        var shape = cpu.shape.Length switch
        {
            0 => "()",
            1 => $"({cpu.shape[0]},)",
            _ => "(" + string.Join(", ", cpu.shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int unpadded = 10 + dict.Length + 1;
        var header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        AtomicFile.Write(path, file =>
        {
            file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            file.Write(BitConverter.GetBytes((ushort)header.Length));
            file.Write(Encoding.ASCII.GetBytes(header));
            if (cpu.numel() > 0) file.Write(cpu.bytes);
        });
    }
}
