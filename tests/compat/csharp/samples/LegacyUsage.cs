// Code in the shape of services still on the official SDK's deprecated client: the factories,
// RefreshAsync awaited, keys loaded from JSON in tests, the legacy data encryption. Written for
// UID2.Client; the build changes only the namespace of the using directive below.
using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using UID2.Client;

namespace Acme.Legacy
{
    public static class LegacyUsage
    {
        private static void Expect(bool condition, string what)
        {
            if (!condition) throw new Exception("legacy code check failed: " + what);
        }

        /// <summary>A key response as the service sends it (legacy form: a site id per key),
        /// valid now, as a user's test writes it.</summary>
        public static string KeyJson(int siteId)
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Func<int, int, string, string> key = (id, site, secret) =>
                $"{{\"id\":{id},\"site_id\":{site},\"created\":{now - 3600},\"activates\":{now - 3600},\"expires\":{now + 86400},\"secret\":\"{secret}\"}}";
            return "{\"body\":[" + key(1, -1, "vk+UBtzuPePBIdRVyLjzs/o2QD7lqS0iQfowO+CnlEc=") + "," +
                   key(2, siteId, "YgQ5Y1P5Yf/EBO2bsvAPhmD6Vwkc9Rm3DsJmpPoOkZ4=") + "]}";
        }

        public static void EncryptAndDecryptData()
        {
            IUID2Client client = UID2ClientFactory.Create("https://operator-integ.uidapi.com", "key", "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=");
            RefreshResponse refresh = client.RefreshJson(KeyJson(42));
            Expect(refresh.Success, "RefreshJson: " + refresh.Reason);

            byte[] data = Encoding.UTF8.GetBytes("{\"segment\":\"sports\"}");
            EncryptionDataResponse encrypted = client.EncryptData(EncryptionDataRequest.ForData(data).WithSiteId(42));
            Expect(encrypted.Success, "EncryptData: " + encrypted.Status);
            DecryptionDataResponse decrypted = client.DecryptData(encrypted.EncryptedData);
            Expect(decrypted.Success && decrypted.DecryptedData.SequenceEqual(data), "DecryptData: " + decrypted.Status);
            Expect(decrypted.EncryptedAt.HasValue && (DateTime.UtcNow - decrypted.EncryptedAt.Value).TotalMinutes < 1, "EncryptedAt");

            var request = EncryptionDataRequest.ForData(data).WithSiteId(99).WithNow(DateTime.UtcNow);
            Expect(request.SiteId == 99 && request.Data == data, "the request's properties");
            Expect(client.EncryptData(request).Status == EncryptionStatus.NotAuthorizedForKey, "no key for site 99");
        }

        public static void EuidClientWithoutKeys()
        {
            IUID2Client client = EUIDClientFactory.Create("https://prod.euid.eu", "key", "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=");
            Expect(client.Decrypt("AgAAAA").Status == DecryptionStatus.NotInitialized, "NotInitialized before keys");
            Expect(client.Encrypt("ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=").Status == EncryptionStatus.NotInitialized, "encrypt before keys");
        }

        /// <summary>RefreshAsync awaited, as an ASP.NET background service would.</summary>
        public static async Task<string> RefreshThenDecryptAsync(string endpoint, string authKey, string secretKey, string token)
        {
            IUID2Client client = UID2ClientFactory.Create(endpoint, authKey, secretKey);
            RefreshResponse refresh = await client.RefreshAsync(CancellationToken.None);
            if (!refresh.Success) return "refresh failed: " + refresh.Reason;
            refresh = await client.RefreshAsync();
            DecryptionResponse r = client.Decrypt(token);
            return r.Success ? r.Uid : r.Status.ToString();
        }
    }
}
