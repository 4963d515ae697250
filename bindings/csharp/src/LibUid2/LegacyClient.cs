// UID2.Client's legacy client (deprecated there, kept so that code written for it runs):
// IUID2Client from UID2ClientFactory / EUIDClientFactory. A sharing client underneath
// (keys from /v2/key/sharing, as the official one), of the identity scope of its factory.
using System;
using System.Threading;
using System.Threading.Tasks;

namespace LibUid2
{
    /// <summary>The legacy client of UID2.Client: use BidstreamClient or SharingClient in new
    /// code. The object also is a ClientBase (cast it for StartAutoRefresh, WaitForKeys,
    /// RefreshFailed, Dispose).</summary>
    [Obsolete("Please use BidstreamClient or SharingClient instead")]
    public interface IUID2Client
    {
        /// <summary>Fetches keys over HTTP. A failure keeps the previous keys.</summary>
        RefreshResponse Refresh();

        /// <summary>Loads keys from a key response JSON; no HTTP.</summary>
        [Obsolete("Please use Refresh() instead.")]
        RefreshResponse RefreshJson(string json);

        /// <summary>Refresh on a thread-pool thread. Cancelling completes the task at once with a
        /// failed RefreshResponse; the refresh under way still finishes and loads its keys.</summary>
        Task<RefreshResponse> RefreshAsync(CancellationToken token = default(CancellationToken));

        [Obsolete("Please use Decrypt(string token) instead.")]
        DecryptionResponse Decrypt(string token, DateTime utcNow);

        DecryptionResponse Decrypt(string token);

        /// <summary>Decrypts; the name is not checked (see the README's differences).</summary>
        DecryptionResponse Decrypt(string token, string domainOrAppNameFromBidRequest);

        EncryptionDataResponse Encrypt(string rawUid);

        [Obsolete("Please use Encrypt(string rawUid) instead.")]
        EncryptionDataResponse EncryptData(EncryptionDataRequest request);

        [Obsolete("Please use Decrypt(string token) instead.")]
        DecryptionDataResponse DecryptData(string encryptedData);
    }

#pragma warning disable 618 // the factories hand out the deprecated interface, as UID2.Client's do
    /// <summary>Creates legacy UID2 clients.</summary>
    public class UID2ClientFactory
    {
        /// <exception cref="ArgumentException">The secret is not base64 of 32 bytes.</exception>
        public static IUID2Client Create(string endpoint, string authKey, string secretKey)
        {
            return new LegacyClient(endpoint, authKey, secretKey, IdentityScope.UID2);
        }
    }

    /// <summary>Creates legacy EUID clients (keys without a scope are taken as EUID).</summary>
    public class EUIDClientFactory
    {
        /// <exception cref="ArgumentException">The secret is not base64 of 32 bytes.</exception>
        public static IUID2Client Create(string endpoint, string authKey, string secretKey)
        {
            return new LegacyClient(endpoint, authKey, secretKey, IdentityScope.EUID);
        }
    }

    internal sealed class LegacyClient : ClientBase, IUID2Client
    {
        internal LegacyClient(string endpoint, string authKey, string secretKey, IdentityScope scope)
            : base(Native.ClientSharing, endpoint, authKey, secretKey)
        {
            Core.SetDefaultIdentityScope(scope);
        }

        public Task<RefreshResponse> RefreshAsync(CancellationToken token = default(CancellationToken))
        {
            if (token.IsCancellationRequested) return Task.FromResult(Cancelled());
            var done = new TaskCompletionSource<RefreshResponse>();
            Task.Run(() =>
            {
                try { done.TrySetResult(Refresh()); }
                catch (Exception e) { done.TrySetException(e); }
            });
            if (token.CanBeCanceled)
            {
                CancellationTokenRegistration r = token.Register(() => done.TrySetResult(Cancelled()));
                done.Task.ContinueWith(_ => r.Dispose(), TaskScheduler.Default);
            }
            return done.Task;
        }

        private static RefreshResponse Cancelled() { return RefreshResponse.MakeError("the refresh was cancelled"); }

        public DecryptionResponse Decrypt(string token) { return Core.Decrypt(token, null, 0); }

        public DecryptionResponse Decrypt(string token, DateTime utcNow) { return Core.Decrypt(token, null, ClientCore.ToUnixMs(utcNow)); }

        public DecryptionResponse Decrypt(string token, string domainOrAppNameFromBidRequest)
        {
            return Core.Decrypt(token, domainOrAppNameFromBidRequest, 0);
        }

        public EncryptionDataResponse Encrypt(string rawUid) { return Core.Encrypt(rawUid, 0, 0); }

        public EncryptionDataResponse EncryptData(EncryptionDataRequest request)
        {
            return Core.EncryptData(request.Data, request.SiteId, request.AdvertisingToken, request.KeyId, request.InitializationVector,
                request.NowMs);
        }

        public DecryptionDataResponse DecryptData(string encryptedData) { return Core.DecryptData(encryptedData); }
    }
#pragma warning restore 618
}
