using System.Text;

namespace SslSharp.Core;

/// <summary>
/// Writes a file so that a reader (or a crash) sees either the old file or the whole new one, never a part: the content
/// goes to <c>PATH.tmp</c>, which is then renamed over <c>PATH</c>. The folder is created when missing.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically; returns the full path.</summary>
    public static string Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
            write(file);
        File.Move(temp, full, overwrite: true);
        return full;
    }

    /// <summary>Writes a text file (UTF-8 without BOM, <c>\n</c> line ends) through <paramref name="write"/>, atomically.</summary>
    public static string WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
            write(writer);
        });
    }
}
