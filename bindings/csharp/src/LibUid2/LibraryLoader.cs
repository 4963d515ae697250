// Finds and checks libuid2 before the first P/Invoke into it.
//
// Lookup order (the same in every binding):
//   1. UID2_LIBRARY_PATH, the full path of the shared object, when set;
//   2. the copy shipped in the package: runtimes/<rid>/native/libuid2.so next
//      to LibUid2.dll (an application's output folder) or two folders up (the
//      unpacked .nupkg, lib/netstandard2.0/LibUid2.dll), or libuid2.so beside
//      the assembly;
//   3. the system loader's libuid2.so.1.
// Mono: the chosen file is mapped to the DllImport name "uid2" with Mono's
// global dllmap (mono_dllmap_insert). .NET Core 3.0+: NativeLibrary's
// DllImport resolver (reached by reflection, the assembly targets
// netstandard2.0). Other runtimes: the runtime's own probing of "uid2".
using System;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security;

namespace LibUid2
{
    internal static class LibraryLoader
    {
        internal const string PathVariable = "UID2_LIBRARY_PATH";
        internal const string SystemName = "libuid2.so.1";

        private static readonly object Gate = new object();
        private static volatile bool _loaded;
        private static Exception _failure;
        private static string _resolvedPath;

        internal static string ResolvedPath { get { EnsureLoaded(); return _resolvedPath; } }

        internal static bool IsMono { get { return Type.GetType("Mono.Runtime") != null; } }

        internal static void EnsureLoaded()
        {
            if (_loaded) return;
            lock (Gate)
            {
                if (_loaded) return;
                if (_failure != null) throw new Uid2LibraryException(_failure.Message, _failure);
                try
                {
                    Load();
                    _loaded = true;
                }
                catch (Exception e)
                {
                    _failure = e;
                    if (e is Uid2LibraryException) throw;
                    throw new Uid2LibraryException(e.Message, e);
                }
            }
        }

        private static void Load()
        {
            if (IsMono) CheckMonoSuspendMode();

            string path = Choose();
            _resolvedPath = path;
            if (IsMono) MapForMono(path);
            else MapForCoreClr(path);

            uint abi;
            try
            {
                abi = FirstCall();
            }
            catch (DllNotFoundException e)
            {
                throw new Uid2LibraryException("libuid2 could not be loaded from " + path +
                    " (set " + PathVariable + " to the full path of libuid2.so): " + e.Message, e);
            }
            catch (EntryPointNotFoundException e)
            {
                throw new Uid2LibraryException(path + " is not libuid2 (no uid2_abi_version): " + e.Message, e);
            }
            int major = (int)(abi >> 16), minor = (int)(abi & 0xFFFF);
            if (major != Native.AbiMajor || minor < Native.AbiMinor)
            {
                throw new Uid2LibraryException(string.Format(
                    "libuid2 at {0} has ABI {1}.{2}; this binding needs {3}.{4} or a later minor",
                    path, major, minor, Native.AbiMajor, Native.AbiMinor));
            }
        }

        // Mono resolves a P/Invoke when it compiles the calling method, so the
        // first call into libuid2 lives in a method compiled after the map.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static uint FirstCall() { return Native.AbiVersion(); }

        internal const string SuspendCheckVariable = "UID2_MONO_SUSPEND_CHECK";

