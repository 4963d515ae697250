using System;
using System.Collections.Generic;

namespace LibUid2
{
    /// <summary>
    /// Encrypts raw UID2s into sharing tokens and decrypts sharing tokens, with keys from
    /// /v2/key/sharing (Refresh) or from a key JSON (RefreshJson).
    /// </summary>
    public sealed class SharingClient : ClientBase
    {
        /// <param name="endpoint">Base URL, e.g. https://prod.uidapi.com; null for a client that only uses RefreshJson.</param>
        /// <param name="authKey">The API key; null for RefreshJson only.</param>
        /// <param name="secretKey">The base64 client secret; null for RefreshJson only.</param>
        /// <exception cref="ArgumentException">The secret is not base64 of 32 bytes.</exception>
        /// <exception cref="Uid2LibraryException">libuid2 cannot be loaded or used.</exception>
        public SharingClient(string endpoint, string authKey, string secretKey)
            : base(Native.ClientSharing, endpoint, authKey, secretKey)
        {
        }

        public DecryptionResponse DecryptTokenIntoRawUid(string token)
        {
            return Core.Decrypt(token, null, 0);
        }

        /// <param name="now">The time to decrypt at (Local is converted to UTC; Unspecified is taken as UTC).</param>
        public DecryptionResponse DecryptTokenIntoRawUid(string token, DateTime now)
        {
            return Core.Decrypt(token, null, ClientCore.ToUnixMs(now));
        }

        /// <summary>Decrypts many tokens with one native call.</summary>
        public DecryptionResponse[] DecryptTokensIntoRawUids(IList<string> tokens)
        {
            return Core.DecryptBatch(tokens, null, 0);
        }

        public DecryptionResponse[] DecryptTokensIntoRawUids(IList<string> tokens, DateTime now)
        {
            return Core.DecryptBatch(tokens, null, ClientCore.ToUnixMs(now));
        }

        /// <summary>Encrypts a raw UID2 (base64 text) into a v4 sharing token with the default keyset.</summary>
        public EncryptionDataResponse EncryptRawUidIntoToken(string rawUid)
        {
            return Core.Encrypt(rawUid, 0, 0);
        }

        public EncryptionDataResponse EncryptRawUidIntoToken(string rawUid, DateTime now)
        {
            return Core.Encrypt(rawUid, ClientCore.ToUnixMs(now), 0);
        }

        /// <param name="keysetId">The keyset to encrypt with; 0 for the default keyset.</param>
        public EncryptionDataResponse EncryptRawUidIntoToken(string rawUid, DateTime now, long keysetId)
        {
            return Core.Encrypt(rawUid, ClientCore.ToUnixMs(now), keysetId);
        }

        /// <summary>Encrypts many raw UIDs with one native call (a second one only if the first
        /// output buffer was too small).</summary>
        public EncryptionDataResponse[] EncryptRawUidsIntoTokens(IList<string> rawUids)
        {
            return Core.EncryptBatch(rawUids, 0, 0);
        }

        public EncryptionDataResponse[] EncryptRawUidsIntoTokens(IList<string> rawUids, DateTime now)
        {
            return Core.EncryptBatch(rawUids, ClientCore.ToUnixMs(now), 0);
        }

        public EncryptionDataResponse[] EncryptRawUidsIntoTokens(IList<string> rawUids, DateTime now, long keysetId)
        {
            return Core.EncryptBatch(rawUids, ClientCore.ToUnixMs(now), keysetId);
        }
    }
}
