// Tests of the C++ binding against the real libuid2: statuses, results,
// bad input, long raw UIDs, batches, handles and leaks, fork. Vectors are in
// vectors_test.cc, HTTP refresh in http_test.cc, threads in threads_test.cc,
// exit with threads inside calls in exit_test.cc.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <list>
#include <string>
#include <type_traits>
#include <vector>

#include "test_support.hpp"
#include <uid2/uid2.hpp>

namespace {

using uid2::DecryptionStatus;
using uid2::EncryptionStatus;
using uid2::Timestamp;
using uid2test::NowSeconds;

static_assert(!std::is_copy_constructible_v<uid2::SharingClient>);
static_assert(!std::is_copy_assignable_v<uid2::SharingClient>);
static_assert(std::is_nothrow_move_constructible_v<uid2::SharingClient>);
static_assert(std::is_nothrow_move_assignable_v<uid2::BidstreamClient>);
static_assert(!std::is_copy_constructible_v<uid2::BidstreamClient>);
static_assert(std::is_abstract_v<uid2::IUID2Client>);

uid2::SharingClient LoadedSharingClient(std::int64_t nowSec = NowSeconds()) {
  uid2::SharingClient c;
  const auto r = c.RefreshJson(uid2test::SharingKeysJson(nowSec));
  EXPECT_TRUE(r.IsSuccess()) << r.GetReason();
  return c;
}

std::string Encrypted(const uid2::SharingClient& c, std::string_view raw,
                      Timestamp now = {}) {
  const auto e = c.EncryptRawUidIntoToken(raw, now);
  EXPECT_TRUE(e.IsSuccess()) << uid2::StatusName(e.GetStatus());
  return e.GetEncryptedData();
}

// A base64 raw UID of n decoded bytes (longer than the inline buffer when
// n is large).
std::string LongRawUid(std::size_t bytes) {
  static const char* alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  for (std::size_t i = 0; i < bytes / 3 * 4; ++i) s += alphabet[(i * 7 + 3) % 64];
  return s;
}

TEST(Library, AbiAndVersion) {
  const std::uint32_t v = uid2_abi_version();
  EXPECT_EQ(v >> 16, 1u);
  EXPECT_TRUE(uid2::detail::AbiCompatible(v, UID2_ABI_VERSION_MAJOR, UID2_ABI_VERSION_MINOR));
  EXPECT_FALSE(uid2::detail::AbiCompatible(v, UID2_ABI_VERSION_MAJOR + 1, 0));
  EXPECT_FALSE(uid2::detail::AbiCompatible((1u << 16) | 0u, 1, 1));
  EXPECT_TRUE(uid2::detail::AbiCompatible((1u << 16) | 3u, 1, 1));
  EXPECT_STRNE(uid2_version(), "");
}

TEST(Library, StatusNamesMatchUid2h) {
  EXPECT_STREQ(uid2::StatusName(DecryptionStatus::SUCCESS), "SUCCESS");
  EXPECT_STREQ(uid2::StatusName(DecryptionStatus::EXPIRED_TOKEN), "EXPIRED_TOKEN");
  EXPECT_STREQ(uid2::StatusName(DecryptionStatus::DOMAIN_OR_APP_NAME_CHECK_FAILED),
               "DOMAIN_OR_APP_NAME_CHECK_FAILED");
  EXPECT_STREQ(uid2::StatusName(DecryptionStatus::INVALID_HANDLE), "INVALID_HANDLE");
  EXPECT_STREQ(uid2::StatusName(EncryptionStatus::ENCRYPTION_FAILURE), "ENCRYPTION_FAILURE");
  EXPECT_STREQ(uid2::StatusName(EncryptionStatus::WRONG_CLIENT_TYPE), "WRONG_CLIENT_TYPE");
  // Every enumerator has a name in the library (none is UNKNOWN_STATUS).
  for (auto s : {DecryptionStatus::SUCCESS, DecryptionStatus::NOT_AUTHORIZED_FOR_KEY,
                 DecryptionStatus::NOT_AUTHORIZED_FOR_MASTER_KEY,
                 DecryptionStatus::NOT_INITIALIZED, DecryptionStatus::INVALID_PAYLOAD,
                 DecryptionStatus::EXPIRED_TOKEN, DecryptionStatus::KEYS_NOT_SYNCED,
                 DecryptionStatus::VERSION_NOT_SUPPORTED, DecryptionStatus::INVALID_PAYLOAD_TYPE,
                 DecryptionStatus::INVALID_IDENTITY_SCOPE,
                 DecryptionStatus::INVALID_TOKEN_LIFETIME,
                 DecryptionStatus::DOMAIN_OR_APP_NAME_CHECK_FAILED,
                 DecryptionStatus::USER_OPTED_OUT, DecryptionStatus::INVALID_HANDLE,
                 DecryptionStatus::INVALID_ARGUMENT, DecryptionStatus::INTERNAL_ERROR}) {
    EXPECT_STRNE(uid2::StatusName(s), "UNKNOWN_STATUS") << static_cast<int>(s);
  }
  for (auto s : {EncryptionStatus::SUCCESS, EncryptionStatus::NOT_AUTHORIZED_FOR_KEY,
                 EncryptionStatus::NOT_AUTHORIZED_FOR_MASTER_KEY,
                 EncryptionStatus::NOT_INITIALIZED, EncryptionStatus::KEYS_NOT_SYNCED,
                 EncryptionStatus::TOKEN_DECRYPT_FAILURE, EncryptionStatus::KEY_INACTIVE,
                 EncryptionStatus::ENCRYPTION_FAILURE, EncryptionStatus::INVALID_HANDLE,
                 EncryptionStatus::INVALID_ARGUMENT, EncryptionStatus::INTERNAL_ERROR,
                 EncryptionStatus::WRONG_CLIENT_TYPE}) {
    EXPECT_STRNE(uid2::StatusName(s), "UNKNOWN_STATUS") << static_cast<int>(s);
  }
}

TEST(Timestamp, OfficialApi) {
  const auto t = Timestamp::FromEpochSecond(1700000000);
  EXPECT_EQ(t.GetEpochMilli(), 1700000000000);
  EXPECT_EQ(t.AddDays(1).GetEpochSecond(), 1700086400);
  EXPECT_EQ(t.AddSeconds(-1).GetEpochMilli(), 1699999999000);
  EXPECT_TRUE(Timestamp().IsZero());
  EXPECT_LT(t, Timestamp::Now());
  EXPECT_GE(Timestamp::Now(), t);
}

TEST(SharingClient, NotInitializedBeforeKeys) {
  uid2::SharingClient c;
  const auto d = c.DecryptTokenIntoRawUid("AAAAAAAAAAAA");
  EXPECT_EQ(d.GetStatus(), DecryptionStatus::NOT_INITIALIZED);
  EXPECT_FALSE(d.IsSuccess());
  EXPECT_EQ(d.GetUid(), "");
  const auto e = c.EncryptRawUidIntoToken(uid2test::kRawUid1);
  EXPECT_EQ(e.GetStatus(), EncryptionStatus::NOT_INITIALIZED);
  EXPECT_EQ(e.GetEncryptedData(), "");
  const auto st = c.GetRefreshState();
  EXPECT_FALSE(st.hasKeys);
  EXPECT_EQ(st.keyCount, 0);
}

TEST(SharingClient, EncryptThenDecryptEveryField) {
  const std::int64_t nowSec = NowSeconds();
  auto c = LoadedSharingClient(nowSec);
  const Timestamp now = Timestamp::FromEpochMilli(nowSec * 1000 + 123);
  for (const char* raw : {uid2test::kRawUid1, uid2test::kRawUid2}) {
    const std::string token = Encrypted(c, raw, now);
    EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << token;  // Base64URL
    EXPECT_EQ(token[0], 'A');                                            // UID2 scope
    const auto d = c.DecryptTokenIntoRawUid(token, now);
    ASSERT_TRUE(d.IsSuccess()) << d.GetStatus();
    EXPECT_EQ(d.GetUid(), raw);
    EXPECT_EQ(d.GetSiteId(), uid2test::kCallerSiteId);
    EXPECT_EQ(d.GetEstablished(), now);
    EXPECT_EQ(d.GetExpiry(), now.AddSeconds(2592000));
    EXPECT_EQ(d.GetIdentityScope(), uid2::IdentityScope::UID2);
    ASSERT_TRUE(d.HasIdentityType());
    EXPECT_EQ(d.GetIdentityType(), uid2::IdentityType::EMAIL);
    EXPECT_EQ(d.GetAdvertisingTokenVersion(), 4);
    EXPECT_FALSE(d.IsClientSideGenerated());
    // Expired one second after expiry; every field but the uid is set.
    const auto x = c.DecryptTokenIntoRawUid(token, now.AddSeconds(2592001));
    EXPECT_EQ(x.GetStatus(), DecryptionStatus::EXPIRED_TOKEN);
    EXPECT_EQ(x.GetUid(), "");
    EXPECT_EQ(x.GetSiteId(), uid2test::kCallerSiteId);
    EXPECT_EQ(x.GetExpiry(), now.AddSeconds(2592000));
    EXPECT_EQ(x.GetAdvertisingTokenVersion(), 4);
  }
}

TEST(SharingClient, EncryptStatuses) {
  const std::int64_t nowSec = NowSeconds();
  auto c = LoadedSharingClient(nowSec);
  // Not base64.
  EXPECT_EQ(c.EncryptRawUidIntoToken("not base64 !!").GetStatus(),
            EncryptionStatus::ENCRYPTION_FAILURE);
  // Every key expired.
  EXPECT_EQ(c.EncryptRawUidIntoToken(uid2test::kRawUid1, Timestamp::FromEpochSecond(nowSec).AddDays(400))
                .GetStatus(),
            EncryptionStatus::KEYS_NOT_SYNCED);
  // A keyset with no key.
  EXPECT_EQ(c.EncryptRawUidIntoToken(uid2test::kRawUid1, {}, 424242).GetStatus(),
            EncryptionStatus::NOT_AUTHORIZED_FOR_KEY);
  // The default keyset given explicitly.
  EXPECT_TRUE(
      c.EncryptRawUidIntoToken(uid2test::kRawUid1, {}, uid2test::kDefaultKeysetId).IsSuccess());
  // No master key.
  uid2::SharingClient noMaster;
  auto keys = uid2test::DefaultKeys(nowSec);
  keys.erase(keys.begin());
  ASSERT_TRUE(noMaster.RefreshJson(uid2test::SharingKeysJson(keys)).IsSuccess());
  EXPECT_EQ(noMaster.EncryptRawUidIntoToken(uid2test::kRawUid1).GetStatus(),
            EncryptionStatus::NOT_AUTHORIZED_FOR_MASTER_KEY);
}

TEST(SharingClient, DecryptStatuses) {
  const std::int64_t nowSec = NowSeconds();
  auto c = LoadedSharingClient(nowSec);
  const std::string token = Encrypted(c, uid2test::kRawUid1);
  // A receiver without the site key, then without the master key.
  uid2::SharingClient noSite, noMaster;
  auto keys = uid2test::DefaultKeys(nowSec);
  ASSERT_TRUE(noSite.RefreshJson(uid2test::SharingKeysJson({keys[0], keys[2]})).IsSuccess());
  ASSERT_TRUE(noMaster.RefreshJson(uid2test::SharingKeysJson({keys[1], keys[2]})).IsSuccess());
  EXPECT_EQ(noSite.DecryptTokenIntoRawUid(token).GetStatus(),
            DecryptionStatus::NOT_AUTHORIZED_FOR_KEY);
  EXPECT_EQ(noMaster.DecryptTokenIntoRawUid(token).GetStatus(),
            DecryptionStatus::NOT_AUTHORIZED_FOR_MASTER_KEY);
  // EUID keys: a UID2 token is out of scope.
  uid2::SharingClient euid;
  ASSERT_TRUE(euid.RefreshJson(uid2test::SharingKeysJson(nowSec, "EUID")).IsSuccess());
  const auto d = euid.DecryptTokenIntoRawUid(token);
  EXPECT_EQ(d.GetStatus(), DecryptionStatus::INVALID_IDENTITY_SCOPE);
  EXPECT_EQ(d.GetIdentityScope(), uid2::IdentityScope::EUID);
  const std::string euidToken = Encrypted(euid, uid2test::kRawUid1);
  EXPECT_EQ(euidToken[0], 'E');
  EXPECT_TRUE(euid.DecryptTokenIntoRawUid(euidToken).IsSuccess());
  // Keys all expired.
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token, Timestamp::FromEpochSecond(nowSec).AddDays(400))
                .GetStatus(),
            DecryptionStatus::KEYS_NOT_SYNCED);
  // A flipped character fails authentication.
  std::string bad = token;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(c.DecryptTokenIntoRawUid(bad).GetStatus(), DecryptionStatus::INVALID_PAYLOAD);
  // An unknown version byte.
  EXPECT_EQ(c.DecryptTokenIntoRawUid("BwAAAAAAAAAAAAAAAAAAAAAAAAAA").GetStatus(),
            DecryptionStatus::VERSION_NOT_SUPPORTED);
}

