// What code written for the official UID2.Client needs of this binding beyond the names
// (which tests/compat/csharp checks): enum numbers, result constructors, nullability,
// parameter names, the assembly's version, and the legacy client with its encrypted data.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;

namespace LibUid2.Tests
{
#pragma warning disable 618 // the legacy client is deprecated, as in UID2.Client
    /// <summary>Keys of the legacy form (a site id per key), which the legacy data encryption
    /// needs, and a token they decrypt.</summary>
    internal static class LegacyKeys
    {
        private static Dictionary<string, object> Case
        {
            get { return LegacyFile.Decrypts.First(c => (string)c["name"] == "legacy v4"); }
        }

        private static VectorFile LegacyFile { get { return Vectors.All.Single(f => f.Name == "bidstream-legacy.json"); } }

        public static string Token { get { return (string)Case["token"]; } }
        public static DateTime Now { get { return Vectors.At(Json.Long(Case["now_ms"])); } }

        public static IUID2Client Client()
        {
            IUID2Client c = UID2ClientFactory.Create(null, null, null);
            RefreshResponse r = c.RefreshJson(LegacyFile.KeysJson);
            Assert.True(r.Success, "RefreshJson: " + r.Reason);
            return c;
        }
    }

    internal static class DropInTests
    {
        [Test]
        public static void EnumNumbersAreTheOfficialOnes()
        {
            // UID2.Client's EncryptionStatus, in its order.
            string[] encryption = { "Success", "NotAuthorizedForKey", "NotAuthorizedForMasterKey", "NotInitialized",
                "KeysNotSynced", "TokenDecryptFailure", "KeyInactive", "EncryptionFailure" };
            for (int i = 0; i < encryption.Length; i++)
                Assert.Equal(i, (int)Enum.Parse(typeof(EncryptionStatus), encryption[i]), "EncryptionStatus." + encryption[i]);
            Assert.Equal(2, (int)EncryptionStatus.NotAuthorizedForMasterKey, "NotAuthorizedForMasterKey");
            string[] decryption = { "Success", "NotAuthorizedForMasterKey", "NotAuthorizedForKey", "NotInitialized",
                "InvalidPayload", "ExpiredToken", "KeysNotSynced", "VersionNotSupported", "InvalidPayloadType",
                "InvalidIdentityScope", "UserOptedOut", "DomainOrAppNameCheckFailed", "InvalidTokenLifetime" };
            for (int i = 0; i < decryption.Length; i++)
                Assert.Equal(i, (int)Enum.Parse(typeof(DecryptionStatus), decryption[i]), "DecryptionStatus." + decryption[i]);
            Assert.Equal(0, (int)IdentityType.Email, "Email");
            Assert.Equal(1, (int)IdentityType.Phone, "Phone");
            Assert.Equal(1, (int)IdentityScope.EUID, "EUID");
        }

        [Test]
        public static void EncryptStatusesAreMappedByName()
        {
            // The native numbers differ from the enum's: a status must arrive as the same member.
            using (var c = new SharingClient(null, null, null))
            {
                Assert.Equal(EncryptionStatus.NotInitialized, c.EncryptRawUidIntoToken(Fixture.Uid).Status, "no keys");
            }
            using (var c = Fixture.Sharing())
            {
                Assert.Equal(EncryptionStatus.KeysNotSynced, c.EncryptRawUidIntoToken(Fixture.Uid, new DateTime(2100, 1, 1)).Status, "keys expired");
            }
        }

