using SslSharp.Cli;
using SslSharp.Cli.Commands;
using SslSharp.Cli.Output;
using Spectre.Console.Cli;

namespace SslSharp.Tests.Cli;

/// <summary>The signal handler learns the running command from its parsed settings (<see cref="RunningCommandInterceptor"/>):
/// every command must be found from its own settings type, and only pretrain stops after its step.</summary>
public class RunningCommandTests
{
    [Fact]
    public void Every_command_is_found_from_its_settings_and_only_pretrain_stops_after_its_step()
    {
        var commands = typeof(Program).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(ICommand).IsAssignableFrom(t)).ToList();
        Assert.True(commands.Count >= 10, $"found only {commands.Count} commands");
        foreach (var command in commands)
        {
            var settings = command.GetInterfaces()
                .Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommand<>)).GetGenericArguments()[0];
            Assert.Equal(command, RunningCommandInterceptor.CommandFor(settings));
        }
        Assert.Equal([typeof(PretrainCommand)], commands.Where(typeof(IStopsAfterStep).IsAssignableFrom));
        Assert.Null(RunningCommandInterceptor.CommandFor(typeof(EvalSettings)));   // a shared base: no single command
    }
}
