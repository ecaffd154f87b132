using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Losses;

/// <summary>
/// The input checks of every loss, so that each fails with the same clear messages, and the switch that turns
/// the value checks on.
/// </summary>
/// <remarks>
/// <para>Two kinds of check. Shape and argument checks (ranks, widths, batch sizes, temperatures) read only
/// <c>.shape</c> and numbers on the host, cost nothing and always run. Value checks (NaN or infinity in the
/// inputs, a gathered block that is not this process's rows, a permutation that is not one, a covariance that
/// is not positive definite) must copy a device result to the host, a sync that stalls an accelerator on every
/// step; they run only when <see cref="Debug"/> is on. With them off, a diverged run still stops: the
/// <c>Trainer</c> refuses a non-finite loss (<c>NonFiniteLossException</c>).</para>
/// <para><see cref="Debug"/> is on when the environment variable <c>SSLSHARP_DEBUG_CHECKS</c> is <c>1</c> (or
/// <c>true</c>) at start-up, or inside a <see cref="DebugScope"/>. The scope is async-local: it covers the
/// calling thread and the async flow it starts, not other threads (parallel tests do not see each other's
/// switch). Every host read of a tensor in this namespace goes through one private method that returns at once
/// when the switch is off; an architecture test reads the IL to keep it so.</para>
/// </remarks>
public static class LossChecks
{
    /// <summary>The environment variable that turns the value checks on for the whole process (<c>1</c>).</summary>
    public const string EnvironmentVariable = "SSLSHARP_DEBUG_CHECKS";

