using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Training.Optim;

/// <summary>
/// LARS, layer-wise adaptive rate scaling (You et al., 2017), in the PyTorch form used by MoCo v3,
/// MAE, Barlow Twins, VICReg and DINO:
/// <c>dp = g + wd p; q = eta ||p|| / ||dp|| (1 if either norm is 0); mu = m mu + q dp; p -= lr mu</c>.
/// </summary>
/// <remarks>
/// <para>Reference: facebookresearch/moco-v3 <c>optimizer.py</c> and facebookresearch/vicreg
/// <c>main_vicreg.py</c>. As in VICReg, weight decay follows the group's
/// <see cref="ParameterGroup.WeightDecay"/> flag and the trust ratio follows
/// <see cref="ParameterGroup.LarsAdaptation"/>; with <see cref="ParameterGroups.SplitDecay"/> biases
/// and norm parameters get neither, i.e. plain momentum SGD without weight decay, exactly as
/// MoCo v3 does for parameters with <c>ndim &lt;= 1</c>.</para>
/// <para>No gradient clipping (solo-learn's variant with eta 0.02 and clipping is not this one).</para>
/// </remarks>
public sealed class Lars : SslOptimizer
{
    private readonly Tensor[][] _mu;

    /// <summary>Creates LARS over <paramref name="groups"/>.</summary>
    /// <param name="groups">Parameter groups.</param>
    /// <param name="learningRate">Initial learning rate.</param>
    /// <param name="momentum">Momentum <c>m</c> in [0, 1).</param>
    /// <param name="weightDecay">Weight decay of the groups that take it.</param>
    /// <param name="eta">Trust coefficient (1e-3 in MoCo v3 / VICReg).</param>
    public Lars(IReadOnlyList<ParameterGroup> groups, double learningRate, double momentum = 0.9, double weightDecay = 0,
        double eta = 1e-3)
        : base(groups, learningRate, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), $"LARS momentum must be in [0, 1), got {momentum}.");
        if (!(eta > 0) || !double.IsFinite(eta))
            throw new ArgumentOutOfRangeException(nameof(eta), $"LARS eta (trust coefficient) must be > 0, got {eta}.");
        Momentum = momentum;
        Eta = eta;
        _mu = groups.Select((g, gi) => g.Parameters.Select((p, i) => ZerosState(gi, i, p, "mu")).ToArray()).ToArray();
    }

    /// <summary>Momentum coefficient.</summary>
    public double Momentum { get; }

    /// <summary>Trust coefficient <c>eta</c>.</summary>
    public double Eta { get; }

    /// <inheritdoc />
    protected override void Update(int group, int index, Parameter p, Tensor grad, double lr, double weightDecay)
    {
        using Scalar decay = weightDecay, momentum = Momentum, step = -lr, eta = Eta;   // held: see Sgd.Update
        var dp = Groups[group].WeightDecay && weightDecay != 0 ? grad.add(p, alpha: decay) : grad;
        if (Groups[group].LarsAdaptation)
        {
            var pNorm = p.norm();
            var dNorm = dp.norm();
            var one = torch.ones_like(pNorm);
            var q = torch.where(pNorm > 0, torch.where(dNorm > 0, pNorm.mul(eta).div_(dNorm), one), one);
            dp = dp.mul(q);
        }
        var mu = _mu[group][index];
        mu.mul_(momentum).add_(dp);
        p.add_(mu, alpha: step);
    }
}