// Empty, huge, embedded NUL, invalid UTF-8, non-ASCII: a status, never a crash.
TEST(BadInput, DecryptGivesStatuses) {
  auto c = LoadedSharingClient();
  uid2::BidstreamClient b;
  ASSERT_TRUE(b.RefreshJson(uid2test::BidstreamKeysJson(NowSeconds())).IsSuccess());
  const std::string token = Encrypted(c, uid2test::kRawUid1);
  std::string withNul = token;
  withNul[10] = '\0';
  const std::vector<std::string> inputs = {
      std::string(),
      std::string("A"),
      std::string(1 << 20, 'A'),
      std::string(4 << 20, '\xff'),
      withNul,
      token + std::string(1, '\0'),
      std::string("\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc", 11),
      std::string("\xf0\x9f\x98\x80 d\xc3\xa9j\xc3\xa0 vu"),
      std::string(3, '\0'),
  };
  for (const auto& in : inputs) {
    SCOPED_TRACE(in.size());
    const auto d = c.DecryptTokenIntoRawUid(in);
    EXPECT_FALSE(d.IsSuccess());
    EXPECT_LT(static_cast<int>(d.GetStatus()), 100) << d.GetStatus();
    EXPECT_EQ(d.GetUid(), "");
    const auto bd = b.DecryptTokenIntoRawUid(in, in);  // bad domain too
    EXPECT_FALSE(bd.IsSuccess());
    EXPECT_LT(static_cast<int>(bd.GetStatus()), 100) << bd.GetStatus();
  }
  // The batch path gives the same statuses in order.
  const auto batch = c.DecryptTokensIntoRawUids(inputs);
  ASSERT_EQ(batch.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    EXPECT_EQ(batch[i].GetStatus(), c.DecryptTokenIntoRawUid(inputs[i]).GetStatus()) << i;
  // A good token with a weird domain on a bidstream client: not a CSTG
  // token, so the name is not checked.
  EXPECT_TRUE(b.DecryptTokenIntoRawUid(token, std::string("\0\xff", 2)).IsSuccess());
  EXPECT_TRUE(b.DecryptTokenIntoRawUid(token, std::string(1 << 20, 'x')).IsSuccess());
}

TEST(BadInput, EncryptGivesStatuses) {
  auto c = LoadedSharingClient();
  const std::vector<std::string> inputs = {
      std::string(),
      std::string(1 << 20, '!'),
      std::string("ywsvDNIN\0ZOVSsfkHpLpSJzXzhr6Jx9Z/4Q0+lsEUvM=", 44),
      std::string("\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc", 11),
      std::string("\xf0\x9f\x98\x80"),
  };
  for (const auto& in : inputs) {
    SCOPED_TRACE(in.size());
    const auto e = c.EncryptRawUidIntoToken(in);
    EXPECT_LT(static_cast<int>(e.GetStatus()), 100) << e.GetStatus();
    if (!e.IsSuccess()) {
      EXPECT_EQ(e.GetEncryptedData(), "");
    }
  }
  const auto batch = c.EncryptRawUidsIntoTokens(inputs);
  ASSERT_EQ(batch.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    EXPECT_EQ(batch[i].GetStatus(), c.EncryptRawUidIntoToken(inputs[i]).GetStatus()) << i;
}

TEST(BadInput, RefreshJsonInvalidKeepsOldKeys) {
  auto c = LoadedSharingClient();
  const std::string token = Encrypted(c, uid2test::kRawUid1);
  for (const std::string& json :
       {std::string(), std::string("{"), std::string("null"), std::string("\xff\xfe", 2),
        std::string("{\"body\":{\"keys\":[{\"id\":\"x\"}]}}"), std::string(1 << 20, '['),
        std::string("{\"bo\0dy\":{}}", 12)}) {
    const auto r = c.RefreshJson(json);
    EXPECT_FALSE(r.IsSuccess());
    EXPECT_FALSE(r.GetReason().empty());
    EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
  }
  EXPECT_TRUE(c.GetRefreshState().hasKeys);
  EXPECT_GE(c.GetRefreshState().consecutiveFailures, 1);
}

// Raw UIDs longer than UID2_UID_INLINE_CAPACITY (decrypt's retry into a
// buffer) and tokens longer than the 512-byte first guess (encrypt's retry).
TEST(SharingClient, LongRawUids) {
  auto c = LoadedSharingClient();
  for (std::size_t bytes : {189u, 192u, 195u, 600u, 3000u, 200000u}) {
    const std::string raw = LongRawUid(bytes);
    SCOPED_TRACE(raw.size());
    const std::string token = Encrypted(c, raw);
    ASSERT_GT(token.size(), raw.size());
    const auto d = c.DecryptTokenIntoRawUid(token);
    ASSERT_TRUE(d.IsSuccess()) << d.GetStatus();
    EXPECT_EQ(d.GetUid(), raw);
    const auto batch = c.DecryptTokensIntoRawUids(std::vector<std::string>{token, token});
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[1].GetUid(), raw);
    const auto eb = c.EncryptRawUidsIntoTokens(std::array<std::string_view, 1>{raw});
    ASSERT_TRUE(eb[0].IsSuccess());
    EXPECT_EQ(c.DecryptTokenIntoRawUid(eb[0].GetEncryptedData()).GetUid(), raw);
  }
}

TEST(Batch, MatchesSingleCallsAcrossChunks) {
  auto c = LoadedSharingClient();
  // More items than a chunk, one item larger than a chunk in the middle.
  std::vector<std::string> raws;
  for (int i = 0; i < 2600; ++i) raws.push_back(i % 3 ? uid2test::kRawUid1 : uid2test::kRawUid2);
  raws[5] = "not base64";
  raws[1500] = LongRawUid(900000);  // base64 longer than the 1 MiB chunk
  const auto enc = c.EncryptRawUidsIntoTokens(raws);
  ASSERT_EQ(enc.size(), raws.size());
  std::vector<std::string_view> tokens;
  for (std::size_t i = 0; i < raws.size(); ++i) {
    if (i == 5) {
      EXPECT_EQ(enc[i].GetStatus(), EncryptionStatus::ENCRYPTION_FAILURE);
      EXPECT_EQ(enc[i].GetEncryptedData(), "");
    } else {
      ASSERT_TRUE(enc[i].IsSuccess()) << i << " " << enc[i].GetStatus();
    }
    tokens.push_back(enc[i].GetEncryptedData());
  }
  const auto dec = c.DecryptTokensIntoRawUids(tokens);
  ASSERT_EQ(dec.size(), raws.size());
  for (std::size_t i = 0; i < raws.size(); ++i) {
    if (i == 5) {
      EXPECT_EQ(dec[i].GetStatus(), DecryptionStatus::INVALID_PAYLOAD);
    } else {
      ASSERT_TRUE(dec[i].IsSuccess()) << i;
      EXPECT_EQ(dec[i].GetUid(), raws[i]) << i;
      EXPECT_EQ(dec[i].GetSiteId(), uid2test::kCallerSiteId);
    }
  }
  // Other containers, empty batches.
  EXPECT_TRUE(c.DecryptTokensIntoRawUids(std::vector<std::string>{}).empty());
  EXPECT_TRUE(c.EncryptRawUidsIntoTokens(std::list<const char*>{}).empty());
  const auto fromList = c.DecryptTokensIntoRawUids(
      std::list<std::string>{enc[0].GetEncryptedData(), "", enc[1].GetEncryptedData()});
  ASSERT_EQ(fromList.size(), 3u);
  EXPECT_EQ(fromList[0].GetUid(), raws[0]);
  EXPECT_EQ(fromList[1].GetStatus(), DecryptionStatus::INVALID_PAYLOAD);
  EXPECT_EQ(fromList[2].GetUid(), raws[1]);
  // Batch statuses of a client without keys, then with keys given a time.
  uid2::SharingClient empty;
  for (const auto& r : empty.DecryptTokensIntoRawUids(tokens))
    EXPECT_EQ(r.GetStatus(), DecryptionStatus::NOT_INITIALIZED);
  for (const auto& r : empty.EncryptRawUidsIntoTokens(raws))
    EXPECT_EQ(r.GetStatus(), EncryptionStatus::NOT_INITIALIZED);
}

TEST(BidstreamClient, DecryptsSharingTokens) {
  const std::int64_t nowSec = NowSeconds();
  auto c = LoadedSharingClient(nowSec);
  const std::string token = Encrypted(c, uid2test::kRawUid1);
  uid2::BidstreamClient b;
  EXPECT_EQ(b.DecryptTokenIntoRawUid(token, "example.com").GetStatus(),
            DecryptionStatus::NOT_INITIALIZED);
  ASSERT_TRUE(b.RefreshJson(uid2test::BidstreamKeysJson(nowSec)).IsSuccess());
  EXPECT_EQ(b.DecryptTokenIntoRawUid(token, "example.com").GetUid(), uid2test::kRawUid1);
  EXPECT_EQ(b.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
  const auto batch = b.DecryptTokensIntoRawUids(std::vector<std::string>{token, "x"}, "example.com");
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].GetUid(), uid2test::kRawUid1);
  EXPECT_EQ(batch[1].GetStatus(), DecryptionStatus::INVALID_PAYLOAD);
}