    private static readonly bool ProcessDefault =
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { } v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));

    private static readonly AsyncLocal<bool?> Scoped = new();

    /// <summary>Whether the value checks (which copy a tensor to the host) run: the innermost
    /// <see cref="DebugScope"/> of this async flow, else <see cref="EnvironmentVariable"/>; off by default.</summary>
    public static bool Debug => Scoped.Value ?? ProcessDefault;

    /// <summary>
    /// Turns the value checks on (or off) for the calling thread and its async flow until the result is
    /// disposed, then restores the previous setting: <c>using (LossChecks.DebugScope()) { ... }</c>.
    /// </summary>
    /// <param name="enabled">The setting inside the scope.</param>
    public static IDisposable DebugScope(bool enabled = true)
    {
        var previous = Scoped.Value;
        Scoped.Value = enabled;
        return new Restore(previous);
    }

    private const string Diverged =
        "got NaN or infinite embeddings: training has diverged (lower the learning rate, check the data for NaN, or enable gradient clipping).";

    /// <summary>Throws unless <paramref name="temperature"/> is a finite number &gt; 0:
    /// "The <paramref name="loss"/> temperature must be a finite number &gt; 0 (<paramref name="typical"/>)."</summary>
    internal static void Temperature(string loss, double temperature, string typical)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                $"The {loss} temperature must be a finite number > 0 ({typical}).");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number &gt; 0.</summary>
    internal static void Positive(string parameter, double value, string hint)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(parameter, value, $"{hint} must be a finite number > 0.");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number &gt;= 0.</summary>
    internal static void NonNegative(string parameter, double value, string hint)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(parameter, value, $"{hint} must be a finite number >= 0.");
    }

    /// <summary>Throws unless <paramref name="x"/> is a 2-D <c>[N, D]</c> tensor with N, D &gt;= 1.</summary>
    internal static void Matrix(string loss, string what, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x, what);
        if (x.dim() != 2 || x.shape[0] < 1 || x.shape[1] < 1)
            throw new ArgumentException(
                $"{loss} expects {what} as [N, D] with N, D >= 1 but got [{Shape(x)}]. Flatten the head output to [N, D].");
    }

    /// <summary>Throws unless <paramref name="a"/> and <paramref name="b"/> have one shape (row i of both from image i).</summary>
    internal static void SameShape(string loss, string whatA, Tensor a, string whatB, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException(
                $"{loss} needs {whatA} and {whatB} with one shape but got [{Shape(a)}] and [{Shape(b)}]; " +
                "row i of both must come from image i.");
    }

    /// <summary>Throws unless <paramref name="a"/> and <paramref name="b"/> are both <c>[N, D]</c> with one shape and D &gt;= 1.</summary>
    internal static void SamePairShape(string loss, Tensor a, Tensor b, string what = "row i of both inputs must belong to image i")
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.dim() != 2 || b.dim() != 2)
            throw new ArgumentException(
                $"{loss} expects embeddings [N, D] but got [{Shape(a)}] and [{Shape(b)}]. Flatten the projector output to [N, D].");
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"{loss} needs inputs of one shape [N, D] but got [{Shape(a)}] and [{Shape(b)}]; {what}.");
        if (a.shape[1] < 1)
            throw new ArgumentException($"{loss} needs embeddings with at least one dimension (D >= 1).");
    }

    /// <summary>Throws when the batch has fewer than <paramref name="minimum"/> rows.</summary>
    internal static void MinimumRows(string loss, long rows, long minimum, string why)
    {
        if (rows < minimum)
            throw new ArgumentException($"{loss} needs a batch of at least {minimum} images but got {rows} ({why}). Increase the batch size.");
    }

    /// <summary>The two-view redundancy-reduction losses (VICReg, Barlow Twins): <c>[N, D]</c> tensors of one shape
    /// with <c>N &gt;= 2</c> and <c>D &gt;= 1</c>, finite (value check).</summary>
    internal static void CorrelationPair(Tensor z1, Tensor z2, string loss, string whyTwo)
    {
        ArgumentNullException.ThrowIfNull(z1);
        ArgumentNullException.ThrowIfNull(z2);
        if (z1.dim() != 2 || z2.dim() != 2 || !z1.shape.SequenceEqual(z2.shape))
            throw new ArgumentException(
                $"{loss} needs two embeddings [N, D] of one shape but got [{Shape(z1)}] and [{Shape(z2)}]; " +
                "row i of z1 and row i of z2 must be two views of image i.");
        if (z1.shape[0] < 2)
            throw new ArgumentException(
                $"{loss} needs a batch of at least 2 images but got {z1.shape[0]}: {whyTwo}. Increase the batch size.");
        if (z1.shape[1] < 1)
            throw new ArgumentException($"{loss} needs embeddings with at least one dimension (D >= 1).");
        Finite(loss, z1, z2);
    }

    /// <summary>The two-view regression losses (BYOL, SimSiam): predictions and targets <c>[N, D]</c> of one shape
    /// with <c>N, D &gt;= 1</c>, finite (value check).</summary>
    internal static void PredictionPair(string loss, Tensor p1, Tensor p2, Tensor z1, Tensor z2)
    {
        ArgumentNullException.ThrowIfNull(p1);
        ArgumentNullException.ThrowIfNull(p2);
        ArgumentNullException.ThrowIfNull(z1);
        ArgumentNullException.ThrowIfNull(z2);
        var all = new[] { p1, p2, z1, z2 };
        if (all.Any(t => t.dim() != 2) || all.Any(t => !t.shape.SequenceEqual(p1.shape)))
            throw new ArgumentException(
                $"{loss} needs predictions p1, p2 and targets z1, z2 of one shape [N, D] but got " +
                string.Join(", ", all.Select(t => $"[{Shape(t)}]")) +
                ". The predictor's output width must equal the projector's.");
        if (p1.shape[0] < 1 || p1.shape[1] < 1)
            throw new ArgumentException($"{loss} needs at least one row and one feature, got [{Shape(p1)}].");
        AllFinite(all, $"{loss} got NaN or infinite embeddings: training has diverged (lower the learning rate, check the data for NaN).");
    }

    /// <summary>Value check (only when <see cref="Debug"/>): throws when a tensor holds NaN or infinity, with the
    /// message "<paramref name="loss"/> got NaN or infinite embeddings: training has diverged (...)".</summary>
    internal static void Finite(string loss, params Tensor[] tensors) => AllFinite(tensors, $"{loss} {Diverged}");

    /// <summary>Value check (only when <see cref="Debug"/>): throws <paramref name="message"/> when a tensor holds NaN or infinity.</summary>
    internal static void AllFinite(IEnumerable<Tensor> tensors, string message)
    {
        if (!Debug) return;
        foreach (var t in tensors)
        {
            using var finite = t.isfinite();
            if (!Holds(finite)) throw new ArgumentException(message);
        }
    }

    /// <summary>Value check (only when <see cref="Debug"/>): throws <paramref name="message"/> unless every element of
    /// <paramref name="condition"/>'s result is true. The condition is not even computed when the switch is off.</summary>
    /// <param name="condition">Builds a boolean tensor on the device.</param>
    /// <param name="message">The error.</param>
    /// <param name="parameter">The argument at fault, or null.</param>
    internal static void That(Func<Tensor> condition, string message, string? parameter = null)
    {
        if (!Debug) return;
        using var scope = torch.NewDisposeScope();
        if (!Holds(condition())) throw new ArgumentException(message, parameter);
    }

    /// <summary>The shape as "a, b, c" for messages.</summary>
    internal static string Shape(Tensor t) => string.Join(", ", t.shape);

    /// <summary>The one host read of this namespace: whether every element of <paramref name="condition"/> is true;
    /// true without reading anything when <see cref="Debug"/> is off.</summary>
    private static bool Holds(Tensor condition)
    {
        if (!Debug) return true;
        using var all = condition.all();
        return all.item<bool>();
    }

    private sealed class Restore(bool? previous) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            Scoped.Value = previous;
        }
    }
}
