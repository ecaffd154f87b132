using Spectre.Console.Cli;

namespace SslSharp.Cli.Output;

/// <summary>Records which command is about to run (<see cref="Program.RunningCommand"/>), after parsing, so that the signal
/// handler can ask whether it stops after its step (<see cref="Commands.IStopsAfterStep"/>).</summary>
internal sealed class RunningCommandInterceptor : ICommandInterceptor
{
    /// <inheritdoc />
    public void Intercept(CommandContext context, CommandSettings settings) => Program.RunningCommand = CommandFor(settings.GetType());

    /// <summary>The command of this assembly that takes exactly <paramref name="settings"/> (every command has its own
    /// settings type), or null when none or several do.</summary>
    internal static Type? CommandFor(Type settings)
    {
        var commands = typeof(Program).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetInterfaces().Any(i =>
                i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICommand<>) && i.GetGenericArguments()[0] == settings))
            .Take(2).ToList();
        return commands.Count == 1 ? commands[0] : null;
    }
}