        // Mono stops the world by signalling threads: in preemptive mode every thread, in hybrid
        // mode (the default) every thread inside a P/Invoke. A thread signalled inside Go code is
        // parked holding Go runtime state (a P, or the extra-M list another thread is waiting
        // for with signals blocked), and Mono's stop-the-world and the Go runtime deadlock.
        // HOSTS.md saw this with preemptive; this binding's 8-thread stress test reproduced it
        // with the default hybrid mode too (same stacks: needm/lockextra, stoplockedm). Only coop
        // mode never signals threads in native code, so it is required; UID2_MONO_SUSPEND_CHECK=off
        // skips the check for those who accept the risk.
        private static void CheckMonoSuspendMode()
        {
            string check = Environment.GetEnvironmentVariable(SuspendCheckVariable);
            if (check != null && check.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return;
            string mode = (Environment.GetEnvironmentVariable("MONO_THREADS_SUSPEND") ?? "").Trim().ToLowerInvariant();
            if (mode == "coop") return;
            throw new Uid2LibraryException(
                "libuid2 needs MONO_THREADS_SUSPEND=coop on Mono (it is " + (mode.Length == 0 ? "unset, i.e. hybrid" : mode) +
                "): Mono's signal-based thread suspension (preemptive, and hybrid for threads in native code) " +
                "deadlocks with the Go runtime inside libuid2. Set MONO_THREADS_SUSPEND=coop before starting mono " +
                "(or " + SuspendCheckVariable + "=off to skip this check at the risk of a deadlock).");
        }

        private static string Choose()
        {
            string env = Environment.GetEnvironmentVariable(PathVariable);
            if (!string.IsNullOrEmpty(env))
            {
                if (!File.Exists(env))
                    throw new Uid2LibraryException(PathVariable + " is set but names no file: " + env);
                return Path.GetFullPath(env);
            }
            foreach (string candidate in PackagedCandidates())
            {
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            return SystemName;
        }

        private static string[] PackagedCandidates()
        {
            string dir;
            try
            {
                string location = typeof(LibraryLoader).Assembly.Location;
                if (string.IsNullOrEmpty(location)) return new string[0];
                dir = Path.GetDirectoryName(location);
            }
            catch (Exception)
            {
                return new string[0];
            }
            string native = Path.Combine(Path.Combine("runtimes", RuntimeId()), "native");
            return new[]
            {
                Path.Combine(Path.Combine(dir, native), "libuid2.so"),
                Path.Combine(Path.Combine(Path.Combine(Path.Combine(dir, ".."), ".."), native), "libuid2.so"),
                Path.Combine(dir, "libuid2.so"),
            };
        }

        private static string RuntimeId()
        {
            string arch;
            switch (RuntimeInformation.ProcessArchitecture)
            {
                case Architecture.X64: arch = "x64"; break;
                case Architecture.Arm64: arch = "arm64"; break;
                case Architecture.X86: arch = "x86"; break;
                case Architecture.Arm: arch = "arm"; break;
                default: arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(); break;
            }
            return "linux-" + arch;
        }

        // ---- Mono -----------------------------------------------------------

        [DllImport("__Internal", EntryPoint = "mono_dllmap_insert", CallingConvention = CallingConvention.Cdecl)]
        [SuppressUnmanagedCodeSecurity]
        private static extern void MonoDllMapInsert(IntPtr assembly, string dll, string func, string tdll, string tfunc);

        private static void MapForMono(string path)
        {
            try
            {
                MonoDllMapInsert(IntPtr.Zero, Native.Lib, null, path, null);
            }
            catch (Exception e)
            {
                // Without the map Mono probes "uid2" itself (libuid2.so on
                // LD_LIBRARY_PATH or an app's <dllmap>); say why if that fails.
                if (path != SystemName)
                    throw new Uid2LibraryException("cannot map libuid2 to " + path + " on this Mono: " + e.Message, e);
            }
        }

        // ---- .NET Core 3.0+ ---------------------------------------------------

        private static string _coreClrPath;

        private static void MapForCoreClr(string path)
        {
            Type nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary");
            Type resolverType = Type.GetType("System.Runtime.InteropServices.DllImportResolver");
            if (nativeLibrary == null || resolverType == null) return; // .NET Framework: default probing
            _coreClrPath = path;
            MethodInfo set = nativeLibrary.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
            MethodInfo resolve = typeof(LibraryLoader).GetMethod("ResolveCoreClr", BindingFlags.NonPublic | BindingFlags.Static);
            if (set == null || resolve == null) return;
            try
            {
                set.Invoke(null, new object[] { typeof(LibraryLoader).Assembly, Delegate.CreateDelegate(resolverType, resolve) });
            }
            catch (TargetInvocationException)
            {
                // A resolver was already set for this assembly: keep it.
            }
        }

        private static IntPtr ResolveCoreClr(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != Native.Lib || _coreClrPath == null) return IntPtr.Zero;
            Type nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary");
            MethodInfo tryLoad = nativeLibrary.GetMethod("TryLoad", new[] { typeof(string), typeof(IntPtr).MakeByRefType() });
            object[] args = { _coreClrPath, IntPtr.Zero };
            if (tryLoad != null && (bool)tryLoad.Invoke(null, args)) return (IntPtr)args[1];
            return IntPtr.Zero; // fall back to the runtime's probing (deps.json runtimes/ assets)
        }
    }
}
