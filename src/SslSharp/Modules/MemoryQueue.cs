using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Modules;

/// <summary>
/// A first-in-first-out bank of <c>K</c> vectors <c>[K, D]</c>, filled batch by batch without gradient:
/// MoCo's key queue, NNCLR's support set and SwAV's embedding queue.
/// </summary>
/// <remarks>
/// <para>He et al., "Momentum Contrast for Unsupervised Visual Representation Learning" (CVPR 2020),
/// facebookresearch/moco <c>_dequeue_and_enqueue</c>: the queue is a buffer initialised with
/// L2-normalised Gaussian noise, a pointer advances by the (all-gathered) batch, and <c>K</c> must be a
/// multiple of the batch so that every enqueue writes one contiguous block. NNCLR (Dwibedi et al., ICCV
/// 2021) and SwAV (Caron et al., NeurIPS 2020) use the same structure; SwAV starts from zeros and only
/// uses the queue once it is full (<see cref="IsFull"/>).</para>
/// <para>The items, the write pointer and the fill count are buffers, so a checkpoint restores the
/// queue exactly. Items never carry gradient: <see cref="Enqueue"/> detaches, and <see cref="Items"/>
/// is a detached view.</para>
/// </remarks>
public sealed class MemoryQueue : nn.Module
{
    private readonly Tensor queue;
    private readonly Tensor pointer;
    private readonly Tensor filled;

    /// <summary>Creates a queue of <paramref name="size"/> vectors of width <paramref name="dim"/>.</summary>
    /// <param name="size">Capacity <c>K</c> (&gt;= 1).</param>
    /// <param name="dim">Vector width <c>D</c> (&gt;= 1).</param>
    /// <param name="initialization">Initial content: normalised Gaussian noise (MoCo, NNCLR) or zeros (SwAV).</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <param name="name">Module name.</param>
    public MemoryQueue(int size, int dim, QueueInitialization initialization = QueueInitialization.NormalizedNoise,
        long seed = 0, string name = "queue") : base(name)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "The queue size K must be >= 1 (MoCo: 65536).");
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "The queue vector width D must be >= 1.");
        Size = size;
        Dim = dim;
        if (initialization == QueueInitialization.NormalizedNoise)
        {
            using var g = new Generator((ulong)seed);
            using var noise = torch.randn(new long[] { size, dim }, generator: g);
            queue = nn.functional.normalize(noise, dim: 1);
        }
        else
        {
            queue = torch.zeros(size, dim);
        }
        pointer = torch.zeros(1, ScalarType.Int64);
        filled = torch.zeros(1, ScalarType.Int64);
        register_buffer("items", queue);
        register_buffer("pointer", pointer);
        register_buffer("filled", filled);
    }

    /// <summary>
    /// Does nothing: the constructor registers exactly what belongs in the state dict. (TorchSharp calls
    /// this when the module is registered in a parent and would otherwise add every field, e.g. the
    /// student a teacher follows, a second time under the field's name.)
    /// </summary>
    protected override void RegisterComponents() { }

    /// <summary>Capacity <c>K</c>.</summary>
    public int Size { get; }

    /// <summary>Vector width <c>D</c>.</summary>
    public int Dim { get; }

    /// <summary>The stored vectors <c>[K, D]</c>, detached (slots never written hold the initial content).</summary>
    public Tensor Items => queue.detach();

    /// <summary>How many vectors have been written so far, capped at <see cref="Size"/>.</summary>
    public long Count => filled.item<long>();

    /// <summary>Whether every slot has been written at least once.</summary>
    public bool IsFull => Count >= Size;

    /// <summary>
    /// Writes <paramref name="vectors"/> <c>[B, D]</c> (detached) at the pointer, overwriting the oldest
    /// entries, and advances the pointer by <c>B</c> modulo <c>K</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The vectors are not <c>[B, D]</c>, or <c>K</c> is not a multiple of <c>B</c>.</exception>
    public void Enqueue(Tensor vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.dim() != 2 || vectors.shape[1] != Dim)
            throw new ArgumentException($"{GetName()} stores vectors [B, {Dim}] but got [{string.Join(", ", vectors.shape)}].", nameof(vectors));
        long b = vectors.shape[0];
        if (b < 1 || Size % b != 0)
            throw new ArgumentException(
                $"The queue size {Size} is not a multiple of the batch of {b} keys being enqueued (global batch). " +
                $"Choose a queue size divisible by the batch, e.g. {Math.Max(b, Size / Math.Max(b, 1) * b)}.", nameof(vectors));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        long p = pointer.item<long>();
        queue.narrow(0, p, b).copy_(vectors.detach().to(queue.dtype));
        using Scalar next = (p + b) % Size, count = Math.Min(Size, filled.item<long>() + b);   // held: see Augment/Functional/ScalarCache
        pointer.fill_(next);
        filled.fill_(count);
    }
}