        [Test]
        public static void DecryptionResponseIsBuiltAsOfficialCodeBuildsIt()
        {
            var established = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            var r = new DecryptionResponse(DecryptionStatus.Success, "uid", established, 7, 8, IdentityType.Phone, 4);
            Assert.True(r.Success, "Success");
            Assert.Equal("uid", r.Uid, "Uid");
            Assert.Equal((DateTime?)established, r.Established, "Established");
            Assert.Equal((int?)7, r.SiteId, "SiteId");
            Assert.Equal((int?)8, r.SiteKeySiteId, "SiteKeySiteId");
            Assert.Equal((IdentityType?)IdentityType.Phone, r.IdentityType, "IdentityType");
            Assert.Equal((int?)4, r.AdvertisingTokenVersion, "AdvertisingTokenVersion");
            Assert.Equal((bool?)false, r.IsClientSideGenerated, "IsClientSideGenerated defaults to false");
            Assert.Equal((DateTime?)null, r.Expiry, "Expiry defaults to null");
            var full = new DecryptionResponse(DecryptionStatus.ExpiredToken, null, null, null, null, null, null, true, established);
            Assert.Equal((bool?)true, full.IsClientSideGenerated, "IsClientSideGenerated");
            Assert.Equal((DateTime?)established, full.Expiry, "Expiry");

            DecryptionResponse e = DecryptionResponse.MakeError(DecryptionStatus.ExpiredToken);
            Assert.True(!e.Success, "MakeError is no success");
            Assert.Equal(DecryptionStatus.ExpiredToken, e.Status, "status");
            Assert.True(e.Uid == null && e.Established == null && e.SiteId == null && e.SiteKeySiteId == null &&
                        e.IdentityType == null && e.AdvertisingTokenVersion == null && e.IsClientSideGenerated == null &&
                        e.Expiry == null, "MakeError: every field null");
        }

        [Test]
        public static void IsClientSideGeneratedIsNullUnlessDecoded()
        {
            using (var c = Fixture.Sharing())
            {
                DecryptionResponse ok = c.DecryptTokenIntoRawUid(Fixture.Token, Fixture.Now);
                Assert.Equal((bool?)false, ok.IsClientSideGenerated, "decoded: false");
                DecryptionResponse bad = c.DecryptTokenIntoRawUid("not a token", Fixture.Now);
                Assert.Equal(DecryptionStatus.InvalidPayload, bad.Status, "garbage");
                Assert.Equal((bool?)null, bad.IsClientSideGenerated, "not decoded: null");
                Assert.Equal((int?)null, bad.AdvertisingTokenVersion, "not decoded: no version");
            }
        }

        [Test]
        public static void BidstreamParameterHasTheOfficialName()
        {
            // Callers that name the argument (domainOrAppNameFromBidRequest: "...") compile only with it.
            MethodInfo m = typeof(BidstreamClient).GetMethod("DecryptTokenIntoRawUid", new[] { typeof(string), typeof(string) });
            Assert.Equal("domainOrAppNameFromBidRequest", m.GetParameters()[1].Name, "parameter name");
            MethodInfo legacy = typeof(IUID2Client).GetMethod("Decrypt", new[] { typeof(string), typeof(string) });
            Assert.Equal("domainOrAppNameFromBidRequest", legacy.GetParameters()[1].Name, "legacy parameter name");
        }

        [Test]
        public static void AssemblyVersionIsTheLibrarys()
        {
            Assembly a = typeof(SharingClient).Assembly;
            string v = Uid2Library.Version;
            Assert.Equal(new Version(v + ".0"), a.GetName().Version, "AssemblyVersion");
            var file = (AssemblyFileVersionAttribute)a.GetCustomAttributes(typeof(AssemblyFileVersionAttribute), false).Single();
            Assert.Equal(v + ".0", file.Version, "AssemblyFileVersion");
            var info = (AssemblyInformationalVersionAttribute)a.GetCustomAttributes(typeof(AssemblyInformationalVersionAttribute), false).Single();
            Assert.Equal(v, info.InformationalVersion, "AssemblyInformationalVersion");
        }

        // ---- the legacy client ---------------------------------------------------------------

        private static IUID2Client Legacy()
        {
            IUID2Client c = UID2ClientFactory.Create(null, null, null);
            RefreshResponse r = c.RefreshJson(Fixture.SharingFile.KeysJson);
            Assert.True(r.Success, "RefreshJson: " + r.Reason);
            return c;
        }

