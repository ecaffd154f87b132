namespace SslSharp.Methods;

/// <summary>One setting of a method as <c>sslsharp methods NAME</c> shows it.</summary>
/// <param name="Name">The setting's key (snake_case, as in presets and <c>--set</c>).</param>
/// <param name="Default">The default as text (invariant culture; <c>&lt;...&gt;</c> when it depends on something else).</param>
/// <param name="Description">One line on what it does.</param>
public sealed record MethodSettingInfo(string Name, string Default, string Description);
