// P/Invoke declarations for capi/uid2.h. Nothing here has logic: every
// signature mirrors the header one to one (size_t as UIntPtr, uid2_client as
// the SafeHandle or, in the single-token calls, its value; uid2_status as int).
using System;
using System.Runtime.InteropServices;
using System.Security;

namespace LibUid2
{
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct NativeDecryptionResult
    {
        internal const int UidInlineCapacity = 256; // UID2_UID_INLINE_CAPACITY

        public int Status;
        public int SiteId;
        public int SiteKeySiteId;
        public int IdentityScope;
        public int IdentityType;
        public int AdvertisingTokenVersion;
        public int IsClientSideGenerated;
        public int UidLen;
        public long EstablishedMs;
        public long ExpiryMs;
        public fixed byte Uid[UidInlineCapacity + 1];
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeRefreshState
    {
        public long LastSuccessMs;
        public long LastFailureMs;
        public int ConsecutiveFailures;
        public int AutoRefreshRunning;
        public int HasKeys;
        public int KeyCount;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeRefreshEvent
    {
        public ulong Seq;
        public long TimeMs;
        public int Success;
        public int Automatic;
        public int KeyCount;
        public int ConsecutiveFailures;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct NativeEncryptDataRequest
    {
        public byte* Data;
        public UIntPtr DataLen;
        public int SiteId;
        public byte* AdvertisingToken;
        public UIntPtr AdvertisingTokenLen;
        public long KeyId;
        public byte* Iv;
        public UIntPtr IvLen;
        public long NowMs;
    }

    [SuppressUnmanagedCodeSecurity]
    internal static unsafe class Native
    {
        // Resolved by LibraryLoader (UID2_LIBRARY_PATH, the packaged copy,
        // then the system loader's libuid2.so.1) before the first call.
        internal const string Lib = "uid2";

        internal const int AbiMajor = 1;
        // 1.2: UNSUPPORTED_HOST, which the Mono check relies on; 1.3: waiting for keys, refresh
        // events, legacy encrypted data.
        internal const int AbiMinor = 3;

        // Status numbers of uid2.h.
        internal const int Success = 0;
        internal const int NotAuthorizedForKey = 1;
        internal const int NotAuthorizedForMasterKey = 2;
        internal const int NotInitialized = 3;
        internal const int InvalidPayload = 4;
        internal const int ExpiredToken = 5;
        internal const int KeysNotSynced = 6;
        internal const int VersionNotSupported = 7;
        internal const int InvalidPayloadType = 8;
        internal const int InvalidIdentityScope = 9;
        internal const int InvalidTokenLifetime = 10;
        internal const int DomainOrAppNameCheckFailed = 11;
        internal const int UserOptedOut = 12;
        internal const int EncryptionFailure = 13;
        internal const int TokenDecryptFailure = 14;
        internal const int KeyInactive = 15;
        internal const int BufferTooSmall = 100;
        internal const int InvalidHandle = 101;
        internal const int InvalidArgument = 102;
        internal const int InternalError = 103;
        internal const int ForkedProcess = 104;
        internal const int RefreshFailed = 105;
        internal const int InvalidKeys = 106;
        internal const int WrongClientType = 107;
        internal const int UnsupportedHost = 108;
        internal const int TimedOut = 109;

        internal const int ClientSharing = 1;
        internal const int ClientBidstream = 2;

        internal const int ScopeUid2 = 0;
        internal const int ScopeEuid = 1;

        [DllImport(Lib, EntryPoint = "uid2_abi_version", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint AbiVersion();

        [DllImport(Lib, EntryPoint = "uid2_version", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr Version();

        [DllImport(Lib, EntryPoint = "uid2_status_name", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr StatusName(int status);

        [DllImport(Lib, EntryPoint = "uid2_last_error_message", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr LastErrorMessage(byte* buf, UIntPtr cap);

        [DllImport(Lib, EntryPoint = "uid2_client_new", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int ClientNew(int type, byte* baseUrl, byte* apiKey, byte* secretKey, out ulong client);

        // Takes the raw value: called only from the SafeHandle's ReleaseHandle.
        [DllImport(Lib, EntryPoint = "uid2_client_set_default_identity_scope", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int ClientSetDefaultIdentityScope(ClientHandle client, int scope);

        [DllImport(Lib, EntryPoint = "uid2_client_free", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int ClientFree(ulong client);

        [DllImport(Lib, EntryPoint = "uid2_client_count", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern UIntPtr ClientCount();

        [DllImport(Lib, EntryPoint = "uid2_refresh", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int Refresh(ClientHandle client, uint timeoutMs);

        [DllImport(Lib, EntryPoint = "uid2_refresh_json", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int RefreshJson(ClientHandle client, byte* json, UIntPtr jsonLen);

        [DllImport(Lib, EntryPoint = "uid2_auto_refresh_start", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int AutoRefreshStart(ClientHandle client, uint intervalMs, uint timeoutMs);

        [DllImport(Lib, EntryPoint = "uid2_auto_refresh_stop", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int AutoRefreshStop(ClientHandle client);

        [DllImport(Lib, EntryPoint = "uid2_refresh_state_get", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int RefreshStateGet(ClientHandle client, NativeRefreshState* state, byte* errorBuf, UIntPtr errorCap);

        // The waits take the handle as a plain value: a marshalled SafeHandle would keep Dispose
        // from freeing the client until the wait ended; freeing it ends the wait instead
        // (INVALID_HANDLE).
        [DllImport(Lib, EntryPoint = "uid2_wait_for_keys", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int WaitForKeys(ulong client, uint timeoutMs);

        [DllImport(Lib, EntryPoint = "uid2_refresh_event_wait", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int RefreshEventWait(ulong client, ulong afterSeq, uint timeoutMs, NativeRefreshEvent* ev,
            byte* msgBuf, UIntPtr msgCap, UIntPtr* msgLen);

        [DllImport(Lib, EntryPoint = "uid2_encrypt_data", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int EncryptData(ClientHandle client, NativeEncryptDataRequest* request, byte* output, UIntPtr outCap,
            out UIntPtr outLen);

        [DllImport(Lib, EntryPoint = "uid2_decrypt_data", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int DecryptData(ClientHandle client, byte* encrypted, UIntPtr encryptedLen, byte* output, UIntPtr outCap,
            out UIntPtr outLen, out long encryptedAtMs, out int siteId);

        // The single-token calls take the handle as a plain value, not a SafeHandle:
        // marshalling a SafeHandle AddRefs and releases it around the call, a large part of a
        // decrypt's cost on Mono. It is safe without: the library never reuses a handle, so a
        // call racing Dispose or the finalizer gets INVALID_HANDLE (ObjectDisposedException),
        // never another client.
        [DllImport(Lib, EntryPoint = "uid2_decrypt", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int Decrypt(ulong client, byte* token, UIntPtr tokenLen, byte* domain, UIntPtr domainLen,
            long nowMs, NativeDecryptionResult* result);

        [DllImport(Lib, EntryPoint = "uid2_decrypt_to_buffer", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int DecryptToBuffer(ulong client, byte* token, UIntPtr tokenLen, byte* domain, UIntPtr domainLen,
            long nowMs, NativeDecryptionResult* result, byte* uidBuf, UIntPtr uidCap);

        [DllImport(Lib, EntryPoint = "uid2_decrypt_batch", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int DecryptBatch(ClientHandle client, byte* tokens, int* offsets, UIntPtr count, byte* domain, UIntPtr domainLen,
            long nowMs, NativeDecryptionResult* results);

        [DllImport(Lib, EntryPoint = "uid2_encrypt", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int Encrypt(ulong client, byte* rawUid, UIntPtr rawUidLen, long nowMs, long keysetId,
            byte* output, UIntPtr outCap, out UIntPtr outLen);

        [DllImport(Lib, EntryPoint = "uid2_encrypt_batch", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int EncryptBatch(ClientHandle client, byte* rawUids, int* offsets, UIntPtr count, long nowMs, long keysetId,
            byte* output, UIntPtr outCap, int* outOffsets, int* statuses, out UIntPtr outNeeded);

        [DllImport(Lib, EntryPoint = "uid2_encrypt_with_nonces_insecure_for_tests", CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int EncryptWithNoncesInsecureForTests(ClientHandle client, byte* rawUid, UIntPtr rawUidLen, long nowMs,
            long keysetId, byte* nonces, byte* output, UIntPtr outCap, out UIntPtr outLen);
    }
}
