using TorchSharp;
using static TorchSharp.torch;

namespace SslSharp.Interop;

/// <summary>
/// Copies named tensors (from <see cref="SafeTensors.Load"/>, e.g. a torchvision or timm state dict) into a module's
/// parameters and buffers, strictly: every entry of the module must be given with its shape, and nothing else.
/// </summary>
/// <remarks>PyTorch's <c>load_state_dict(strict=True)</c>: on a mismatch nothing is copied and one message lists the
/// missing, unexpected and mis-shaped names. dtypes are converted (a float16 file loads into float32 weights).</remarks>
public static class WeightImport
{
    /// <summary>Copies <paramref name="tensors"/> into <paramref name="module"/>'s state (by name).</summary>
    /// <param name="module">The receiving module; its state-dict names are the keys expected.</param>
    /// <param name="tensors">Name to tensor; names may carry a common <paramref name="prefix"/>, which is removed first.</param>
    /// <param name="source">Where the tensors came from, for the message (a file name).</param>
    /// <param name="prefix">Only names starting with it are read (e.g. <c>"backbone."</c>), without it; null or "": all.</param>
    /// <exception cref="ArgumentException">Names or shapes do not match (the message lists each kind, up to 10 names each).</exception>
    public static void LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(tensors);
        var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
            if (string.IsNullOrEmpty(prefix)) given[name] = t;
            else if (name.StartsWith(prefix, StringComparison.Ordinal)) given[name[prefix.Length..]] = t;
        var state = module.state_dict();
        var missing = state.Keys.Where(k => !given.ContainsKey(k)).ToList();
        var unexpected = given.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var misShaped = state.Where(kv => given.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} (file [{string.Join(", ", given[kv.Key].shape)}], model [{string.Join(", ", kv.Value.shape)}])").ToList();
        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            static string List(string what, List<string> names) => names.Count == 0 ? "" :
                $" {names.Count} {what}: {string.Join(", ", names.Take(10))}{(names.Count > 10 ? ", ..." : "")}.";
            throw new ArgumentException(
                $"The weights in '{source}' do not fit the {module.GetName()} ({state.Count} entries):" +
                List("missing", missing) + List("unexpected", unexpected) + List("with another shape", misShaped) +
                " Check the architecture, width and stem (and the channel count) against the file's side JSON.");
        }
        using var noGrad = torch.no_grad();
        foreach (var (name, target) in state) target.copy_(given[name].to(target.dtype, target.device));
    }
}
