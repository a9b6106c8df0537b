using System.Diagnostics;
using System.Reflection;

namespace Hybrid.Cli.Hosting;

/// <summary>
/// Process-level settings for libtorch that only take effect in the environment a process starts with.
/// The CLI re-runs itself once with them when the user has not chosen otherwise.
/// </summary>
/// <remarks>
/// - OMP_NUM_THREADS=1: the games' tensors are tiny, so OpenMP's intra-op pool only spins and steals the two
///   cores from the explicit parallelism of the libraries (the two HOLA chains): IPD table 6.0 s -> 4.6 s. RL training
///   gains from two threads on an idle machine (PPO Breakout, 3 seeds: 17.6k -> 22.7k steps/s) but loses 2-3 times
///   over when another process holds a core, because the spinning threads wait for each other (benchmarks/threads.sh),
///   so it runs on one thread too unless the user sets OMP_NUM_THREADS.
///   torch.set_num_threads(1) from .NET is not enough, the pool libgomp already started keeps spinning.
/// - GLIBC_TUNABLES=glibc.malloc.hugetlb=1: malloc asks for transparent huge pages, which halves the page
///   faults of the large autograd graphs of high HOLA orders: IPD table 4.55 s -> 3.9 s (343k -> 166k faults).
/// Both are read by native code at load time, and .NET's Environment does not reach the native environment
/// on Unix, hence the re-run. Set HYBRID_NO_RERUN=1 to run in the first process as it is.
/// </remarks>
static class NativeSettings
{
    const string Marker = "HYBRID_NO_RERUN";

    /// <summary>
    /// On Linux, when the settings are missing, runs this same command in a child process with them and
    /// returns its exit code; returns null when the current process should do the work itself.
    /// </summary>
    public static int? RerunWithNativeSettings(string[] args)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Marker) != null) return null;
        var tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES");
        var wantHugePages = tunables == null && TransparentHugePagesAvailable();
        var wantOneThread = Environment.GetEnvironmentVariable("OMP_NUM_THREADS") == null;
        if (!wantHugePages && !wantOneThread) return null;
        var start = SelfStart(args);
        if (start == null) return null;
        start.Environment[Marker] = "1";
        if (wantOneThread) start.Environment["OMP_NUM_THREADS"] = "1";
        if (wantHugePages) start.Environment["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1";
        try
        {
            using var child = Process.Start(start);
            if (child == null) return null;
            child.WaitForExit();
            return child.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>
    /// How to start this same tool again with <paramref name="args"/>, or null when this process is not the hybrid
    /// tool (a test host calling <see cref="CommandLine.Run"/>, for instance).
    /// </summary>
    public static ProcessStartInfo? SelfStart(IEnumerable<string> args)
    {
        var host = Environment.ProcessPath;
        var entry = Assembly.GetEntryAssembly();
        if (host == null || entry != typeof(NativeSettings).Assembly) return null;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        // Under `dotnet hybrid.dll` the host is dotnet and the application is an argument.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet" && entry.Location is { Length: > 0 } dll)
            start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    static bool TransparentHugePagesAvailable()
    {
        try { return !File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[never]"); }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
