namespace SslSharp.Tests.Training;

/// <summary>
/// Trainer tests that must run alone: memory measurements (no other test allocating meanwhile) and
/// bitwise resume checks (torch's global generator is shared by every test thread).
/// </summary>
[CollectionDefinition("TrainerSerial", DisableParallelization = true)]
public class TrainerSerialCollection;
