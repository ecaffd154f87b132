namespace SslSharp.Cli.Commands;

/// <summary>
/// Marks a command that watches its cancellation token and stops cleanly when it fires (<c>pretrain</c>: after the
/// current step, writing <c>last.ckpt</c>). For such a command the first SIGINT/SIGTERM only requests the stop; every
/// other command ends at once, as the signal's default does (<see cref="Program.Main"/>).
/// </summary>
public interface IStopsAfterStep;
