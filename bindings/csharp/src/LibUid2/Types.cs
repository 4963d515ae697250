// Public result and status types. Names and member order mirror the official
// UID2.Client package, so code written against it switches by changing the
// namespace; members after the official ones are extras of libuid2.
using System;

namespace LibUid2
{
    /// <summary>Outcome of a decrypt. Values 0-12 match UID2.Client's DecryptionStatus.</summary>
    public enum DecryptionStatus
    {
        Success,
        NotAuthorizedForMasterKey,
        NotAuthorizedForKey,
        NotInitialized,
        InvalidPayload,
        ExpiredToken,
        KeysNotSynced,
        VersionNotSupported,
        InvalidPayloadType,
        InvalidIdentityScope,
        /// <summary>The token carries the client-side opt-out bit. DSPs are still expected to
        /// check their records for opt-out when this status is not returned.</summary>
        UserOptedOut,
        DomainOrAppNameCheckFailed,
        InvalidTokenLifetime,
        /// <summary>libuid2 only: the library caught a bug of its own; the process is unharmed.</summary>
        InternalError = 100,
    }

    /// <summary>Outcome of an encrypt. Values 0-6 match UID2.Client's EncryptionStatus.</summary>
    public enum EncryptionStatus
    {
        Success,
        NotAuthorizedForKey,
        NotInitialized,
        KeysNotSynced,
        TokenDecryptFailure,
        KeyInactive,
        EncryptionFailure,
        /// <summary>libuid2 only: no active master key.</summary>
        NotAuthorizedForMasterKey = 100,
        /// <summary>libuid2 only: the library caught a bug of its own; the process is unharmed.</summary>
        InternalError = 101,
    }

    public enum IdentityScope
    {
        UID2 = 0,
        EUID = 1,
    }

    public enum IdentityType
    {
        Email = 0,
        Phone = 1,
    }

    /// <summary>The result of DecryptTokenIntoRawUid. On Success every field is set; on
    /// ExpiredToken, UserOptedOut, DomainOrAppNameCheckFailed and InvalidTokenLifetime every
    /// field but Uid is set; otherwise only Status and IdentityScope.</summary>
    public struct DecryptionResponse
    {
        // Kept as the C ABI returns them (56 bytes, no nullables), so that a batch's result
        // array stays small; the properties build the official SDK's types on demand.
        private readonly string _uid;
        private readonly long _establishedMs;
        private readonly long _expiryMs;
        private readonly DecryptionStatus _status;
        private readonly int _siteId;
        private readonly int _siteKeySiteId;
        private readonly int _identityType;           // -1: none
        private readonly int _advertisingTokenVersion; // 0: not decoded
        private readonly IdentityScope _identityScope;
        private readonly bool _isClientSideGenerated;

        internal DecryptionResponse(DecryptionStatus status, string uid, long establishedMs, long expiryMs, int siteId,
            int siteKeySiteId, int identityType, int advertisingTokenVersion, bool isClientSideGenerated,
            IdentityScope identityScope)
        {
            _status = status;
            _uid = uid;
            _establishedMs = establishedMs;
            _expiryMs = expiryMs;
            _siteId = siteId;
            _siteKeySiteId = siteKeySiteId;
            _identityType = identityType;
            _advertisingTokenVersion = advertisingTokenVersion;
            _isClientSideGenerated = isClientSideGenerated;
            _identityScope = identityScope;
        }

        private bool Decoded { get { return _advertisingTokenVersion != 0; } }

