// Code in the shape of the official SDK's sample program (src/SampleApp/Program.cs of
// uid2-client-net) and of its usage guide: the bidstream and sharing clients, the same with
// refresh on a thread of the user's own, and the deprecated UID2ClientFactory client. Written for
// UID2.Client; the build changes only the namespace of the using directive below.
using System;
using System.Threading;
using UID2.Client;

namespace SampleApp
{
    class Program
    {
        static string _baseUrl, _authKey, _secretKey, _advertisingToken, _domain;

        static void Section(string title)
        {
            Console.WriteLine();
            Console.WriteLine("SECTION: " + title);
        }

        static void PrintResult(DecryptionResponse result)
        {
            Console.WriteLine($"DecryptedSuccess={result.Success} Status={result.Status}");
            Console.WriteLine($"UID={result.Uid}");
            Console.WriteLine($"EstablishedAt={result.Established}");
            Console.WriteLine($"SiteId={result.SiteId}");
            Console.WriteLine($"IdentityType={result.IdentityType}");
            Console.WriteLine($"AdvertisingTokenVersion={result.AdvertisingTokenVersion}");
            Console.WriteLine($"IsClientSideGenerated={result.IsClientSideGenerated}");
        }

        static void Bidstream()
        {
            Section("BidstreamClient: refresh, then decrypt");
            var client = new BidstreamClient(_baseUrl, _authKey, _secretKey);
            var refreshResult = client.Refresh();
            if (!refreshResult.Success)
            {
                Console.WriteLine($"Refresh failed: {refreshResult.Reason}");
                return;
            }
            PrintResult(client.DecryptTokenIntoRawUid(_advertisingToken, _domain));
        }

        static void BidstreamWithRefreshThread()
        {
            Section("BidstreamClient: refresh on a thread of its own");
            var client = new BidstreamClient(_baseUrl, _authKey, _secretKey);
            client.Refresh(); // the sample's thread refreshes later; the first decrypt needs keys now
            var refresher = new Thread(() =>
            {
                for (int i = 0; i < 3; i++)
                {
                    Thread.Sleep(TimeSpan.FromMilliseconds(100));
                    Console.WriteLine($"Refreshed, success={client.Refresh().Success}");
                }
            });
            refresher.Start();
            for (int i = 0; i < 3; i++)
            {
                var result = client.DecryptTokenIntoRawUid(_advertisingToken, domainOrAppNameFromBidRequest: _domain);
                Console.WriteLine($"DecryptSuccess={result.Success} Status={result.Status} UID={result.Uid}");
                Thread.Sleep(TimeSpan.FromMilliseconds(150));
            }
            refresher.Join();
        }

        static void Sharing()
        {
            Section("SharingClient: encrypt, then decrypt");
            var client = new SharingClient(_baseUrl, _authKey, _secretKey);
            var refreshResult = client.Refresh();
            if (!refreshResult.Success)
            {
                Console.WriteLine($"Refresh failed: {refreshResult.Reason}");
                return;
            }
            const string rawUid = "ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=";
            EncryptionDataResponse encrypted = client.EncryptRawUidIntoToken(rawUid);
            if (!encrypted.Success)
            {
                Console.WriteLine($"Encrypt failed: {encrypted.Status}");
                return;
            }
            DecryptionResponse decrypted = client.DecryptTokenIntoRawUid(encrypted.EncryptedData);
            if (!decrypted.Success)
            {
                Console.WriteLine($"Decrypt failed: {decrypted.Status}");
                return;
            }
            Console.WriteLine($"Raw UID      : {rawUid}");
            Console.WriteLine($"Round trip   : {decrypted.Uid}");
            Console.WriteLine($"Established  : {decrypted.Established}");
        }

        static void LegacyDecrypt()
        {
            Section("deprecated UID2ClientFactory: refresh, then decrypt");
            var client = UID2ClientFactory.Create(_baseUrl, _authKey, _secretKey);
            var refreshResult = client.Refresh();
            if (!refreshResult.Success)
            {
                Console.WriteLine($"Refresh failed: {refreshResult.Reason}");
                return;
            }
            PrintResult(client.Decrypt(_advertisingToken, _domain));
        }

        static void LegacySharing()
        {
            Section("deprecated UID2ClientFactory: encrypt, then decrypt");
            IUID2Client client = UID2ClientFactory.Create(_baseUrl, _authKey, _secretKey);
            if (!client.Refresh().Success) return;
            var encrypted = client.Encrypt("ywsvDNINiZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=");
            if (!encrypted.Success)
            {
                Console.WriteLine($"Encrypt failed: {encrypted.Status}");
                return;
            }
            var decrypted = client.Decrypt(encrypted.EncryptedData);
            Console.WriteLine($"Legacy round trip: {decrypted.Uid}");
        }

        public static int Main(string[] args)
        {
            if (args.Length < 4)
            {
                Console.Error.WriteLine("Usage: sample <base-url> <auth-key> <secret-key> <ad-token> [<domain-name>]");
                return 1;
            }
            _baseUrl = args[0];
            _authKey = args[1];
            _secretKey = args[2];
            _advertisingToken = args[3];
            if (args.Length >= 5) _domain = args[4];

            Bidstream();
            BidstreamWithRefreshThread();
            Sharing();
            LegacyDecrypt();
            LegacySharing();
            return 0;
        }
    }
}
