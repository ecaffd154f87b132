using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Training.Optim;

/// <summary>
/// Stochastic gradient descent with heavy-ball momentum (no dampening, no Nesterov) and coupled
/// weight decay: <c>d = g + wd p; b = m b + d; p -= lr b</c>.
/// </summary>
/// <remarks>Same update as PyTorch's <c>torch.optim.SGD(momentum=m, nesterov=False)</c>.</remarks>
public sealed class Sgd : SslOptimizer
{
    private readonly Tensor[][] _buffers;

    /// <summary>Creates SGD over <paramref name="groups"/>.</summary>
    /// <param name="groups">Parameter groups.</param>
    /// <param name="learningRate">Initial learning rate.</param>
    /// <param name="momentum">Momentum <c>m</c> in [0, 1).</param>
    /// <param name="weightDecay">Weight decay of the groups that take it.</param>
    public Sgd(IReadOnlyList<ParameterGroup> groups, double learningRate, double momentum = 0.9, double weightDecay = 0)
        : base(groups, learningRate, weightDecay)
    {
        if (!(momentum >= 0 && momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), $"SGD momentum must be in [0, 1), got {momentum}.");
        Momentum = momentum;
        _buffers = groups.Select((g, gi) => g.Parameters.Select((p, i) => ZerosState(gi, i, p, "momentum_buffer")).ToArray()).ToArray();
    }

    /// <summary>Momentum coefficient.</summary>
    public double Momentum { get; }

    /// <inheritdoc />
    protected override void Update(int group, int index, Parameter p, Tensor grad, double lr, double weightDecay)
    {
        // Scalars held by `using`: a temporary one from an implicit conversion can be finalised while the native call
        // still reads it (an intermittent "toFloat: Expected false to be true" from add_; see Augment/Functional/ScalarCache).
        using Scalar decay = weightDecay, momentum = Momentum, step = -lr;
        var d = weightDecay != 0 ? grad.add(p, alpha: decay) : grad;
        var buf = _buffers[group][index];
        buf.mul_(momentum).add_(d);
        p.add_(buf, alpha: step);
    }
}
