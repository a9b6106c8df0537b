using System.Text;

namespace Hybrid.Cli;

/// <summary>Writes output files whole or not at all: a temporary file beside the target, then a rename.</summary>
static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, byte[] bytes)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public static void Write(string path, string text) => Write(path, new UTF8Encoding(false).GetBytes(text));
}
