using System;
using System.Runtime.CompilerServices;

namespace LibUid2
{
    /// <summary>Facts about the loaded libuid2 (libuid2 extra).</summary>
    public static class Uid2Library
    {
        /// <summary>The native library's release version, e.g. "0.1.0".</summary>
        public static string Version
        {
            get { LibraryLoader.EnsureLoaded(); return GetVersion(); }
        }

        /// <summary>(major &lt;&lt; 16) | minor of the loaded library's C ABI.</summary>
        public static uint AbiVersion
        {
            get { LibraryLoader.EnsureLoaded(); return GetAbiVersion(); }
        }

        /// <summary>Where the library was loaded from (a full path, or libuid2.so.1 for the system loader).</summary>
        public static string LibraryPath { get { return LibraryLoader.ResolvedPath; } }

        /// <summary>Native client handles alive in this process (for leak checks).</summary>
        public static long LiveClientCount
        {
            get { LibraryLoader.EnsureLoaded(); return GetClientCount(); }
        }

        // Mono binds a P/Invoke when it compiles the calling method: call only after EnsureLoaded.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string GetVersion() { return Text.FromCString(Native.Version()); }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static uint GetAbiVersion() { return Native.AbiVersion(); }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static long GetClientCount() { return (long)Native.ClientCount().ToUInt64(); }
    }
}

namespace LibUid2.Testing
{
    /// <summary>
    /// INSECURE — FOR TESTS ONLY. Encrypts with caller-chosen AES-GCM nonces so that test vectors
    /// are byte-exact. Reusing a nonce with the same key destroys the confidentiality and
    /// integrity of every token made with it: never call this outside tests.
    /// </summary>
    public static class InsecureForTests
    {
        /// <param name="nonces">24 bytes: the 12-byte master-layer nonce, then the 12-byte site-layer nonce.</param>
        /// <param name="keysetId">0 for the default keyset.</param>
        public static EncryptionDataResponse EncryptWithNoncesInsecureForTests(SharingClient client, string rawUid,
            DateTime now, long keysetId, byte[] nonces)
        {
            if (client == null) throw new ArgumentNullException("client");
            return client.Core.EncryptWithNoncesInsecureForTests(rawUid, ClientCore.ToUnixMs(now), keysetId, nonces);
        }
    }
}
