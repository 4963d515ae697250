using System;
using System.Runtime.InteropServices;

namespace LibUid2
{
    /// <summary>Owns one uid2_client handle; freed by Dispose or, if the client is dropped, by
    /// the SafeHandle's critical finalizer. Marshalling it AddRefs it for the duration of each
    /// call, so Dispose racing a call never frees the handle under it.</summary>
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
