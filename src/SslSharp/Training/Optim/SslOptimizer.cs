using TorchSharp;
using TorchSharp.Modules;
using SslSharp.Core;
using static TorchSharp.torch;

namespace SslSharp.Training.Optim;

/// <summary>
/// Base class of SslSharp's optimizers: a list of <see cref="ParameterGroup"/>s, each with its own
/// learning rate and weight decay, per-parameter state tensors (momentum buffers, Adam moments)
/// that can be saved to and restored from a checkpoint, and <see cref="Step"/>.
/// </summary>
/// <remarks>
/// The update rules follow PyTorch's <c>torch.optim</c> (SGD, AdamW) and the LARS of MoCo v3 /
/// VICReg (facebookresearch/moco-v3 <c>optimizer.py</c>); every update runs under
/// <c>torch.no_grad()</c> inside its own dispose scope. State is allocated when the optimizer is
/// built (zeros), which gives the same trajectory as PyTorch's lazy allocation.
/// </remarks>
public abstract class SslOptimizer : IDisposable
{
    private readonly double[] _lr;
    private readonly double[] _wd;
    private readonly List<(string Name, Tensor Tensor)> _state = new();
    private bool _disposed;

    /// <summary>Creates the optimizer over <paramref name="groups"/>.</summary>
    /// <param name="groups">The parameter groups; must hold at least one parameter overall.</param>
    /// <param name="learningRate">Initial learning rate of every group (the trainer sets it each step).</param>
    /// <param name="weightDecay">Weight decay of the groups whose <see cref="ParameterGroup.WeightDecay"/> is true; the others get 0.</param>
    protected SslOptimizer(IReadOnlyList<ParameterGroup> groups, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0 || groups.All(g => g.Parameters.Count == 0))
            throw new ArgumentException("The optimizer got no parameters to train. Check that the method has trainable parameters (requires_grad).", nameof(groups));
        if (!double.IsFinite(weightDecay) || weightDecay < 0)
            throw new ArgumentOutOfRangeException(nameof(weightDecay), $"Weight decay must be a finite number >= 0, got {weightDecay}.");
        Groups = groups;
        _lr = new double[groups.Count];
        _wd = new double[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            _lr[g] = learningRate;
            _wd[g] = groups[g].WeightDecay ? weightDecay : 0.0;
        }
    }

    /// <summary>The parameter groups, in the order given.</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Optimizer steps taken so far (restored from checkpoints).</summary>
    public long StepCount { get; private set; }

    /// <summary>Learning rate of group <paramref name="group"/>.</summary>
    public double GetLearningRate(int group) => _lr[group];

    /// <summary>Sets the learning rate of group <paramref name="group"/> for the next <see cref="Step"/>.</summary>
    public void SetLearningRate(int group, double lr)
    {
        if (!double.IsFinite(lr) || lr < 0)
            throw new ArgumentOutOfRangeException(nameof(lr), $"Learning rate must be a finite number >= 0, got {lr}.");
        _lr[group] = lr;
    }

    /// <summary>Weight decay of group <paramref name="group"/> (0 for groups without weight decay).</summary>
    public double GetWeightDecay(int group) => _wd[group];

    /// <summary>
    /// Sets the weight decay of group <paramref name="group"/> (for cosine weight-decay schedules);
    /// ignored (kept 0) for groups whose <see cref="ParameterGroup.WeightDecay"/> is false.
    /// </summary>
    public void SetWeightDecay(int group, double weightDecay)
    {
        if (!double.IsFinite(weightDecay) || weightDecay < 0)
            throw new ArgumentOutOfRangeException(nameof(weightDecay), $"Weight decay must be a finite number >= 0, got {weightDecay}.");
        _wd[group] = Groups[group].WeightDecay ? weightDecay : 0.0;
    }

    /// <summary>Clears the gradients of every parameter (sets them to none, as PyTorch does by default).</summary>
    public void ZeroGrad()
    {
        foreach (var g in Groups)
            foreach (var p in g.Parameters)
            {
                var grad = p.grad;
                if (grad is not null)
                {
                    p.grad = null;
                    grad.Dispose();
                }
            }
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (int g = 0; g < Groups.Count; g++)
        {
            var ps = Groups[g].Parameters;
            for (int i = 0; i < ps.Count; i++)
            {
                var grad = ps[i].grad;
                if (grad is null) continue;
                Update(g, i, ps[i], grad, _lr[g], _wd[g]);
            }
        }
        StepCount++;
    }

    /// <summary>Updates one parameter in place (called under <c>no_grad</c> inside a dispose scope).</summary>
    /// <param name="group">Group index.</param>
    /// <param name="index">Index of the parameter inside its group.</param>
    /// <param name="p">The parameter.</param>
    /// <param name="grad">Its gradient.</param>
    /// <param name="lr">The group's learning rate for this step.</param>
    /// <param name="weightDecay">The group's weight decay (0 when the group has none).</param>
    protected abstract void Update(int group, int index, Parameter p, Tensor grad, double lr, double weightDecay);

    /// <summary>Registers a state tensor (created outside any dispose scope) under a checkpoint name.</summary>
    protected Tensor RegisterState(string name, Tensor tensor)
    {
        tensor.DetachFromDisposeScope();
        _state.Add((name, tensor));
        return tensor;
    }

    /// <summary>Creates a zero state tensor shaped like <paramref name="p"/>, registered as <c>g{group}.p{index}.{kind}</c>.</summary>
    protected Tensor ZerosState(int group, int index, Parameter p, string kind)
    {
        using var noGrad = torch.no_grad();
        return RegisterState($"g{group}.p{index}.{kind}", torch.zeros_like(p).detach());
    }

    /// <summary>
    /// The optimizer state for a checkpoint: every state tensor by name (<c>g{group}.p{index}.{kind}</c>).
    /// The tensors are the live buffers: copy them before changing them. <see cref="StepCount"/> is separate.
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> StateTensors()
    {
        var list = new List<(string, Tensor)>(_state.Count + 1);
        list.AddRange(_state);
        return list;
    }

    /// <summary>
    /// Restores state saved by <see cref="StateTensors"/> plus the step count. Throws naming the first
    /// missing, unexpected or mis-shaped entry.
    /// </summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (name, t) in _state)
        {
            if (!state.TryGetValue(name, out var src))
                throw new InvalidDataException(
                    $"The checkpoint's optimizer state has no entry '{name}'. It was written with another optimizer or another model; " +
                    "resume with the same --optimizer and method settings, or start without --resume.");
            if (!src.shape.SequenceEqual(t.shape))
                throw new InvalidDataException(
                    $"The checkpoint's optimizer state '{name}' has shape [{string.Join(", ", src.shape)}] but the optimizer expects [{string.Join(", ", t.shape)}].");
            using var noGrad = torch.no_grad();
            t.copy_(src);
        }
        var known = _state.Select(s => s.Name).ToHashSet();
        var extra = state.Keys.FirstOrDefault(k => !known.Contains(k));
        if (extra is not null)
            throw new InvalidDataException(
                $"The checkpoint's optimizer state has an entry '{extra}' this optimizer does not know. " +
                "Resume with the same --optimizer and method settings, or start without --resume.");
        StepCount = stepCount;
        OnStateLoaded();
    }

    /// <summary>Called after <see cref="LoadState"/> replaced the state tensors (refresh any cached values).</summary>
    protected virtual void OnStateLoaded() { }

    /// <summary>Disposes the state tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, t) in _state) t.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }
}