// Keys whose response names no scope take the factory's: an EUID client
// makes and reads EUID tokens, and a UID2 client refuses them.
TEST(OfficialApi, FactoryScopeForKeysWithoutOne) {
  std::string keys = uid2test::SharingKeysJson(NowSeconds(), "EUID");
  const std::string named = "\"identity_scope\":\"EUID\",";
  const auto at = keys.find(named);
  ASSERT_NE(at, std::string::npos);
  keys.erase(at, named.size());
  uid2::UID2Client euid("", "", "", uid2::IdentityScope::EUID);
  uid2::UID2Client uid2("", "", "", uid2::IdentityScope::UID2);
  ASSERT_TRUE(euid.RefreshJson(keys).IsSuccess());
  ASSERT_TRUE(uid2.RefreshJson(keys).IsSuccess());
  const uid2::EncryptionResult e = euid.Encrypt(uid2test::kRawUid1);
  ASSERT_TRUE(e.IsSuccess());
  const uid2::DecryptionResult d = euid.Decrypt(e.GetEncryptedData());
  ASSERT_TRUE(d.IsSuccess());
  EXPECT_EQ(d.GetIdentityScope(), uid2::IdentityScope::EUID);
  EXPECT_EQ(uid2.Decrypt(e.GetEncryptedData()).GetStatus(), DecryptionStatus::INVALID_IDENTITY_SCOPE);
}