        [Test]
        public static void LegacyClientDecryptsAndEncrypts()
        {
            IUID2Client c = Legacy();
            using ((IDisposable)c)
            {
                Assert.Equal(Fixture.Uid, c.Decrypt(Fixture.Token, Fixture.Now).Uid, "Decrypt(token, utcNow)");
                EncryptionDataResponse e = c.Encrypt(Fixture.Uid);
                Assert.True(e.Success, "Encrypt: " + e.Status);
                Assert.Equal(Fixture.Uid, c.Decrypt(e.EncryptedData).Uid, "Decrypt(token)");
                Assert.Equal(Fixture.Uid, c.Decrypt(e.EncryptedData, "example.com").Uid, "Decrypt(token, domain)");
                Assert.True(c is ClientBase, "the legacy client is a ClientBase");
            }
            Assert.Equal(DecryptionStatus.NotInitialized, UID2ClientFactory.Create(null, null, null).Decrypt(Fixture.Token).Status,
                "no keys");
        }

        [Test]
        public static void EuidFactoryTakesKeysWithoutScopeAsEuid()
        {
            // The sharing keys without their identity_scope: each factory's scope applies.
            var root = Json.Obj(Json.Parse(Fixture.SharingFile.KeysJson));
            (root.ContainsKey("body") ? Json.Obj(root["body"]) : root).Remove("identity_scope");
            string json = Json.Write(root);
            IUID2Client uid2 = UID2ClientFactory.Create(null, null, null), euid = EUIDClientFactory.Create(null, null, null);
            Assert.True(uid2.RefreshJson(json).Success && euid.RefreshJson(json).Success, "RefreshJson");
            Assert.Equal(DecryptionStatus.Success, uid2.Decrypt(Fixture.Token, Fixture.Now).Status, "UID2 factory");
            DecryptionResponse e = euid.Decrypt(Fixture.Token, Fixture.Now);
            Assert.Equal(DecryptionStatus.InvalidIdentityScope, e.Status, "EUID factory, UID2 token");
            Assert.Equal(IdentityScope.EUID, e.IdentityScope, "the keys' scope");
        }

