namespace SslSharp.Data;

/// <summary>
/// Reads whole files of fixed-size binary records (CIFAR's label + pixel records, STL-10's pixel and
/// label files) and checks their size, so that a missing, empty or truncated file fails with one
/// message that names the file and what is wrong.
/// </summary>
internal static class BinaryRecordFile
{
    /// <summary>The file's length after checking that it exists and holds a whole, non-zero number of records.</summary>
    /// <param name="path">The file.</param>
    /// <param name="recordBytes">Bytes per record.</param>
    /// <param name="what">What a record is, for messages, e.g. <c>CIFAR-10 record (1 label byte + 3072 pixel bytes)</c>.</param>
    /// <param name="hint">Where to get the data, appended to every message.</param>
    /// <returns>The number of records.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty or its size is not a whole number of records.</exception>
    public static long CountRecords(string path, int recordBytes, string what, string hint)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{Path.GetFullPath(path)}' does not exist. {hint}", path);
        long length = new FileInfo(path).Length;
        if (length == 0)
            throw new InvalidDataException($"'{Path.GetFullPath(path)}' is empty (0 bytes); expected {what}s of {recordBytes} bytes each. {hint}");
        if (length % recordBytes != 0)
            throw new InvalidDataException(
                $"'{Path.GetFullPath(path)}' is {length} bytes, not a whole number of {recordBytes}-byte {what}s: " +
                $"{length / recordBytes} whole records and {length % recordBytes} bytes of a truncated one " +
                $"(an interrupted download, or a file of another data set). {hint}");
        return length / recordBytes;
    }

    /// <summary>Reads <paramref name="buffer"/>.Length bytes from <paramref name="stream"/> or fails naming <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The stream ends early (the file shrank while being read).</exception>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string path, string hint)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{Path.GetFullPath(path)}' ended while being read (was it changed meanwhile?). {hint}", e);
        }
    }

    /// <summary>
    /// The folder that holds <paramref name="probeFile"/>: <paramref name="dataDir"/> itself, or its
    /// sub-folder <paramref name="subFolder"/> (the folder the official archive unpacks to).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist or is a file.</exception>
    /// <exception cref="FileNotFoundException">Neither place holds <paramref name="probeFile"/>.</exception>
    public static string ResolveFolder(string? dataDir, string subFolder, string probeFile, string dataSet, string hint)
    {
        if (string.IsNullOrWhiteSpace(dataDir))
            throw new DirectoryNotFoundException($"{dataSet} needs --data-dir DIR: the folder that holds '{subFolder}' (or that folder itself). {hint}");
        if (File.Exists(dataDir))
            throw new DirectoryNotFoundException(
                $"'{Path.GetFullPath(dataDir)}' is a file; --data-dir names the folder that holds the {dataSet} files ('{subFolder}'). {hint}");
        if (!Directory.Exists(dataDir))
            throw new DirectoryNotFoundException($"The {dataSet} folder '{Path.GetFullPath(dataDir)}' does not exist. {hint}");
        if (File.Exists(Path.Combine(dataDir, probeFile))) return dataDir;
        string sub = Path.Combine(dataDir, subFolder);
        if (File.Exists(Path.Combine(sub, probeFile))) return sub;
        throw new FileNotFoundException(
            $"{dataSet} file '{probeFile}' is missing: neither '{Path.GetFullPath(Path.Combine(dataDir, probeFile))}' nor " +
            $"'{Path.GetFullPath(Path.Combine(sub, probeFile))}' exists. {hint}", Path.Combine(sub, probeFile));
    }
}
