using System.Runtime.CompilerServices;

namespace Hybrid;

// Compiled into Hybrid.Games.Core and Hybrid.Scaling. Runs Hybrid.Kernel's module initializer (TorchNative.Load)
// when the assembly is first used, so a user whose first call is into it gets the Debian 12 fallback before any
// tensor is made.
static class TorchNativeInitializer
{
#pragma warning disable CA2255 // A library's module initializer is the point: users should not have to call anything.
    [ModuleInitializer]
    internal static void Initialize() => RuntimeHelpers.RunModuleConstructor(typeof(Hybrid.Kernel.TorchNative).Module.ModuleHandle);
#pragma warning restore CA2255
}