TEST(OfficialApi, FactoryAndUid2Client) {
  const std::size_t before = uid2_client_count();
  {
    std::shared_ptr<uid2::IUID2Client> client =
        uid2::UID2ClientFactory::Create("", "", "");
    std::shared_ptr<uid2::IUID2Client> euid = uid2::EUIDClientFactory::Create("", "", "");
    EXPECT_EQ(uid2_client_count(), before + 2);
    EXPECT_EQ(std::static_pointer_cast<uid2::UID2Client>(euid)->GetIdentityScope(),
              uid2::IdentityScope::EUID);
    auto* legacy = static_cast<uid2::UID2Client*>(client.get());
    EXPECT_EQ(legacy->GetIdentityScope(), uid2::IdentityScope::UID2);
    EXPECT_EQ(client->Decrypt("x").GetStatus(), DecryptionStatus::NOT_INITIALIZED);
    const uid2::RefreshResult r = legacy->RefreshJson(uid2test::SharingKeysJson(NowSeconds()));
    ASSERT_TRUE(r.IsSuccess()) << r.GetReason();
    EXPECT_TRUE(r.GetReason().empty());
    const uid2::EncryptionResult e = client->Encrypt(uid2test::kRawUid1);
    ASSERT_TRUE(e.IsSuccess());
    const std::string token = e.GetEncryptedData();
    const uid2::DecryptionResult d = client->Decrypt(token);
    ASSERT_TRUE(d.IsSuccess());
    EXPECT_EQ(d.GetUid(), uid2test::kRawUid1);
    EXPECT_EQ(d.GetSiteId(), uid2test::kCallerSiteId);
    EXPECT_EQ(d.GetSiteKeySiteId(), 0);  // keyset-format keys carry no site id
    EXPECT_FALSE(d.GetEstablished().IsZero());
    const auto later = legacy->Decrypt(token, Timestamp::Now().AddDays(31));
    EXPECT_EQ(later.GetStatus(), DecryptionStatus::EXPIRED_TOKEN);
    EXPECT_TRUE(legacy->Encrypt(uid2test::kRawUid2, Timestamp::Now()).IsSuccess());
    EXPECT_EQ(legacy->DecryptBatch(std::vector<std::string>{token})[0].GetUid(),
              uid2test::kRawUid1);
    EXPECT_TRUE(legacy->EncryptBatch(std::vector<std::string>{uid2test::kRawUid1})[0].IsSuccess());
    // Refresh over HTTP without an endpoint: a failed result, not an exception.
    const auto http = client->Refresh();
    EXPECT_FALSE(http.IsSuccess());
    EXPECT_FALSE(http.GetReason().empty());
    EXPECT_TRUE(client->Decrypt(token).IsSuccess());  // old keys kept
  }
  EXPECT_EQ(uid2_client_count(), before);
}