        public bool Success { get { return _status == DecryptionStatus.Success; } }
        public DecryptionStatus Status { get { return _status; } }
        /// <summary>The raw UID2 (base64 text); null unless Success.</summary>
        public string Uid { get { return _uid; } }
        public DateTime? Established { get { return Decoded ? UnixTime.FromMs(_establishedMs) : (DateTime?)null; } }
        public int? SiteId { get { return Decoded ? _siteId : (int?)null; } }
        public int? SiteKeySiteId { get { return Decoded ? _siteKeySiteId : (int?)null; } }
        /// <summary>Email or Phone for v3/v4 tokens; null for v2 tokens or when not decoded.</summary>
        public IdentityType? IdentityType
        {
            get { return Decoded && _identityType >= 0 ? (IdentityType)_identityType : (IdentityType?)null; }
        }
        /// <summary>2, 3 or 4; null when the token was not decoded.</summary>
        public int? AdvertisingTokenVersion { get { return Decoded ? _advertisingTokenVersion : (int?)null; } }
        public bool IsClientSideGenerated { get { return Decoded && _isClientSideGenerated; } }
        public DateTime? Expiry { get { return Decoded ? UnixTime.FromMs(_expiryMs) : (DateTime?)null; } }
        /// <summary>libuid2 extra: the identity scope of the loaded keys.</summary>
        public IdentityScope IdentityScope { get { return _identityScope; } }

        public override string ToString()
        {
            return "DecryptionResponse(" + _status + (_uid != null ? ", uid" : "") + ")";
        }
    }

    /// <summary>The result of EncryptRawUidIntoToken.</summary>
    public struct EncryptionDataResponse
    {
        private readonly EncryptionStatus _status;
        private readonly string _encryptedData;

        internal EncryptionDataResponse(EncryptionStatus status, string encryptedData)
        {
            _status = status;
            _encryptedData = encryptedData;
        }

        public static EncryptionDataResponse MakeSuccess(string encryptedData)
        {
            return new EncryptionDataResponse(EncryptionStatus.Success, encryptedData);
        }

        public static EncryptionDataResponse MakeError(EncryptionStatus status)
        {
            return new EncryptionDataResponse(status, null);
        }

        public bool Success { get { return _status == EncryptionStatus.Success; } }
        public EncryptionStatus Status { get { return _status; } }
        /// <summary>The token; null unless Success.</summary>
        public string EncryptedData { get { return _encryptedData; } }

        public override string ToString() { return "EncryptionDataResponse(" + _status + ")"; }
    }

    /// <summary>The result of Refresh and RefreshJson. A failed refresh keeps the previous keys.</summary>
    public struct RefreshResponse
    {
        private readonly bool _success;
        private readonly string _reason;

        private RefreshResponse(bool success, string reason)
        {
            _success = success;
            _reason = reason;
        }

        public static RefreshResponse MakeSuccess() { return new RefreshResponse(true, string.Empty); }
        public static RefreshResponse MakeError(string reason) { return new RefreshResponse(false, reason); }

        public bool Success { get { return _success; } }
        /// <summary>Why the refresh failed (never contains keys or secrets); empty on success.</summary>
        public string Reason { get { return _reason; } }

        public override string ToString() { return _success ? "RefreshResponse(Success)" : "RefreshResponse(" + _reason + ")"; }
    }

    /// <summary>What a client knows about its keys and refreshes (libuid2 extra).</summary>
    public sealed class KeyRefreshState
    {
        internal KeyRefreshState(DateTime? lastSuccess, DateTime? lastFailure, int consecutiveFailures,
            bool autoRefreshRunning, bool hasKeys, int keyCount, string lastError)
        {
            LastSuccess = lastSuccess;
            LastFailure = lastFailure;
            ConsecutiveFailures = consecutiveFailures;
            AutoRefreshRunning = autoRefreshRunning;
            HasKeys = hasKeys;
            KeyCount = keyCount;
            LastError = lastError;
        }

        public DateTime? LastSuccess { get; private set; }
        public DateTime? LastFailure { get; private set; }
        public int ConsecutiveFailures { get; private set; }
        public bool AutoRefreshRunning { get; private set; }
        public bool HasKeys { get; private set; }
        public int KeyCount { get; private set; }
        /// <summary>The message of the last failed refresh; empty if the last refresh succeeded.</summary>
        public string LastError { get; private set; }
    }

    /// <summary>libuid2 cannot be used: not found, an incompatible ABI, an unsupported host
    /// setting (Mono under preemptive thread suspend), or a call in a process forked after the
    /// library was loaded.</summary>
    public class Uid2LibraryException : Exception
    {
        public Uid2LibraryException(string message) : base(message) { }
        public Uid2LibraryException(string message, Exception inner) : base(message, inner) { }
    }
}
