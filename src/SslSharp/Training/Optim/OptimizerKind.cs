namespace SslSharp.Training.Optim;

/// <summary>The optimizers <see cref="Optimizers.Create"/> builds; written in configs in lower case (<c>sgd</c>, <c>adamw</c>, <c>lars</c>).</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum (no Nesterov).</summary>
    Sgd,

    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,

    /// <summary>LARS (You et al. 2017): SGD with a per-layer trust ratio; biases and norm parameters excluded.</summary>
    Lars,
}