TEST(OfficialApi, ResultFactories) {
  const auto s = uid2::DecryptionResult::MakeSuccess("uid", Timestamp::FromEpochSecond(5), 7, 8);
  EXPECT_TRUE(s.IsSuccess());
  EXPECT_EQ(s.GetUid(), "uid");
  EXPECT_EQ(s.GetEstablished().GetEpochSecond(), 5);
  EXPECT_EQ(s.GetSiteId(), 7);
  EXPECT_EQ(s.GetSiteKeySiteId(), 8);
  const auto e = uid2::DecryptionResult::MakeError(DecryptionStatus::EXPIRED_TOKEN);
  EXPECT_EQ(e.GetStatus(), DecryptionStatus::EXPIRED_TOKEN);
  EXPECT_FALSE(e.HasIdentityType());
  // As the official SDK: an error without fields has site ids of -1.
  EXPECT_EQ(e.GetSiteId(), -1);
  EXPECT_EQ(e.GetSiteKeySiteId(), -1);
  EXPECT_EQ(uid2::EncryptionResult::MakeSuccess("t").GetEncryptedData(), "t");
  EXPECT_EQ(uid2::EncryptionResult::MakeError(EncryptionStatus::KEYS_NOT_SYNCED).GetStatus(),
            EncryptionStatus::KEYS_NOT_SYNCED);
  EXPECT_EQ(uid2::RefreshResult::MakeError("why").GetReason(), "why");
}

