namespace SslSharp.Methods.Contrastive;

/// <summary>Checks of an EMA momentum schedule's end points.</summary>
internal static class MomentumChecks
{
    /// <summary>Throws unless both momenta lie in [0, 1].</summary>
    public static void Check(string method, double baseMomentum, double finalMomentum)
    {
        if (!(baseMomentum >= 0 && baseMomentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(baseMomentum), baseMomentum,
                $"{method}'s base momentum must be in [0, 1] (MoCo v2 0.999, MoCo v3 0.99).");
        if (!(finalMomentum >= 0 && finalMomentum <= 1))
            throw new ArgumentOutOfRangeException(nameof(finalMomentum), finalMomentum,
                $"{method}'s final momentum must be in [0, 1] (MoCo v3 1.0).");
    }
}
