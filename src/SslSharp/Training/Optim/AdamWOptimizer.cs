using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Training.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter, 2019):
/// <c>p *= 1 - lr wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps)</c>.
/// </summary>
/// <remarks>Named AdamWOptimizer so it does not clash with TorchSharp.Modules.AdamW. Same update as PyTorch's <c>torch.optim.AdamW</c> (amsgrad off). Step counts are per parameter.</remarks>
public sealed class AdamWOptimizer : SslOptimizer
{
    private readonly Tensor[][] _m;
    private readonly Tensor[][] _v;
    private readonly Tensor[][] _t;

    /// <summary>Creates AdamW over <paramref name="groups"/>.</summary>
    /// <param name="groups">Parameter groups.</param>
    /// <param name="learningRate">Initial learning rate.</param>
    /// <param name="beta1">First-moment decay, in [0, 1).</param>
    /// <param name="beta2">Second-moment decay, in [0, 1).</param>
    /// <param name="weightDecay">Decoupled weight decay of the groups that take it.</param>
    /// <param name="eps">Denominator term for numerical stability.</param>
    public AdamWOptimizer(IReadOnlyList<ParameterGroup> groups, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double weightDecay = 0.01, double eps = 1e-8)
        : base(groups, learningRate, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), $"AdamW betas must be in [0, 1), got ({beta1}, {beta2}).");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"AdamW eps must be > 0, got {eps}.");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        _m = groups.Select((g, gi) => g.Parameters.Select((p, i) => ZerosState(gi, i, p, "exp_avg")).ToArray()).ToArray();
        _v = groups.Select((g, gi) => g.Parameters.Select((p, i) => ZerosState(gi, i, p, "exp_avg_sq")).ToArray()).ToArray();
        _t = groups.Select((g, gi) => g.Parameters.Select((p, i) =>
            RegisterState($"g{gi}.p{i}.step", torch.zeros(1, dtype: ScalarType.Int64))).ToArray()).ToArray();
        _steps = groups.Select(g => new long[g.Parameters.Count]).ToArray();
    }

    private readonly long[][] _steps;
    private bool _stepsSynced;

    /// <summary>First-moment decay.</summary>
    public double Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public double Beta2 { get; }

    /// <summary>Denominator epsilon.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    protected override void Update(int group, int index, Parameter p, Tensor grad, double lr, double weightDecay)
    {
        if (!_stepsSynced)
        {
            // After a checkpoint restore the step counters live in the state tensors; read them once.
            for (int g = 0; g < _t.Length; g++)
                for (int i = 0; i < _t[g].Length; i++)
                    _steps[g][i] = _t[g][i].ToInt64();
            _stepsSynced = true;
        }
        long t = ++_steps[group][index];
        _t[group][index].fill_(t);
        double bc1 = 1 - Math.Pow(Beta1, t);
        double bc2 = 1 - Math.Pow(Beta2, t);
        using Scalar shrink = 1 - lr * weightDecay, b1 = Beta1, b2 = Beta2, rest1 = 1 - Beta1, rest2 = 1 - Beta2,
            root2 = Math.Sqrt(bc2), eps = Eps, step = -lr / bc1;   // held: see Sgd.Update
        if (weightDecay != 0) p.mul_(shrink);
        var m = _m[group][index];
        var v = _v[group][index];
        m.mul_(b1).add_(grad, alpha: rest1);
        v.mul_(b2).addcmul_(grad, grad, value: rest2);
        var denom = v.sqrt().div_(root2).add_(eps);
        p.addcdiv_(m, denom, value: step);
    }

    /// <inheritdoc />
    protected override void OnStateLoaded() => _stepsSynced = false;
}