TEST(Handles, RaiiMoveAndLeaks) {
  const std::size_t before = uid2_client_count();
  {
    uid2::SharingClient a = LoadedSharingClient();
    uid2::BidstreamClient b;
    EXPECT_EQ(uid2_client_count(), before + 2);
    EXPECT_NE(a.native_handle(), 0u);
    const std::string token = Encrypted(a, uid2test::kRawUid1);

    uid2::SharingClient moved(std::move(a));
    EXPECT_EQ(a.native_handle(), 0u);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(uid2_client_count(), before + 2);
    EXPECT_EQ(moved.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
    // A moved-from client reports INVALID_HANDLE, it does not crash.
    EXPECT_EQ(a.DecryptTokenIntoRawUid(token).GetStatus(), DecryptionStatus::INVALID_HANDLE);
    EXPECT_EQ(a.EncryptRawUidIntoToken(uid2test::kRawUid1).GetStatus(),
              EncryptionStatus::INVALID_HANDLE);
    for (const auto& r : a.DecryptTokensIntoRawUids(std::vector<std::string>{token, token}))
      EXPECT_EQ(r.GetStatus(), DecryptionStatus::INVALID_HANDLE);
    for (const auto& r : a.EncryptRawUidsIntoTokens(std::vector<std::string>{token}))
      EXPECT_EQ(r.GetStatus(), EncryptionStatus::INVALID_HANDLE);
    EXPECT_FALSE(a.RefreshJson(uid2test::SharingKeysJson(NowSeconds())).IsSuccess());

    // Move-assignment frees the target's old handle.
    uid2::SharingClient other;
    EXPECT_EQ(uid2_client_count(), before + 3);
    other = std::move(moved);
    EXPECT_EQ(uid2_client_count(), before + 2);
    EXPECT_EQ(other.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);
    other = std::move(other);  // self-move keeps the handle
    EXPECT_EQ(uid2_client_count(), before + 2);

    for (int i = 0; i < 200; ++i) {
      uid2::SharingClient tmp(uid2test::Env("UNSET_UID2_URL"), "", "");
      uid2::BidstreamClient tmp2("http://127.0.0.1:1", "key", uid2test::kClientSecret);
    }
    EXPECT_EQ(uid2_client_count(), before + 2);
  }
  EXPECT_EQ(uid2_client_count(), before);
}

TEST(Handles, ProgrammerErrorsThrow) {
  const std::size_t before = uid2_client_count();
  EXPECT_THROW(uid2::SharingClient("http://127.0.0.1:1", "key", "not base64"),
               std::invalid_argument);
  EXPECT_THROW(uid2::BidstreamClient("http://127.0.0.1:1", "key", "c2hvcnQ="),
               std::invalid_argument);
  EXPECT_THROW(uid2::UID2ClientFactory::Create("http://x", "k", "!"), std::invalid_argument);
  uid2::SharingClient jsonOnly;
  EXPECT_THROW(jsonOnly.StartAutoRefresh(), std::invalid_argument);
  jsonOnly.StopAutoRefresh();  // not running: fine
  EXPECT_EQ(uid2_client_count(), before + 1);
}

TEST(Refresh, WithoutCredentialsIsAFailedResult) {
  uid2::SharingClient c;
  const auto r = c.Refresh();
  EXPECT_FALSE(r.IsSuccess());
  EXPECT_FALSE(r.GetReason().empty());
}

TEST(Refresh, UnreachableServerFailsWithinTimeout) {
  uid2::BidstreamClient b("http://127.0.0.1:1", uid2test::kApiKey, uid2test::kClientSecret);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = b.Refresh(std::chrono::milliseconds(2000));
  EXPECT_FALSE(r.IsSuccess());
  EXPECT_FALSE(r.GetReason().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  const auto st = b.GetRefreshState();
  EXPECT_EQ(st.consecutiveFailures, 1);
  EXPECT_FALSE(st.lastFailure.IsZero());
  EXPECT_FALSE(st.lastError.empty());
}

// A call in a child forked after the library loaded is refused at once with
// a LibraryError (the Go runtime does not survive fork) instead of hanging.
TEST(Fork, ChildCallsThrowLibraryError) {
  auto c = LoadedSharingClient();
  const std::string token = Encrypted(c, uid2test::kRawUid1);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::alarm(10);  // watchdog: a hung child dies of SIGALRM and fails the test
    const auto t0 = std::chrono::steady_clock::now();
    int code = 0;
    try {
      (void)c.DecryptTokenIntoRawUid(token);
      code = 1;
    } catch (const uid2::LibraryError&) {
    }
    try {
      (void)c.EncryptRawUidsIntoTokens(std::vector<std::string>{uid2test::kRawUid1});
      code = 2;
    } catch (const uid2::LibraryError&) {
    }
    try {
      uid2::SharingClient fresh;
      code = 3;
    } catch (const uid2::LibraryError& e) {
      if (std::string(e.what()).find("after it forks") == std::string::npos) code = 4;
    }
    if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(1)) code = 5;
    ::_exit(code);
  }
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st)) << "the child hung or crashed (signal " << (WIFSIGNALED(st) ? WTERMSIG(st) : 0) << ")";
  EXPECT_EQ(WEXITSTATUS(st), 0);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), uid2test::kRawUid1);  // parent fine
}