        [Test]
        public static void LegacyRefreshAndRefreshAsyncOverHttp()
        {
            using (var sites = new Sharing())
            {
                string token = sites.SenderToken();
                IUID2Client c = UID2ClientFactory.Create(sites.Service.Url, sites.Receiver.ApiKey, sites.Receiver.Secret);
                RefreshResponse r = c.RefreshAsync().Result;
                Assert.True(r.Success, "RefreshAsync: " + r.Reason);
                Assert.Equal(Sharing.RawUid, c.Decrypt(token).Uid, "decrypt after RefreshAsync");
                Assert.True(c.Refresh().Success, "Refresh");

                var cancelled = new CancellationTokenSource();
                cancelled.Cancel();
                RefreshResponse none = c.RefreshAsync(cancelled.Token).Result;
                Assert.True(!none.Success && none.Reason.Contains("cancel"), "cancelled before: " + none.Reason);

                sites.Service.Fault("slow");
                var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                var sw = System.Diagnostics.Stopwatch.StartNew();
                RefreshResponse late = c.RefreshAsync(cts.Token).Result;
                Assert.True(!late.Success && late.Reason.Contains("cancel"), "cancelled during: " + late.Reason);
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), "the cancelled task ends at once (" + sw.Elapsed + ")");
                ((IDisposable)c).Dispose();
            }
        }

        // ---- legacy encrypted data -------------------------------------------------------------

        [Test]
        public static void EncryptDataForASiteOrAToken()
        {
            IUID2Client c = LegacyKeys.Client();
            using ((IDisposable)c)
            {
                byte[] data = Encoding.UTF8.GetBytes("some data to share");
                DateTime now = LegacyKeys.Now;
                int site = (int)c.Decrypt(LegacyKeys.Token, now).SiteId;
                byte[] iv = new byte[12];
                string bySite = c.EncryptData(EncryptionDataRequest.ForData(data).WithSiteId(site).WithNow(now).WithInitializationVector(iv)).EncryptedData;
                string byToken = c.EncryptData(EncryptionDataRequest.ForData(data).WithAdvertisingToken(LegacyKeys.Token).WithNow(now)
                    .WithInitializationVector(iv)).EncryptedData;
                Assert.True(bySite != null, "for the site");
                Assert.Equal(bySite, byToken, "for the token's site: the same key, time and IV give the same blob");
                Assert.True(c.EncryptData(EncryptionDataRequest.ForData(data).WithSiteId(site).WithNow(now)).EncryptedData != bySite,
                    "a random IV otherwise");

                Assert.Equal(EncryptionStatus.TokenDecryptFailure,
                    c.EncryptData(EncryptionDataRequest.ForData(data).WithAdvertisingToken("garbage").WithNow(now)).Status, "bad token");
                Assert.Equal(EncryptionStatus.NotAuthorizedForKey,
                    c.EncryptData(EncryptionDataRequest.ForData(data).WithSiteId(123456).WithNow(now)).Status, "unknown site");
                Assert.Equal(EncryptionStatus.KeysNotSynced,
                    c.EncryptData(EncryptionDataRequest.ForData(data).WithSiteId(site)).Status, "the vector keys have expired by now");
                Assert.Equal(DecryptionStatus.KeysNotSynced, c.DecryptData(bySite).Status, "DecryptData runs at the current time");
                Assert.Throws<ArgumentNullException>(() => c.EncryptData(EncryptionDataRequest.ForData(null).WithSiteId(site)), "null data");
                Assert.Throws<ArgumentException>(() => c.EncryptData(EncryptionDataRequest.ForData(data).WithSiteId(site)
                    .WithAdvertisingToken(LegacyKeys.Token)), "site and token");
                Assert.Throws<ArgumentException>(() => c.EncryptData(EncryptionDataRequest.ForData(data).WithNow(now)), "neither");
            }
            IUID2Client none = UID2ClientFactory.Create(null, null, null);
            Assert.Equal(EncryptionStatus.NotInitialized, none.EncryptData(EncryptionDataRequest.ForData(new byte[1]).WithSiteId(1)).Status, "no keys: encrypt");
            Assert.Equal(DecryptionStatus.NotInitialized, none.DecryptData("AAAA").Status, "no keys: decrypt");
        }

        /// <summary>Legacy keys (a site id per key) valid now: DecryptData has no time argument.</summary>
        private static string CurrentLegacyKeys(int site)
        {
            long now = (long)(DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds;
            var rng = new Random();
            Func<long, int, string> key = (id, siteId) =>
            {
                var secret = new byte[32];
                rng.NextBytes(secret);
                return "{\"id\":" + id + ",\"site_id\":" + siteId + ",\"created\":" + (now - 3600) + ",\"activates\":" + (now - 3600) +
                       ",\"expires\":" + (now + 86400) + ",\"secret\":\"" + Convert.ToBase64String(secret) + "\"}";
            };
            return "[" + key(1, -1) + "," + key(2, site) + "]";
        }

        [Test]
        public static void EncryptDataRoundTripsNow()
        {
            IUID2Client c = UID2ClientFactory.Create(null, null, null);
            using ((IDisposable)c)
            {
                RefreshResponse r = c.RefreshJson(CurrentLegacyKeys(77));
                Assert.True(r.Success, "keys: " + r.Reason);
                foreach (byte[] data in new[] { new byte[0], Encoding.UTF8.GetBytes("ünïcödé"), new byte[100000] })
                {
                    DateTime before = DateTime.UtcNow.AddMilliseconds(-1);
                    EncryptionDataResponse e = c.EncryptData(EncryptionDataRequest.ForData(data).WithSiteId(77));
                    Assert.True(e.Success, "EncryptData: " + e.Status);
                    DecryptionDataResponse d = c.DecryptData(e.EncryptedData);
                    Assert.True(d.Success, "DecryptData: " + d.Status);
                    Assert.True(d.DecryptedData.SequenceEqual(data), data.Length + " bytes back");
                    Assert.True(d.EncryptedAt >= before && d.EncryptedAt <= DateTime.UtcNow, "EncryptedAt " + d.EncryptedAt);
                    Assert.Equal(DateTimeKind.Utc, d.EncryptedAt.Value.Kind, "EncryptedAt is UTC");
                }
                Assert.True(!c.DecryptData("garbage").Success, "garbage does not decrypt");
                Assert.True(!c.DecryptData(null).Success, "null does not decrypt");
                Assert.True(!c.DecryptData("").Success, "empty does not decrypt");
            }
        }
    }
#pragma warning restore 618
}
