namespace SslSharp.Methods;

/// <summary>What <c>sslsharp methods</c> shows of a registered method.</summary>
/// <param name="Family">The cookbook's family (contrastive, self-distillation, ...).</param>
/// <param name="Paper">The paper that introduced it.</param>
/// <param name="Defaults">Its default hyper-parameters, as <c>key=value</c> text.</param>
/// <param name="Settings">Every setting with its default and description (null: not known, e.g. a method registered
/// with a hand-written description).</param>
public sealed record MethodDescription(string Family, string Paper, string Defaults, IReadOnlyList<MethodSettingInfo>? Settings = null);
