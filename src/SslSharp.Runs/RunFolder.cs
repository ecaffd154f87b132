namespace SslSharp.Runs;

/// <summary>
/// Claims the folder a new run writes into, so that no earlier run is ever overwritten by accident: a named folder
/// must be missing or empty (or the caller says <c>overwrite</c>), and a default folder name is made unique even
/// when two runs start in the same second.
/// </summary>
public static class RunFolder
{
    /// <summary>
    /// The empty file a default run folder is claimed with. It travels inside the private staging folder, so the rename
    /// that claims a name fails on a folder another run already claimed (a rename onto a non-empty folder fails; onto an
    /// empty one it would succeed).
    /// </summary>
    public const string MarkerFile = ".sslsharp-run";

    /// <summary>Claims <paramref name="requested"/>, or a new folder named after <paramref name="defaultPath"/> when it is null.</summary>
    /// <param name="requested">The folder the user named (<c>--out</c>), or null.</param>
    /// <param name="defaultPath">The default folder (e.g. <c>runs/simclr-fashion-mnist-20261206-203000</c>); when it
    /// exists, <c>-2</c>, <c>-3</c>, ... is appended.</param>
    /// <param name="overwrite">Delete whatever <paramref name="requested"/> holds (<c>--overwrite</c>).</param>
    /// <returns>The claimed folder: created, and empty but for <see cref="MarkerFile"/> when it is a default folder.</returns>
    /// <exception cref="ArgumentException"><paramref name="requested"/> names a file, or a folder that holds files
    /// while <paramref name="overwrite"/> is false (the message says how to continue or replace it).</exception>
    public static string Claim(string? requested, string defaultPath, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultPath);
        if (requested is not null) return ClaimNamed(requested, overwrite);
        var parent = Path.GetDirectoryName(Path.GetFullPath(defaultPath))!;
        Directory.CreateDirectory(parent);
        for (int i = 1; ; i++)
        {
            var candidate = i == 1 ? defaultPath : $"{defaultPath}-{i}";
            if (Directory.Exists(candidate) || File.Exists(candidate)) continue;
            // A private folder renamed into place: the rename fails when another run took the name in the meantime.
            var staging = Path.Combine(parent, $".claim-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            File.WriteAllBytes(Path.Combine(staging, MarkerFile), []);
            try
            {
                Directory.Move(staging, candidate);
                return candidate;
            }
            catch (IOException)
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Claims a folder the user named: it must be missing or empty, unless <paramref name="overwrite"/> empties it.</summary>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is a file, or holds files and <paramref name="overwrite"/> is false.</exception>
    public static string ClaimNamed(string folder, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (File.Exists(folder))
            throw new ArgumentException($"--out '{folder}' is a file, not a folder. Name a new or empty folder.");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            if (!overwrite)
            {
                var held = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(4);
                throw new ArgumentException(
                    $"Run folder '{folder}' already holds files ({string.Join(", ", held)}). Name another --out, continue that run with " +
                    $"--resume {Path.Combine(folder, Training.Checkpoint.LastFileName)}, or replace it with --overwrite.");
            }
            Directory.Delete(folder, recursive: true);
        }
        Directory.CreateDirectory(folder);
        return folder;
    }
}
