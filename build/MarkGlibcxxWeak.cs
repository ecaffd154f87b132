// MSBuild inline task (RoslynCodeTaskFactory), compiled by Directory.Build.targets.
//
// libLibTorchSharp.so from TorchSharp 0.107.0 was linked against GCC 13's libstdc++ and declares a
// need for GLIBCXX_3.4.32. The only symbol of that version it names is std::ios_base_library_init(),
// a bare reference that GCC 13 emits from <iostream> and that is never called. Debian 12 ships
// GCC 12 (up to GLIBCXX_3.4.30), so the dynamic loader refuses the library. Setting VER_FLG_WEAK
// (0x2) in the vna_flags of that one Elf64_Vernaux entry turns the hard requirement into a weak
// one: the loader then only warns (silently) and the library loads.
//
// RoslynCodeTaskFactory compiles this against netstandard2.0, so only APIs from there are used.
// The target that calls it runs on Linux only.
// The task writes a patched copy over the file in the build/publish output (never the NuGet cache),
// and only when the system's libstdc++ lacks the version.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class MarkGlibcxxWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>The libLibTorchSharp.so files in an output folder to patch.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The symbol version whose requirement is made weak.</summary>
    public string Version { get; set; } = "GLIBCXX_3.4.32";

    public override bool Execute()
    {
        if (SystemLibStdCxxHas(Version))
        {
            Log.LogMessage(MessageImportance.Low, $"System libstdc++ provides {Version}; nothing to patch.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            if (!File.Exists(path)) continue;
            try
            {
                var bytes = File.ReadAllBytes(path);
                var result = Patch(bytes, Version);
                if (result == PatchResult.Patched)
                {
                    // Write a new file and move it over the old one: if the output copy is a hard
                    // link into the NuGet cache, the cache keeps its original bytes.
                    var tmp = path + ".weak.tmp";
                    File.WriteAllBytes(tmp, bytes);
                    File.Delete(path);
                    File.Move(tmp, path);
                    Log.LogMessage(MessageImportance.Normal, $"Marked {Version} weak in {path}");
                }
                else
                {
                    Log.LogMessage(MessageImportance.Low, $"{path}: {result}");
                }
            }
            catch (Exception e)
            {
                Log.LogError($"Could not patch {path} for {Version}: {e.Message}");
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            var data = File.ReadAllBytes(c);
            return IndexOf(data, needle) >= 0;
        }
        return false; // no libstdc++ found where expected: patching is harmless, so patch.
    }

    private static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    public enum PatchResult { Patched, AlreadyWeak, NotNeeded, NotElf64 }

    /// <summary>Sets VER_FLG_WEAK on every Vernaux entry named <paramref name="version"/>.</summary>
    public static PatchResult Patch(byte[] b, string version)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            return PatchResult.NotElf64; // only 64-bit little-endian
        ulong shoff = BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A);
        int shnum = BitConverter.ToUInt16(b, 0x3C);
        bool found = false, changed = false;
        for (int s = 0; s < shnum; s++)
        {
            int sh = checked((int)shoff + s * shentsize);
            if (BitConverter.ToUInt32(b, sh + 4) != ShtGnuVerneed) continue;
            int off = checked((int)BitConverter.ToUInt64(b, sh + 24));
            int link = (int)BitConverter.ToUInt32(b, sh + 40);
            int count = (int)BitConverter.ToUInt32(b, sh + 44);
            int strsh = checked((int)shoff + link * shentsize);
            int stroff = checked((int)BitConverter.ToUInt64(b, strsh + 24));
            int vn = off;
            for (int n = 0; n < count; n++)
            {
                int cnt = BitConverter.ToUInt16(b, vn + 2);
                int aux = vn + (int)BitConverter.ToUInt32(b, vn + 8);
                for (int a = 0; a < cnt; a++)
                {
                    int nameOff = stroff + (int)BitConverter.ToUInt32(b, aux + 8);
                    int end = nameOff;
                    while (b[end] != 0) end++;
                    if (Encoding.ASCII.GetString(b, nameOff, end - nameOff) == version)
                    {
                        found = true;
                        ushort flags = BitConverter.ToUInt16(b, aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            flags |= VerFlgWeak;
                            b[aux + 4] = (byte)(flags & 0xff);
                            b[aux + 5] = (byte)(flags >> 8);
                            changed = true;
                        }
                    }
                    aux += (int)BitConverter.ToUInt32(b, aux + 12);
                }
                vn += (int)BitConverter.ToUInt32(b, vn + 12);
            }
        }
        return changed ? PatchResult.Patched : found ? PatchResult.AlreadyWeak : PatchResult.NotNeeded;
    }
}
