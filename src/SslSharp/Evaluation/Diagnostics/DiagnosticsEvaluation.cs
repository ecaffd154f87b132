namespace SslSharp.Evaluation.Diagnostics;

/// <summary>One label-free diagnostics evaluation made during training.</summary>
/// <param name="Epoch">Epoch (0-based) after which the evaluation ran; -1 before training.</param>
/// <param name="Step">Global step at which it ran (number of steps taken).</param>
/// <param name="Result">The diagnostics.</param>
/// <param name="Elapsed">Wall time of extraction plus analysis.</param>
public sealed record DiagnosticsEvaluation(int Epoch, long Step, DiagnosticsResult Result, TimeSpan Elapsed);
