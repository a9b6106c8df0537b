using System.Runtime.InteropServices;

namespace Hybrid.Cli;

/// <summary>Process-level threading setup for libtorch, done before the native library loads.</summary>
static class NativeThreads
{
    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi)]
    static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>
    /// Sets OMP_NUM_THREADS=1 unless the user chose a value. The games' tensors are tiny, so OpenMP's
    /// intra-op pool only spins and steals the cores from the explicit parallelism of the libraries
    /// (e.g. the two HOLA chains): measured 4.6 s instead of 6 s for the IPD table on 2 cores.
    /// libgomp reads the variable when it loads, so .NET's Environment (which does not reach the
    /// native environment on Unix) and torch.set_num_threads (which leaves the spinning pool) do not help.
    /// </summary>
    public static void PreferSingleIntraOpThread()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("OMP_NUM_THREADS") != null) return;
        try { SetEnv("OMP_NUM_THREADS", "1", 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
