using System.Text.Json;
using SslSharp.Backbones;
using SslSharp.Interop;
using SslSharp.Tests.Training;
using TorchSharp;

namespace SslSharp.Tests.Interop;

/// <summary>
/// safetensors in and out: a round trip is bit-exact for every dtype; a file torchvision wrote (scripts/
/// check_export_torchvision.py --write-fixture, torchvision's own ResNet-18 code at 1/8 width) loads into SslSharp's
/// ResNet-18 and gives torchvision's features; damaged files and misfitting weights fail with one message that names them.
/// </summary>
public class SafeTensorsTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void A_round_trip_is_bit_exact_with_metadata()
    {
        using var temp = new TempDir();
        var g = new torch.Generator(3);
        var tensors = new Dictionary<string, torch.Tensor>
        {
            ["a.weight"] = torch.randn(new long[] { 3, 4, 5 }, generator: g),
            ["b"] = torch.randn(new long[] { 7 }, generator: g, dtype: torch.float64),
            ["count"] = torch.tensor(new long[] { 5, -1 }),
            ["half"] = torch.randn(new long[] { 2, 2 }, generator: g).to(torch.float16),
            ["empty"] = torch.zeros(0, 3),
            ["scalar"] = torch.tensor(2.5f),
        };
        var path = temp.File("x.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["architecture"] = "resnet18" });
        var (back, meta) = SafeTensors.Load(path);
        Assert.Equal("resnet18", meta["architecture"]);
        Assert.Equal(tensors.Keys, back.Keys);
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.dtype, back[name].dtype);
            Assert.Equal(t.shape, back[name].shape);
            Assert.Equal(t.bytes.ToArray(), back[name].bytes.ToArray());
        }
        var header = File.ReadAllBytes(path);
        Assert.Equal(0, (int)BitConverter.ToUInt64(header, 0) % 8);   // the header is padded to 8 bytes
    }

    [Fact]
    public void Damaged_files_name_the_file_and_what_is_wrong()
    {
        using var temp = new TempDir();
        var path = temp.File("m.safetensors");
        SafeTensors.Save(path, new Dictionary<string, torch.Tensor> { ["w"] = torch.ones(100) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^40]);
        var truncated = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, truncated.Message);
        Assert.Contains("truncated", truncated.Message);
        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("fewer than the 8", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);
        File.WriteAllText(path, "not a safetensors file at all, just text");
        Assert.Contains("header length", Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path)).Message);
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(temp.File("missing.safetensors")));
    }

    [Fact]
    public void A_torchvision_written_resnet18_loads_and_gives_torchvisions_features()
    {
        var (tensors, meta) = SafeTensors.Load(Fixture("torchvision_resnet18_w0125.safetensors"));
        Assert.StartsWith("1.13", meta["torch"]);
        using var reference = JsonDocument.Parse(File.ReadAllText(Fixture("torchvision_import.json")));
        var expected = reference.RootElement.GetProperty("features").EnumerateArray()
            .SelectMany(r => r.EnumerateArray().Select(v => v.GetSingle())).ToArray();

        using var net = ResNet.ResNet18(inChannels: 1, lowResStem: true, widthMultiplier: 0.125, seed: 99);
        WeightImport.LoadInto(net, tensors, "fixture");
        net.eval();
        using var noGrad = torch.no_grad();
        var x = torch.sin(0.01f * torch.arange(2 * 28 * 28, dtype: torch.float32)).reshape(2, 1, 28, 28);
        var features = net.call(x).data<float>().ToArray();
        Assert.Equal(expected.Length, features.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - features[i]) <= 1e-5, $"feature {i}: {features[i]} vs torchvision {expected[i]}");
    }

    [Fact]
    public void Weights_that_do_not_fit_list_missing_unexpected_and_misshaped_names()
    {
        var (tensors, _) = SafeTensors.Load(Fixture("torchvision_resnet18_w0125.safetensors"));
        tensors.Remove("layer4.1.bn2.running_var");
        tensors["fc.weight"] = torch.zeros(10, 64);
        using var wider = ResNet.ResNet18(inChannels: 1, lowResStem: true, widthMultiplier: 0.25);
        var before = wider.state_dict()["conv1.weight"].clone();
        var e = Assert.Throws<ArgumentException>(() => WeightImport.LoadInto(wider, tensors, "m.safetensors"));
        Assert.Contains("'m.safetensors'", e.Message);
        Assert.Contains("1 missing: layer4.1.bn2.running_var", e.Message);
        Assert.Contains("1 unexpected: fc.weight", e.Message);
        Assert.Contains("with another shape: conv1.weight (file [8, 1, 3, 3], model [16, 1, 3, 3])", e.Message);
        Assert.True(wider.state_dict()["conv1.weight"].bytes.SequenceEqual(before.bytes));   // nothing copied
    }
}
