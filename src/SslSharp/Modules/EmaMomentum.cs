using SslSharp.Core;

namespace SslSharp.Modules;

/// <summary>
/// The momentum schedule of an EMA teacher (<see cref="EmaTeacher{TModule}"/>), the one place it is written:
/// cosine from <see cref="Base"/> at step 0 to <see cref="Final"/> at the last step,
/// <c>m(t) = final - (final - base)(1 + cos(pi t / T)) / 2</c>; constant when the two are equal.
/// </summary>
/// <remarks>
/// <para>BYOL (Grill et al., 2020: <c>tau = 1 - (1 - tau0)(1 + cos(pi k / K)) / 2</c>), DINO (<c>main_dino.py</c>
/// <c>momentum_schedule</c>, 0.996 to 1), MoCo v3 (0.99 to 1), solo-learn's MoCo v2+ (0.99 to 0.999); MoCo v2
/// keeps 0.999 throughout. A pure function of the step, so a resumed run continues the same schedule.</para>
/// </remarks>
public sealed record EmaMomentum
{
    /// <summary>Creates the schedule, checking both end points (a method checks them first with its own message,
    /// through <see cref="Check"/>).</summary>
    /// <param name="baseMomentum">Momentum at step 0, in [0, 1].</param>
    /// <param name="finalMomentum">Momentum at the last step, in [0, 1] (1 for BYOL, DINO, MoCo v3).</param>
    /// <exception cref="ArgumentOutOfRangeException">A momentum is outside [0, 1].</exception>
    public EmaMomentum(double baseMomentum, double finalMomentum = 1.0)
    {
        Check(baseMomentum, nameof(baseMomentum), "The EMA base momentum", "e.g. 0.996");
        Check(finalMomentum, nameof(finalMomentum), "The EMA final momentum", "usually 1");
        Base = baseMomentum;
        Final = finalMomentum;
    }

    /// <summary>Momentum at step 0.</summary>
    public double Base { get; }

    /// <summary>Momentum at the last step.</summary>
    public double Final { get; }

    /// <summary>The momentum at <paramref name="progress"/>'s step, over its total steps (at least 1, so a run of
    /// unknown length stays at <see cref="Base"/>).</summary>
    /// <param name="progress">Where training stands.</param>
    public double At(TrainingProgress progress) => Cosine(progress.Step, Math.Max(1, progress.TotalSteps), Base, Final);

    /// <summary>
    /// The cosine momentum schedule: <c>m(t) = end - (end - base)(1 + cos(pi t / T)) / 2</c>, from
    /// <paramref name="baseMomentum"/> at step 0 to <paramref name="endMomentum"/> at step <paramref name="totalSteps"/>.
    /// </summary>
    /// <param name="step">Global step <c>t</c>.</param>
    /// <param name="totalSteps">Total steps <c>T</c>.</param>
    /// <param name="baseMomentum">Momentum at step 0 (BYOL 0.99/0.996, DINO 0.996, MoCo v3 0.99).</param>
    /// <param name="endMomentum">Momentum at the end (1).</param>
    public static double Cosine(long step, long totalSteps, double baseMomentum, double endMomentum = 1.0) =>
        Schedules.Cosine(step, totalSteps, baseMomentum, endMomentum);

    /// <summary>
    /// The linear momentum schedule of I-JEPA: <c>m(t) = base + (end - base) t / T</c>, from
    /// <paramref name="baseMomentum"/> at step 0 towards <paramref name="endMomentum"/> at step
    /// <paramref name="totalSteps"/> (facebookresearch/ijepa <c>src/train.py</c> <c>momentum_scheduler</c>, with
    /// <c>T = ipe_scale x steps</c>; its configs use <c>ipe_scale</c> 1, so the last step stays just below the end).
    /// </summary>
    /// <param name="step">Global step <c>t</c> (the update after step <c>t</c>'s optimizer step).</param>
    /// <param name="totalSteps">Total steps <c>T</c>.</param>
    /// <param name="baseMomentum">Momentum at step 0 (I-JEPA: 0.996).</param>
    /// <param name="endMomentum">Momentum at step <c>T</c> (1).</param>
    public static double Linear(long step, long totalSteps, double baseMomentum, double endMomentum = 1.0) =>
        Schedules.Linear(step, totalSteps, baseMomentum, endMomentum);

    /// <summary>Throws unless <paramref name="momentum"/> lies in [0, 1]: "<paramref name="owner"/> must be in [0, 1] (<paramref name="typical"/>)."</summary>
    /// <param name="momentum">The value.</param>
    /// <param name="parameter">The parameter's name.</param>
    /// <param name="owner">What the momentum belongs to, e.g. "The DINO teacher momentum".</param>
    /// <param name="typical">The usual values, e.g. "paper: 0.996".</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="momentum"/> is outside [0, 1] or NaN.</exception>
    public static void Check(double momentum, string parameter, string owner, string typical)
    {
        if (!(momentum >= 0 && momentum <= 1))
            throw new ArgumentOutOfRangeException(parameter, momentum, $"{owner} must be in [0, 1] ({typical}).");
    }
}
