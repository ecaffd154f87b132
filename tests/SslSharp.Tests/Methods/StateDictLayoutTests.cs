using System.Text.Json;
using SslSharp.Backbones;
using SslSharp.Methods;
using SslSharp.Methods.Clustering;
using SslSharp.Methods.Contrastive;
using SslSharp.Methods.Correlation;
using SslSharp.Methods.SelfDistillation;

namespace SslSharp.Tests.Methods;

/// <summary>
/// Pins the checkpoint layout of the backbone + projector methods: the state-dict keys and the order of the
/// trainable parameters (which the optimizer state in a checkpoint follows). The fixture
/// <c>Fixtures/method_state_dict_layout.json</c> was written by this test from the code before the methods
/// shared <c>ProjectedMethod</c>, so old checkpoints must still load.
/// </summary>
public class StateDictLayoutTests
{
    /// <summary>Set to the test project's <c>Fixtures</c> folder to rewrite the fixture from the current code.</summary>
    private const string WriteVariable = "SSLSHARP_WRITE_LAYOUT_FIXTURE";

    private static ConvNet Tiny() => new(1, new[] { 8 });

    private static IEnumerable<(string Name, Func<SslMethod> Create)> Methods() => new (string, Func<SslMethod>)[]
    {
        ("SimCLR", () => new SimCLR(Tiny(), new SimCLROptions { HiddenDim = 8, OutputDim = 4 })),
        ("SimCLRv2", () => new SimCLR(Tiny(), new SimCLROptions { HiddenDim = 8, OutputDim = 4, ProjectorLayers = 3 })),
        ("DCL", () => new DCL(Tiny(), new DCLOptions { HiddenDim = 8, OutputDim = 4 })),
        ("DCLW", () => new DCL(Tiny(), new DCLWOptions { HiddenDim = 8, OutputDim = 4 })),
        ("Triplet", () => new DeepMetricLearning(Tiny(), new TripletOptions { HiddenDim = 8, OutputDim = 4, Negatives = NegativeMining.Random })),
        ("VICReg", () => new VICReg(Tiny(), new VICRegOptions { HiddenDim = 8, OutputDim = 4 })),
        ("BarlowTwins", () => new BarlowTwins(Tiny(), new BarlowTwinsOptions { HiddenDim = 8, OutputDim = 4 })),
        ("WMSE", () => new WMSE(Tiny(), new WMSEOptions { HiddenDim = 8, OutputDim = 4, WhiteningSize = 8 })),
        ("MoCoV2", () => new MoCoV2(Tiny(), new MoCoV2Options { HiddenDim = 8, OutputDim = 4, QueueSize = 16 })),
        ("MoCoV3", () => new MoCoV3(Tiny(), new MoCoV3Options { HiddenDim = 8, OutputDim = 4 })),
        ("NNCLR", () => new NNCLR(Tiny(), new NNCLROptions { HiddenDim = 8, OutputDim = 4, PredictorHiddenDim = 8, QueueSize = 16 })),
        ("BYOL", () => new BYOL(Tiny(), new BYOLOptions { ProjectorHiddenDim = 8, OutputDim = 4, PredictorHiddenDim = 8 })),
        ("SimSiam", () => new SimSiam(Tiny(), new SimSiamOptions { ProjectorHiddenDim = 8, OutputDim = 4, PredictorHiddenDim = 8 })),
        ("SwAV", () => new SwAV(Tiny(), new SwAVOptions { HiddenDim = 8, OutputDim = 4, Prototypes = 5, QueueLength = 8 })),
    };

    private static Dictionary<string, Dictionary<string, string[]>> Layouts()
    {
        var result = new Dictionary<string, Dictionary<string, string[]>>();
        foreach (var (name, create) in Methods())
        {
            using var m = create();
            result[name] = new Dictionary<string, string[]>
            {
                ["state_dict"] = m.state_dict().Keys.ToArray(),
                ["parameters"] = m.named_parameters().Select(p => p.name).ToArray(),
            };
        }
        return result;
    }

    [Fact]
    public void State_dict_keys_and_parameter_order_match_the_fixture()
    {
        var actual = Layouts();
        var folder = Environment.GetEnvironmentVariable(WriteVariable);
        if (!string.IsNullOrEmpty(folder))
            File.WriteAllText(Path.Combine(folder, "method_state_dict_layout.json"),
                JsonSerializer.Serialize(actual, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "method_state_dict_layout.json");
        var expected = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string[]>>>(File.ReadAllText(path))!;
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (name, layout) in expected)
            foreach (var (kind, keys) in layout)
                Assert.True(keys.SequenceEqual(actual[name][kind]),
                    $"{name} {kind} changed:\nexpected {string.Join(", ", keys)}\nactual   {string.Join(", ", actual[name][kind])}");
    }
}
