using System;
using System.Collections.Generic;

namespace LibUid2
{
    /// <summary>
    /// Decrypts bidstream tokens (DSPs), with keys from /v2/key/bidstream (Refresh) or from a key
    /// JSON (RefreshJson), checking the domain or app name of client-side-generated tokens.
    /// </summary>
    public sealed class BidstreamClient : ClientBase
    {
        /// <param name="endpoint">Base URL, e.g. https://prod.uidapi.com; null for a client that only uses RefreshJson.</param>
        /// <param name="authKey">The API key; null for RefreshJson only.</param>
        /// <param name="secretKey">The base64 client secret; null for RefreshJson only.</param>
        /// <exception cref="ArgumentException">The secret is not base64 of 32 bytes.</exception>
        /// <exception cref="Uid2LibraryException">libuid2 cannot be loaded or used.</exception>
        public BidstreamClient(string endpoint, string authKey, string secretKey)
            : base(Native.ClientBidstream, endpoint, authKey, secretKey)
        {
        }

        /// <param name="domainOrAppNameFromBidRequest">The domain or app name of the bid request (checked for client-side-generated tokens); null or empty for none. Named as in UID2.Client.</param>
        public DecryptionResponse DecryptTokenIntoRawUid(string token, string domainOrAppNameFromBidRequest)
        {
            return Core.Decrypt(token, domainOrAppNameFromBidRequest, 0);
        }

        /// <param name="now">The time to decrypt at (Local is converted to UTC; Unspecified is taken as UTC).</param>
        public DecryptionResponse DecryptTokenIntoRawUid(string token, string domainOrAppNameFromBidRequest, DateTime now)
        {
            return Core.Decrypt(token, domainOrAppNameFromBidRequest, ClientCore.ToUnixMs(now));
        }

        /// <summary>Decrypts many tokens of one bid context (one domain or app name) with one native call.</summary>
        public DecryptionResponse[] DecryptTokensIntoRawUids(IList<string> tokens, string domainOrAppNameFromBidRequest)
        {
            return Core.DecryptBatch(tokens, domainOrAppNameFromBidRequest, 0);
        }

        public DecryptionResponse[] DecryptTokensIntoRawUids(IList<string> tokens, string domainOrAppNameFromBidRequest, DateTime now)
        {
            return Core.DecryptBatch(tokens, domainOrAppNameFromBidRequest, ClientCore.ToUnixMs(now));
        }
    }
}
