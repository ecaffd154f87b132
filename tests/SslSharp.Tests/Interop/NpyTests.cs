using System.Text;
using SslSharp.Interop;
using SslSharp.Tests.Training;
using TorchSharp;

namespace SslSharp.Tests.Interop;

/// <summary>
/// The .npy files <c>sslsharp embed</c> writes follow NumPy's format 1.0 byte for byte: magic, version, header length,
/// the header dict NumPy itself writes for the dtype and shape, data from a 64-byte boundary.
/// (scripts/check_embed.py reads real output with numpy and pandas.)
/// </summary>
public class NpyTests
{
    [Theory]
    [InlineData("float32", "<f4", "(3, 5)")]
    [InlineData("float64", "<f8", "(3, 5)")]
    [InlineData("int64", "<i8", "(3, 5)")]
    public void The_header_is_numpys_and_the_data_follows_it(string type, string descr, string shape)
    {
        using var temp = new TempDir();
        var dtype = type switch { "float32" => torch.float32, "float64" => torch.float64, _ => torch.int64 };
        var t = torch.arange(15, dtype: dtype).reshape(3, 5);
        var path = temp.File("a.npy");
        Npy.Save(path, t);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Equal($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}", header.TrimEnd(' ', '\n'));
        Assert.EndsWith("\n", header);
        Assert.Equal(t.bytes.ToArray(), bytes[(10 + headerLength)..]);
    }

    [Fact]
    public void One_dimension_is_written_as_a_one_tuple_and_other_dtypes_are_refused()
    {
        using var temp = new TempDir();
        Npy.Save(temp.File("v.npy"), torch.ones(4));
        Assert.Contains("'shape': (4,), }", File.ReadAllText(temp.File("v.npy")));
        Assert.Throws<ArgumentException>(() => Npy.Save(temp.File("b.npy"), torch.ones(2, dtype: torch.@bool)));
    }
}
