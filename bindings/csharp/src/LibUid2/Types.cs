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

    /// <summary>Outcome of an encrypt. Values 0-7 are UID2.Client's EncryptionStatus, number for number.</summary>
    public enum EncryptionStatus
    {
        Success = 0,
        NotAuthorizedForKey = 1,
        NotAuthorizedForMasterKey = 2,
        NotInitialized = 3,
        KeysNotSynced = 4,
        TokenDecryptFailure = 5,
        KeyInactive = 6,
        EncryptionFailure = 7,
        /// <summary>libuid2 only: the library caught a bug of its own; the process is unharmed.</summary>
        InternalError = 100,
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
    /// field but Uid is set; otherwise (MakeError) only Status and IdentityScope.
    /// IdentityType is null for v2 tokens, which do not carry it.</summary>
    public struct DecryptionResponse
    {
        /// <summary>As UID2.Client's constructor, for code that builds results (e.g. in its tests).
        /// IdentityScope is then UID2.</summary>
        public DecryptionResponse(DecryptionStatus status, string uid, DateTime? established, int? siteId, int? siteKeySiteId,
            IdentityType? identityType, int? advertisingTokenVersion, bool? isClientSideGenerated = false, DateTime? expiry = null)
            : this(status, uid, established, siteId, siteKeySiteId, identityType, advertisingTokenVersion,
                isClientSideGenerated, expiry, IdentityScope.UID2)
        {
        }

        internal DecryptionResponse(DecryptionStatus status, string uid, DateTime? established, int? siteId, int? siteKeySiteId,
            IdentityType? identityType, int? advertisingTokenVersion, bool? isClientSideGenerated, DateTime? expiry,
            IdentityScope identityScope)
        {
            Status = status;
            Uid = uid;
            Established = established;
            SiteId = siteId;
            SiteKeySiteId = siteKeySiteId;
            IdentityType = identityType;
            AdvertisingTokenVersion = advertisingTokenVersion;
            IsClientSideGenerated = isClientSideGenerated;
            Expiry = expiry;
            IdentityScope = identityScope;
        }

        /// <summary>A result with only a status (every other field null), as UID2.Client's.</summary>
        public static DecryptionResponse MakeError(DecryptionStatus status)
        {
            return new DecryptionResponse(status, null, null, null, null, null, null, null);
        }

        public bool Success { get { return Status == DecryptionStatus.Success; } }
        public DecryptionStatus Status { get; }
        /// <summary>The raw UID2 (base64 text); null unless Success.</summary>
        public string Uid { get; }
        public DateTime? Established { get; }
        public int? SiteId { get; }
        public int? SiteKeySiteId { get; }
        /// <summary>Email or Phone for v3/v4 tokens; null for v2 tokens or when not decoded.</summary>
        public IdentityType? IdentityType { get; }
        /// <summary>2, 3 or 4; null when the token was not decoded.</summary>
        public int? AdvertisingTokenVersion { get; }
        /// <summary>Whether the token was generated on the client side; null when not decoded.</summary>
        public bool? IsClientSideGenerated { get; }
        public DateTime? Expiry { get; }
        /// <summary>libuid2 extra: the identity scope of the loaded keys.</summary>
        public IdentityScope IdentityScope { get; }

        public override string ToString()
        {
            return "DecryptionResponse(" + Status + (Uid != null ? ", uid" : "") + ")";
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

    /// <summary>A failed automatic refresh (ClientBase.RefreshFailed). Never holds a key or secret.</summary>
    public sealed class RefreshFailedEventArgs : EventArgs
    {
        internal RefreshFailedEventArgs(string reason, DateTime time, int consecutiveFailures, int keyCount)
        {
            Reason = reason;
            Time = time;
            ConsecutiveFailures = consecutiveFailures;
            KeyCount = keyCount;
        }

        /// <summary>Why it failed, with the service's own message when it sent one
        /// (e.g. "HTTP 401: unknown API key").</summary>
        public string Reason { get; private set; }
        /// <summary>When the attempt ended (UTC).</summary>
        public DateTime Time { get; private set; }
        /// <summary>Failures since the last successful refresh, this one included.</summary>
        public int ConsecutiveFailures { get; private set; }
        /// <summary>Keys the client still has (a failed refresh keeps the previous keys).</summary>
        public int KeyCount { get; private set; }
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
