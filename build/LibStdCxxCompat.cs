#nullable enable
// Build-time compatibility fix for TorchSharp 0.107.0 on Linux distributions whose libstdc++ is older
// than GCC 13 (Debian 12 ships GLIBCXX_3.4.30).
//
// libLibTorchSharp.so lists GLIBCXX_3.4.32 among the versions it needs from libstdc++.so.6, for one
// symbol (_ZSt21ios_base_library_initv) that no relocation uses. The dynamic loader refuses the whole
// library because the version is missing, although nothing would ever bind to it. We rewrite that one
// version-needed entry (.gnu.version_r vernaux: hash and name offset) so that it names a GLIBCXX version
// the library already needs and the system provides. Only the build output copy is rewritten, by writing
// a new file and renaming it over the old one, so a hard link into the NuGet cache can never be modified.
//
// One source, three uses: MSBuild's RoslynCodeTaskFactory compiles it as the task PatchLibStdCxxVersionNeed
// (build/LibStdCxxCompat.targets, imported by Directory.Build.targets here and shipped as the buildTransitive
// targets of the Hybrid.Kernel package together with this file); Hybrid.Kernel compiles it with
// HYBRID_NO_MSBUILD_TASK defined, which leaves out the MSBuild wrapper, for the runtime fallback of hosts that
// never build (TorchNative); and the test project compiles it the same way to test the patch logic. The types
// are internal so that the copies compiled into different assemblies never clash.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace Hybrid.Build
{
    /// <summary>What <see cref="LibStdCxxCompat.Patch"/> did to one library.</summary>
    internal enum PatchOutcome
    {
        /// <summary>The library does not need the missing version (never did, or was patched before).</summary>
        NotNeeded,
        /// <summary>The system libstdc++ provides the version, so the library loads as it is.</summary>
        SystemProvidesVersion,
        /// <summary>The version-needed entry was rewritten.</summary>
        Patched,
        /// <summary>The file is not a 64-bit little-endian ELF shared object with a .gnu.version_r section.</summary>
        NotElf,
    }

    /// <summary>Rewrites the GLIBCXX_3.4.32 version-needed entry of an ELF shared object.</summary>
    internal static class LibStdCxxCompat
    {
        /// <summary>The version that libLibTorchSharp.so asks for and Debian 12 lacks.</summary>
        public const string MissingVersion = "GLIBCXX_3.4.32";

        const uint ShtGnuVerneed = 0x6ffffffe;
        const uint ShtDynamic = 6;
        const ulong DtNull = 0, DtNeeded = 1;

        /// <summary>Standard locations of the system libstdc++, searched in order.</summary>
        public static readonly string[] SystemLibStdCxxCandidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        /// <summary>The system libstdc++ the dynamic loader will use, or null when none is found.</summary>
        public static string? FindSystemLibStdCxx() => SystemLibStdCxxCandidates.FirstOrDefault(File.Exists);

        /// <summary>True when the library file defines the given symbol version (its name appears as a string).</summary>
        public static bool Provides(string libraryPath, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            var bytes = File.ReadAllBytes(libraryPath);
            return IndexOf(bytes, needle) >= 0;
        }

        /// <summary>
        /// Patches <paramref name="libraryPath"/> in place (write-new-then-rename) when the system libstdc++ at
        /// <paramref name="systemLibStdCxx"/> lacks <see cref="MissingVersion"/>. Idempotent: a patched
        /// library no longer needs the version, so a second call returns <see cref="PatchOutcome.NotNeeded"/>.
        /// </summary>
        public static PatchOutcome Patch(string libraryPath, string systemLibStdCxx)
        {
            var bytes = File.ReadAllBytes(libraryPath);
            var outcome = PatchImage(bytes, systemLibStdCxx, libraryPath);
            if (outcome != PatchOutcome.Patched) return outcome;

            var info = new FileInfo(libraryPath);
            var stamp = info.LastWriteTimeUtc;
            var temp = libraryPath + ".hybrid-patch.tmp";
            // Copying first keeps the file mode; the rename then replaces the directory entry only.
            File.Copy(libraryPath, temp, overwrite: true);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.Write))
                stream.Write(bytes, 0, bytes.Length);
            // Keeping the original timestamp lets MSBuild's incremental copy see the file as up to date,
            // so a rebuild does not copy the unpatched library over the patched one again.
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Replace(temp, libraryPath, null);
            return PatchOutcome.Patched;
        }

        /// <summary>
        /// Rewrites the <see cref="MissingVersion"/> need inside <paramref name="bytes"/>, a whole library image,
        /// when the system libstdc++ at <paramref name="systemLibStdCxx"/> lacks it. Returns
        /// <see cref="PatchOutcome.Patched"/> only when the bytes changed; <paramref name="libraryName"/> names the
        /// library in errors.
        /// </summary>
        public static PatchOutcome PatchImage(byte[] bytes, string systemLibStdCxx, string libraryName)
        {
            var entries = ReadLibStdCxxNeeds(bytes);
            if (entries == null) return PatchOutcome.NotElf;
            var missing = entries.FirstOrDefault(e => e.Name == MissingVersion);
            if (missing == null) return PatchOutcome.NotNeeded;
            if (Provides(systemLibStdCxx, MissingVersion)) return PatchOutcome.SystemProvidesVersion;

            var system = File.ReadAllBytes(systemLibStdCxx);
            var replacement = entries
                .Where(e => e != missing && e.Name.StartsWith("GLIBCXX_3.4.", StringComparison.Ordinal))
                .Where(e => IndexOf(system, Encoding.ASCII.GetBytes(e.Name + "\0")) >= 0)
                .OrderByDescending(e => int.Parse(e.Name.Substring("GLIBCXX_3.4.".Length)))
                .FirstOrDefault();
            if (replacement == null)
                throw new InvalidOperationException(
                    $"{libraryName}: needs {MissingVersion}, and none of the other GLIBCXX versions it names is provided by {systemLibStdCxx}");

            WriteU32(bytes, missing.AuxOffset + 0, ElfHash(replacement.Name));
            WriteU32(bytes, missing.AuxOffset + 8, replacement.NameOffset);
            return PatchOutcome.Patched;
        }

        /// <summary>The version names that the library needs from libstdc++.so.6, or null if it is not a suitable ELF file.</summary>
        public static IReadOnlyList<string>? LibStdCxxVersionsNeeded(string libraryPath) =>
            ReadLibStdCxxNeeds(File.ReadAllBytes(libraryPath))?.Select(e => e.Name).ToList();

        /// <summary>The (name, stored vna_hash) pairs the library needs from libstdc++.so.6, or null if it is not a suitable ELF file.</summary>
        public static IReadOnlyList<KeyValuePair<string, uint>>? LibStdCxxVersionHashes(string libraryPath)
        {
            var bytes = File.ReadAllBytes(libraryPath);
            return ReadLibStdCxxNeeds(bytes)?.Select(e => new KeyValuePair<string, uint>(e.Name, ReadU32(bytes, e.AuxOffset))).ToList();
        }

        /// <summary>The SysV ELF hash of a symbol version name (the value stored in vna_hash).</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (var c in Encoding.ASCII.GetBytes(name))
            {
                h = (h << 4) + c;
                var g = h & 0xf0000000;
                if (g != 0) h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        sealed class Need
        {
            public Need(string name, int auxOffset, uint nameOffset) { Name = name; AuxOffset = auxOffset; NameOffset = nameOffset; }
            public string Name { get; }
            public int AuxOffset { get; }
            public uint NameOffset { get; }
        }

        static List<Need>? ReadLibStdCxxNeeds(byte[] b)
        {
            if (!FindSection(b, ShtGnuVerneed, out var offset, out _, out var count, out var strtab)) return null;
            var result = new List<Need>();
            var vn = offset;
            for (var n = 0; n < count; n++) // sh_info: number of Verneed entries
            {
                int cnt = ReadU16(b, vn + 2);
                var file = ReadString(b, strtab + (int)ReadU32(b, vn + 4));
                if (file == "libstdc++.so.6")
                {
                    var aux = vn + (int)ReadU32(b, vn + 8);
                    for (var k = 0; k < cnt; k++)
                    {
                        var nameOffset = ReadU32(b, aux + 8);
                        result.Add(new Need(ReadString(b, strtab + (int)nameOffset), aux, nameOffset));
                        aux += (int)ReadU32(b, aux + 12);
                    }
                }
                var next = (int)ReadU32(b, vn + 12);
                if (next == 0) break;
                vn += next;
            }
            return result;
        }

        /// <summary>
        /// The libraries an ELF shared object names in DT_NEEDED, in order, or null if it is not a suitable ELF
        /// file. The runtime fallback loads them from their own folder before it loads a patched copy kept elsewhere,
        /// whose $ORIGIN run path no longer reaches them.
        /// </summary>
        public static IReadOnlyList<string>? NeededLibraries(string libraryPath)
        {
            var b = File.ReadAllBytes(libraryPath);
            if (!FindSection(b, ShtDynamic, out var offset, out var size, out _, out var strtab)) return null;
            var result = new List<string>();
            for (var at = offset; at + 16 <= offset + size; at += 16)
            {
                var tag = ReadU64(b, at);
                if (tag == DtNull) break;
                if (tag == DtNeeded) result.Add(ReadString(b, strtab + (int)ReadU64(b, at + 8)));
            }
            return result;
        }

        // The first section of the given type: its file offset, size, sh_info and the file offset of the string
        // table its sh_link names. ELF64 little-endian only: the platforms TorchSharp ships Linux natives for.
        static bool FindSection(byte[] b, uint type, out int offset, out int size, out int info, out int strtab)
        {
            offset = size = info = strtab = 0;
            if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F') return false;
            if (b[4] != 2 || b[5] != 1) return false;
            var shoff = (long)ReadU64(b, 0x28);
            int shentsize = ReadU16(b, 0x3a), shnum = ReadU16(b, 0x3c);
            if (shoff <= 0 || shentsize < 64 || shoff + (long)shnum * shentsize > b.Length) return false;
            for (var i = 0; i < shnum; i++)
            {
                var sh = (int)(shoff + i * shentsize);
                if (ReadU32(b, sh + 4) != type) continue;
                offset = (int)ReadU64(b, sh + 0x18);
                size = (int)ReadU64(b, sh + 0x20);
                var link = (int)ReadU32(b, sh + 0x28);
                info = (int)ReadU32(b, sh + 0x2c);
                strtab = (int)ReadU64(b, (int)(shoff + link * shentsize) + 0x18);
                return true;
            }
            return false;
        }

        static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (var i = 0; i + needle.Length <= haystack.Length; i++)
            {
                if (haystack[i] != needle[0]) continue;
                var j = 1;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        static string ReadString(byte[] b, int at)
        {
            var end = at;
            while (b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, at, end - at);
        }

        static ushort ReadU16(byte[] b, int at) => (ushort)(b[at] | b[at + 1] << 8);
        static uint ReadU32(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);
        static ulong ReadU64(byte[] b, int at) => ReadU32(b, at) | (ulong)ReadU32(b, at + 4) << 32;
        static void WriteU32(byte[] b, int at, uint v) { b[at] = (byte)v; b[at + 1] = (byte)(v >> 8); b[at + 2] = (byte)(v >> 16); b[at + 3] = (byte)(v >> 24); }
    }

#if !HYBRID_NO_MSBUILD_TASK
    /// <summary>MSBuild task: patches every libLibTorchSharp.so under <see cref="Directory"/>.</summary>
    public class PatchLibStdCxxVersionNeed : Microsoft.Build.Utilities.Task
    {
        /// <summary>The output (or publish) folder to search.</summary>
        [Microsoft.Build.Framework.Required]
        public string Directory { get; set; } = "";

        public override bool Execute()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !System.IO.Directory.Exists(Directory)) return true;
            var system = LibStdCxxCompat.FindSystemLibStdCxx();
            if (system == null) return true;
            foreach (var lib in System.IO.Directory.EnumerateFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories))
            {
                try
                {
                    if (LibStdCxxCompat.Patch(lib, system) == PatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low,
                            $"Hybrid: rewrote the {LibStdCxxCompat.MissingVersion} version need of {lib} (system libstdc++ lacks it)");
                }
                catch (Exception e) when (e is IOException || e is InvalidOperationException || e is UnauthorizedAccessException)
                {
                    Log.LogError($"Hybrid: could not patch {lib}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
