// The request and result types of the legacy data encryption (UID2.Client's EncryptData /
// DecryptData, deprecated there): the same names, factories and properties.
using System;

namespace LibUid2
{
    /// <summary>What to encrypt with IUID2Client.EncryptData, and for whom: a site id or an
    /// advertising token (whose site is used), one of the two. Built fluently:
    /// <c>EncryptionDataRequest.ForData(bytes).WithSiteId(site)</c>.</summary>
    public struct EncryptionDataRequest
    {
        private byte[] _data;
        private int? _siteId;
        private string _advertisingToken;
        private byte[] _iv;
        private DateTime? _now;
        private long _keyId;

        public static EncryptionDataRequest ForData(byte[] data)
        {
            var r = new EncryptionDataRequest();
            r._data = data;
            return r;
        }

        public EncryptionDataRequest WithData(byte[] data) { _data = data; return this; }
        public EncryptionDataRequest WithSiteId(int? siteId) { _siteId = siteId; return this; }
        public EncryptionDataRequest WithAdvertisingToken(string token) { _advertisingToken = token; return this; }
        /// <summary>A fixed 12-byte IV, for byte-exact tests only; by default every encryption draws a random one.</summary>
        public EncryptionDataRequest WithInitializationVector(byte[] iv) { _iv = iv; return this; }
        public EncryptionDataRequest WithNow(DateTime? now) { _now = now; return this; }

        public byte[] Data { get { return _data; } }
        public int? SiteId { get { return _siteId; } }
        public string AdvertisingToken { get { return _advertisingToken; } }
        public byte[] InitializationVector { get { return _iv; } }
        /// <summary>The time to encrypt at: the one given, else the current UTC time.</summary>
        public DateTime Now { get { return _now ?? DateTime.UtcNow; } }

        internal long NowMs { get { return _now.HasValue ? UnixTime.ToMs(_now.Value) : 0; } }

        /// <summary>Encrypt with this loaded key: internal, as UID2.Client's WithKey is; the
        /// byte-exact vectors (tests/vectors/encrypted-data) reach it.</summary>
        internal EncryptionDataRequest WithKeyId(long keyId) { _keyId = keyId; return this; }

        internal long KeyId { get { return _keyId; } }
    }

    /// <summary>The result of IUID2Client.DecryptData.</summary>
    public struct DecryptionDataResponse
    {
        private readonly DecryptionStatus _status;
        private readonly byte[] _decryptedData;
        private readonly DateTime? _encryptedAt;

        private DecryptionDataResponse(DecryptionStatus status, byte[] decryptedData, DateTime? encryptedAt)
        {
            _status = status;
            _decryptedData = decryptedData;
            _encryptedAt = encryptedAt;
        }

        public static DecryptionDataResponse MakeSuccess(byte[] decryptedData, DateTime encryptedAt)
        {
            return new DecryptionDataResponse(DecryptionStatus.Success, decryptedData, encryptedAt);
        }

        public static DecryptionDataResponse MakeError(DecryptionStatus status)
        {
            return new DecryptionDataResponse(status, null, null);
        }

        public bool Success { get { return _status == DecryptionStatus.Success; } }
        public DecryptionStatus Status { get { return _status; } }
        /// <summary>The data; null unless Success.</summary>
        public byte[] DecryptedData { get { return _decryptedData; } }
        /// <summary>When the data was encrypted (UTC); null unless Success.</summary>
        public DateTime? EncryptedAt { get { return _encryptedAt; } }

        public override string ToString() { return "DecryptionDataResponse(" + _status + ")"; }
    }
}
