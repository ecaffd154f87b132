using System.Reflection;
using SslSharp.Methods;
using SslSharp.Runs;

namespace SslSharp.Tests.Runs;

/// <summary>The built-in presets write method options as plain YAML scalars (numbers unquoted); they still read
/// as strings, bind into each method's options record, and survive the run's <c>config.yaml</c> round trip.</summary>
public class PresetOptionsTests
{
    public static IEnumerable<object[]> Presets() => MethodPresets.Available.Select(p => new object[] { p.Method, p.Size });

    [Theory]
    [MemberData(nameof(Presets))]
    public void Preset_options_are_unquoted_bind_into_the_options_record_and_round_trip(string method, string size)
    {
        var text = MethodPresets.Text(method, size)!;
        Assert.DoesNotMatch(@"(?m)^\s+\w+: ""-?[0-9]", text);       // numbers are not quoted
        var preset = MethodPresets.Find(method, size)!;
        var options = preset.Options ?? new Dictionary<string, string>();

        var type = MethodRegistry.OptionsType(method)!;
        var bind = typeof(MethodOptionsBinder).GetMethod(nameof(MethodOptionsBinder.Bind))!.MakeGenericMethod(type);
        try
        {
            var bound = bind.Invoke(null, new object[] { new MethodSettings(options), method })!;
            foreach (var (key, value) in options.Where(kv => double.TryParse(kv.Value, System.Globalization.NumberStyles.Float,
                         System.Globalization.CultureInfo.InvariantCulture, out _)))
            {
                var property = type.GetProperties().Single(p => (p.GetCustomAttribute<SettingAttribute>()?.Name ?? MethodOptionsBinder.SnakeCase(p.Name)) == key);
                Assert.Equal(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture),
                    Convert.ToDouble(property.GetValue(bound), System.Globalization.CultureInfo.InvariantCulture), 12);
            }
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }

        var config = preset.ApplyTo(new RunConfig { Method = method });
        var back = RunConfig.FromYaml(config.ToYaml());
        Assert.Equal(config.Options.OrderBy(kv => kv.Key), back.Options.OrderBy(kv => kv.Key));
    }
}