TEST(WaitForKeys, WithoutHttp) {
  uid2::SharingClient c;
  const auto none = c.WaitForKeys(std::chrono::milliseconds(0));
  EXPECT_FALSE(none.IsSuccess());
  EXPECT_FALSE(none.GetReason().empty());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.WaitForKeys(std::chrono::milliseconds(200)).IsSuccess());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(190));
  // Keys loaded on another thread end the wait.
  std::thread loader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(c.RefreshJson(uid2test::SharingKeysJson(NowSeconds())).IsSuccess());
  });
  const auto t1 = std::chrono::steady_clock::now();
  const auto r = c.WaitForKeys(std::chrono::seconds(20));
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(10));
  loader.join();
  EXPECT_TRUE(r.IsSuccess()) << r.GetReason();
  EXPECT_TRUE(c.WaitForKeys(std::chrono::milliseconds(0)).IsSuccess());
  uid2::SharingClient moved(std::move(c));
  EXPECT_FALSE(c.WaitForKeys(std::chrono::milliseconds(0)).IsSuccess());  // NOLINT: moved from
}

TEST(RefreshEvents, FailedJsonRefreshReachesTheCallback) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uid2::RefreshEvent> events;
  uid2::SharingClient c;
  c.SetRefreshFailureCallback([&](const uid2::RefreshEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
    cv.notify_all();
    throw std::runtime_error("dropped by the listener");
  });
  EXPECT_FALSE(c.RefreshJson("{not json").IsSuccess());
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !events.empty(); }));
  EXPECT_EQ(events[0].seq, 1u);
  EXPECT_FALSE(events[0].automatic);
  EXPECT_FALSE(events[0].message.empty());
}

