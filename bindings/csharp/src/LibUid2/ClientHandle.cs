using System;
using System.Runtime.InteropServices;

namespace LibUid2
{
    /// <summary>Owns one uid2_client handle; freed by Dispose or, if the client is dropped, by
    /// the SafeHandle's critical finalizer. Calls that marshal it AddRef it for their duration;
    /// the single-token calls pass its value instead, which is as safe: the library never reuses
    /// a handle, so a call racing Dispose gets INVALID_HANDLE.</summary>
    internal sealed class ClientHandle : SafeHandle
    {
        internal ClientHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        internal void Set(ulong value) { SetHandle((IntPtr)(long)value); }

        internal ulong Value { get { return (ulong)(long)handle; } }

        protected override bool ReleaseHandle()
        {
            // INVALID_HANDLE or FORKED_PROCESS: nothing left to free in this process.
            Native.ClientFree((ulong)(long)handle);
            return true;
        }
    }
}
