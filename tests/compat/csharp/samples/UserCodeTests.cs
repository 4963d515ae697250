// Code in the shape users write around the official SDK in their own services and unit tests:
// fakes that build DecryptionResponse and the other results, statuses stored and compared as
// numbers, named arguments, the nullable fields. Written for UID2.Client; the build changes only
// the namespace of the using directive below. Each public static method is one check.
using System;
using System.Collections.Generic;
using UID2.Client;

namespace Acme.Bidding
{
    /// <summary>What the service needs of the SDK, so that tests can fake it.</summary>
    public interface IUidDecrypter
    {
        DecryptionResponse Decrypt(string token, string domain);
    }

    public sealed class RealDecrypter : IUidDecrypter
    {
        private readonly BidstreamClient _client;
        public RealDecrypter(BidstreamClient client) { _client = client; }
        public DecryptionResponse Decrypt(string token, string domain)
        {
            return _client.DecryptTokenIntoRawUid(token, domainOrAppNameFromBidRequest: domain);
        }
    }

    public sealed class FakeDecrypter : IUidDecrypter
    {
        public DecryptionResponse Next;
        public DecryptionResponse Decrypt(string token, string domain) { return Next; }
    }

    /// <summary>The service under test: decides what a bid request's token gives.</summary>
    public sealed class BidEnricher
    {
        private readonly IUidDecrypter _decrypter;
        public readonly List<int> StatusCodesLogged = new List<int>();

        public BidEnricher(IUidDecrypter decrypter) { _decrypter = decrypter; }

        public string Enrich(string token, string domain)
        {
            DecryptionResponse r = _decrypter.Decrypt(token, domain);
            StatusCodesLogged.Add((int)r.Status); // metrics keep the number
            switch (r.Status)
            {
                case DecryptionStatus.Success:
                    return r.IsClientSideGenerated == true ? "cstg:" + r.Uid : "uid:" + r.Uid;
                case DecryptionStatus.ExpiredToken:
                case DecryptionStatus.UserOptedOut:
                    return "no-uid";
                case DecryptionStatus.DomainOrAppNameCheckFailed:
                    return "wrong-domain";
                default:
                    return "error:" + (int)r.Status;
            }
        }
    }

    public static class UserCodeTests
    {
        private static void Expect(bool condition, string what)
        {
            if (!condition) throw new Exception("user code check failed: " + what);
        }

        public static void FakeSuccessWithConstructor()
        {
            var fake = new FakeDecrypter
            {
                Next = new DecryptionResponse(DecryptionStatus.Success, "raw-uid", DateTime.UtcNow.AddDays(-1), 123, 123,
                    IdentityType.Email, 4, isClientSideGenerated: true, expiry: DateTime.UtcNow.AddDays(2)),
            };
            var enricher = new BidEnricher(fake);
            Expect(enricher.Enrich("t", "example.com") == "cstg:raw-uid", "client-side generated success");
            fake.Next = new DecryptionResponse(DecryptionStatus.Success, "raw-uid", DateTime.UtcNow, 1, 1, null, 2);
            Expect(enricher.Enrich("t", null) == "uid:raw-uid", "the default isClientSideGenerated is false");
            Expect(fake.Next.IsClientSideGenerated.HasValue && !fake.Next.IsClientSideGenerated.Value, "false, not null");
            Expect(fake.Next.Expiry == null, "the default expiry is null");
        }

        public static void FakeErrorsWithMakeError()
        {
            var fake = new FakeDecrypter();
            var enricher = new BidEnricher(fake);
            fake.Next = DecryptionResponse.MakeError(DecryptionStatus.ExpiredToken);
            Expect(enricher.Enrich("t", null) == "no-uid", "expired");
            fake.Next = DecryptionResponse.MakeError(DecryptionStatus.DomainOrAppNameCheckFailed);
            Expect(enricher.Enrich("t", null) == "wrong-domain", "domain check");
            fake.Next = DecryptionResponse.MakeError(DecryptionStatus.InvalidPayload);
            Expect(enricher.Enrich("t", null) == "error:4", "InvalidPayload is 4");
            Expect(fake.Next.IsClientSideGenerated == null && fake.Next.SiteId == null && fake.Next.Uid == null, "MakeError leaves fields null");
            Expect(string.Join(",", enricher.StatusCodesLogged) == "5,11,4", "numbers logged: " + string.Join(",", enricher.StatusCodesLogged));
        }

        public static void StatusNumbersAsStored()
        {
            // A database column or a metrics label written by a service built on the official SDK.
            var stored = new Dictionary<int, string> { { 2, "master key" }, { 3, "not initialized" }, { 7, "encryption failure" } };
            Expect(stored[(int)EncryptionStatus.NotAuthorizedForMasterKey] == "master key", "EncryptionStatus 2");
            Expect(stored[(int)EncryptionStatus.NotInitialized] == "not initialized", "EncryptionStatus 3");
            Expect((EncryptionStatus)7 == EncryptionStatus.EncryptionFailure, "EncryptionStatus 7");
            Expect((EncryptionStatus)4 == EncryptionStatus.KeysNotSynced && (int)EncryptionStatus.TokenDecryptFailure == 5 &&
                   (int)EncryptionStatus.KeyInactive == 6 && (int)EncryptionStatus.NotAuthorizedForKey == 1, "EncryptionStatus 1, 4-6");
            Expect((DecryptionStatus)1 == DecryptionStatus.NotAuthorizedForMasterKey && (int)DecryptionStatus.NotAuthorizedForKey == 2 &&
                   (int)DecryptionStatus.UserOptedOut == 10 && (int)DecryptionStatus.InvalidTokenLifetime == 12, "DecryptionStatus numbers");
            Expect((IdentityType)1 == IdentityType.Phone && (int)IdentityType.Email == 0, "IdentityType numbers");
            Expect(Enum.GetName(typeof(EncryptionStatus), 2) == "NotAuthorizedForMasterKey", "name of 2");
        }

        public static void OtherResultsBuiltByTests()
        {
            EncryptionDataResponse ok = EncryptionDataResponse.MakeSuccess("token");
            Expect(ok.Success && ok.EncryptedData == "token" && ok.Status == EncryptionStatus.Success, "EncryptionDataResponse.MakeSuccess");
            EncryptionDataResponse bad = EncryptionDataResponse.MakeError(EncryptionStatus.KeyInactive);
            Expect(!bad.Success && bad.EncryptedData == null && (int)bad.Status == 6, "EncryptionDataResponse.MakeError");
            Expect(RefreshResponse.MakeSuccess().Success && RefreshResponse.MakeSuccess().Reason == "", "RefreshResponse.MakeSuccess");
            Expect(RefreshResponse.MakeError("down").Reason == "down", "RefreshResponse.MakeError");
            DecryptionDataResponse data = DecryptionDataResponse.MakeSuccess(new byte[] { 1 }, new DateTime(2024, 1, 1));
            Expect(data.Success && data.DecryptedData.Length == 1 && data.EncryptedAt == new DateTime(2024, 1, 1), "DecryptionDataResponse");
            Expect(DecryptionDataResponse.MakeError(DecryptionStatus.NotInitialized).EncryptedAt == null, "DecryptionDataResponse.MakeError");
        }

        public static void ARealClientWithoutKeys()
        {
            var enricher = new BidEnricher(new RealDecrypter(new BidstreamClient("https://operator-integ.uidapi.com", "key",
                "ioG3wKxAokmp+rERx6A4kM/13qhyolUXIu14WN16Spo=")));
            Expect(enricher.Enrich("A4AAAA", "example.com") == "error:3", "NotInitialized is 3");
        }
    }
}
