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

        // Mono stops the world in one of three ways (MONO_THREADS_SUSPEND): coop waits for every
        // thread to reach a safe point and lets threads inside native code run on; hybrid, the
        // default since Mono 6, does the same for managed code but stops threads inside native
        // code with a signal; preemptive signals every thread. A thread signalled inside the Go
        // runtime can hold a runtime lock that another thread Mono waits for needs, and both
        // runtimes then wait for ever. libuid2 itself keeps that from happening under coop and
        // hybrid (each call runs inside Go as a GC-unsafe region of Mono's embedding API), and
        // refuses calls under preemptive suspend, where such regions do nothing, with
        // UNSUPPORTED_HOST (capi/uid2.c): it asks Mono rather than guessing from the variable.
        // It finds those functions among the process's global symbols; where Mono is embedded
        // without exporting them it can do neither, and only coop, which never signals a thread
        // in native code, is safe. That is the one case checked here.
        private static void CheckMonoSuspendMode()
        {
            string mode = (Environment.GetEnvironmentVariable("MONO_THREADS_SUSPEND") ?? "").Trim();
            if (mode != "coop" && !MonoExports("mono_threads_enter_gc_unsafe_region"))
            {
                throw new Uid2LibraryException(
                    "libuid2 cannot find Mono's mono_threads_enter_gc_unsafe_region among this process's symbols, so " +
                    "it cannot keep Mono's signal-based thread suspend from stopping a thread inside the Go runtime, " +
                    "which deadlocks. Run with MONO_THREADS_SUSPEND=coop.");
            }
        }

        // Whether the process's global symbols have this function, as libuid2 looks for it
        // (dlsym(RTLD_DEFAULT)); false where dlsym itself cannot be reached.
        private static bool MonoExports(string symbol)
        {
            try
            {
                return Dlsym(IntPtr.Zero, symbol) != IntPtr.Zero;
            }
            catch (DllNotFoundException)
            {
                return false;
            }
            catch (EntryPointNotFoundException)
            {
                return false;
            }
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

        // RTLD_DEFAULT is a null handle in glibc. Every glibc has libdl.so.2 (since 2.34 a stub
        // whose lookups reach dlsym in libc.so.6); where there is none, MonoExports says false.
        [DllImport("libdl.so.2", EntryPoint = "dlsym", CallingConvention = CallingConvention.Cdecl)]
        [SuppressUnmanagedCodeSecurity]
        private static extern IntPtr Dlsym(IntPtr handle, string symbol);

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
