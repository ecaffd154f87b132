namespace SslSharp.Evaluation.Spectral;

/// <summary>
/// A power law <c>lambda_i ~ exp(b) * i^-alpha</c> fitted to an eigenvalue spectrum over the 1-based
/// index range <c>[First, Last]</c> (see <see cref="AlphaReq"/>).
/// </summary>
/// <param name="Alpha">Decay exponent: larger = faster decay (fewer effective dimensions).</param>
/// <param name="Intercept"><c>b</c>, the fitted <c>log lambda</c> at <c>i = 1</c>.</param>
/// <param name="RSquared">Weighted coefficient of determination of the fit in log-log space (1 = exact power law).</param>
/// <param name="First">First fitted index (1-based, inclusive).</param>
/// <param name="Last">Last fitted index (1-based, inclusive).</param>
public sealed record PowerLawFit(double Alpha, double Intercept, double RSquared, int First, int Last);