// The callback hears of failures after it is set, not of an older one: the
// library keeps the newest attempt, which a listener starting at 0 would get.
TEST(RefreshEvents, FailureBeforeTheCallbackIsNotReported) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uid2::RefreshEvent> events;
  uid2::SharingClient c;
  EXPECT_FALSE(c.RefreshJson("{not json").IsSuccess());
  c.SetRefreshFailureCallback([&](const uid2::RefreshEvent& e) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
    cv.notify_all();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a stale delivery would be made by now
  EXPECT_FALSE(c.RefreshJson("[]").IsSuccess());
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !events.empty(); }));
  EXPECT_EQ(events[0].seq, 2u);
  EXPECT_EQ(events[0].missed, 0u);
}

// Threads racing to set the first callback make one listener: a second one
// would be lost un-joined (its client's destructor would then wait forever).
TEST(RefreshEvents, CallbackSetFromManyThreads) {
  std::atomic<int> calls{0};
  auto setFromEightThreads = [&](uid2::SharingClient& c) {
    std::vector<std::thread> setters;
    for (int i = 0; i < 8; ++i) {
      setters.emplace_back([&] {
        c.SetRefreshFailureCallback([&](const uid2::RefreshEvent&) { ++calls; });
      });
    }
    for (auto& t : setters) t.join();
  };
  for (int round = 0; round < 20; ++round) {
    uid2::SharingClient c;
    setFromEightThreads(c);
  }
  uid2::SharingClient c;
  setFromEightThreads(c);
  EXPECT_FALSE(c.RefreshJson("[]").IsSuccess());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (calls.load() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(calls.load(), 1) << "one listener, one call per failed refresh";
}

TEST(Enums, OfficialNumbersAndLibraryStatuses) {
  // A not-initialized client's statuses arrive as the official enumerators.
  uid2::SharingClient c;
  const auto d = c.DecryptTokenIntoRawUid("x");
  EXPECT_EQ(d.GetStatus(), DecryptionStatus::NOT_INITIALIZED);
  EXPECT_EQ(static_cast<int>(d.GetStatus()), 2);
  const auto e = c.EncryptRawUidIntoToken(uid2test::kRawUid1);
  EXPECT_EQ(e.GetStatus(), EncryptionStatus::NOT_INITIALIZED);
  EXPECT_EQ(static_cast<int>(e.GetStatus()), 3);
  // A status only the library has maps to INTERNAL_ERROR, never to a token status.
  EXPECT_EQ(uid2::detail::FromUid2Status<DecryptionStatus>(UID2_STATUS_UNSUPPORTED_HOST),
            DecryptionStatus::INTERNAL_ERROR);
  EXPECT_EQ(uid2::detail::FromUid2Status<EncryptionStatus>(UID2_STATUS_WRONG_CLIENT_TYPE),
            EncryptionStatus::WRONG_CLIENT_TYPE);
  // Every uid2.h token status decrypt can return has its enumerator, and back.
  for (uid2_status s = 0; s <= UID2_STATUS_USER_OPTED_OUT; ++s) {
    if (s == UID2_STATUS_ENCRYPTION_FAILURE) continue;
    const DecryptionStatus ds = uid2::detail::FromUid2Status<DecryptionStatus>(s);
    EXPECT_STREQ(uid2::StatusName(ds), uid2_status_name(s));
  }
  for (uid2_status s : {UID2_STATUS_SUCCESS, UID2_STATUS_NOT_AUTHORIZED_FOR_KEY,
                        UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY, UID2_STATUS_NOT_INITIALIZED,
                        UID2_STATUS_KEYS_NOT_SYNCED, UID2_STATUS_TOKEN_DECRYPT_FAILURE,
                        UID2_STATUS_KEY_INACTIVE, UID2_STATUS_ENCRYPTION_FAILURE}) {
    const EncryptionStatus es = uid2::detail::FromUid2Status<EncryptionStatus>(s);
    EXPECT_STREQ(uid2::StatusName(es), uid2_status_name(s));
  }
  // The identity type of a token as the official enumerators.
  EXPECT_EQ(static_cast<int>(uid2::IdentityType::EMAIL), 0);
  EXPECT_EQ(static_cast<int>(uid2::IdentityType::PHONE), 1);
}

TEST(StringRef, FromEveryStringKind) {
  const uid2::SharingClient c = LoadedSharingClient();
  const std::string raw = uid2test::kRawUid1;
  const std::string token = Encrypted(c, raw);
  const std::string_view view(token);
  const char* cstr = token.c_str();
  EXPECT_EQ(c.DecryptTokenIntoRawUid(token).GetUid(), raw);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(view).GetUid(), raw);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(cstr).GetUid(), raw);
  EXPECT_EQ(c.DecryptTokenIntoRawUid(uid2::StringRef(cstr, token.size())).GetUid(), raw);
  // A view into a longer buffer: only its characters are read.
  const std::string padded = token + "trailing";
  EXPECT_EQ(c.DecryptTokenIntoRawUid(uid2::StringRef(padded.data(), token.size())).GetUid(), raw);
  EXPECT_EQ(uid2::StringRef().size(), 0u);
  EXPECT_NE(uid2::StringRef().data(), nullptr);
  EXPECT_EQ(uid2::StringRef(static_cast<const char*>(nullptr)).size(), 0u);
}

}  // namespace
