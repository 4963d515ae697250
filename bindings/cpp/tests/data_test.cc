// The deprecated encrypted-data API (EncryptData/DecryptData, uid2-spec §2.7)
// through SharingClient and the official-style IUID2Client: the crypto is the
// core's; these check the marshalling of requests, results and statuses.
// (The byte-exact vectors of tests/vectors/encrypted-data.json run in
// vectors_test.cc.)
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"
#include <uid2/uid2.hpp>

namespace {

using uid2::DecryptionStatus;
using uid2::EncryptionDataRequest;
using uid2::EncryptionStatus;
using uid2::Timestamp;
using uid2test::NowSeconds;

const std::string kData = "Hello World!";

EncryptionDataRequest Request(const std::string& data = kData) {
  return EncryptionDataRequest(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}

std::string Text(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }

// The sharing keys with the site ids that data encryption looks keys up by
// (the master key's site is -1).
std::string DataKeysJson() {
  std::string keys = uid2test::SharingKeysJson(NowSeconds());
  for (const auto& idSite : {std::make_pair(uid2test::kMasterKeyId, -1),
                             std::make_pair(uid2test::kSiteKeyId, uid2test::kCallerSiteId)}) {
    const std::string id = "{\"id\":" + std::to_string(idSite.first) + ",";
    const auto at = keys.find(id);
    if (at != std::string::npos)
      keys.insert(at + id.size(), "\"site_id\":" + std::to_string(idSite.second) + ",");
  }
  return keys;
}

class Data : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = client_.RefreshJson(DataKeysJson());
    ASSERT_TRUE(r.IsSuccess()) << r.GetReason();
  }
  uid2::SharingClient client_;
};

TEST_F(Data, RoundTripForASiteATokenAndAKey) {
  const Timestamp now = Timestamp::FromEpochMilli(Timestamp::Now().GetEpochMilli());
  const auto token = client_.EncryptRawUidIntoToken(uid2test::kRawUid1);
  ASSERT_TRUE(token.IsSuccess());
  const std::vector<EncryptionDataRequest> requests = {
      Request().WithSiteId(uid2test::kCallerSiteId).WithNow(now),
      Request().WithAdvertisingToken(token.GetEncryptedData()).WithNow(now),
      Request().WithKeyId(uid2test::kSiteKeyId).WithNow(now),
  };
  for (const auto& request : requests) {
    const uid2::EncryptionDataResult e = client_.EncryptData(request);
    ASSERT_TRUE(e.IsSuccess()) << e.GetStatus();
    EXPECT_FALSE(e.GetEncryptedData().empty());
    EXPECT_EQ(e.GetEncryptedData().find(kData), std::string::npos);
    const uid2::DecryptionDataResult d = client_.DecryptData(e.GetEncryptedData());
    ASSERT_TRUE(d.IsSuccess()) << d.GetStatus();
    EXPECT_EQ(Text(d.GetDecryptedData()), kData);
    EXPECT_EQ(d.GetEncryptedAt(), now);
  }
}

TEST_F(Data, EmptyAndLargeData) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{600}, std::size_t{1} << 20}) {
    SCOPED_TRACE(n);
    std::string data(n, '\0');
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<char>(i * 31 + 7);
    const auto e = client_.EncryptData(Request(data).WithSiteId(uid2test::kCallerSiteId));
    ASSERT_TRUE(e.IsSuccess()) << e.GetStatus();
    const auto d = client_.DecryptData(e.GetEncryptedData());
    ASSERT_TRUE(d.IsSuccess()) << d.GetStatus();
    EXPECT_EQ(Text(d.GetDecryptedData()), data);
  }
}

TEST_F(Data, InitializationVectorGivesTheSameBlob) {
  const std::uint8_t iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const Timestamp now = Timestamp::FromEpochSecond(NowSeconds());
  auto request = [&] {
    return Request().WithSiteId(uid2test::kCallerSiteId).WithInitializationVector(iv, 12).WithNow(now);
  };
  const auto a = client_.EncryptData(request());
  const auto b = client_.EncryptData(request());
  ASSERT_TRUE(a.IsSuccess());
  EXPECT_EQ(a.GetEncryptedData(), b.GetEncryptedData());
  const auto random = client_.EncryptData(Request().WithSiteId(uid2test::kCallerSiteId).WithNow(now));
  EXPECT_NE(random.GetEncryptedData(), a.GetEncryptedData());
  EXPECT_EQ(client_.EncryptData(Request().WithSiteId(uid2test::kCallerSiteId).WithInitializationVector(iv, 5))
                .GetStatus(),
            EncryptionStatus::INVALID_ARGUMENT);
}

TEST_F(Data, EncryptStatuses) {
  EXPECT_EQ(client_.EncryptData(Request()).GetStatus(), EncryptionStatus::INVALID_ARGUMENT)
      << "no site, token or key";
  EXPECT_EQ(client_.EncryptData(Request().WithSiteId(uid2test::kCallerSiteId).WithKeyId(uid2test::kSiteKeyId))
                .GetStatus(),
            EncryptionStatus::INVALID_ARGUMENT)
      << "two of them";
  EXPECT_EQ(client_.EncryptData(Request().WithKeyId(424242)).GetStatus(),
            EncryptionStatus::NOT_AUTHORIZED_FOR_KEY);
  EXPECT_EQ(client_.EncryptData(Request().WithSiteId(4242)).GetStatus(),
            EncryptionStatus::NOT_AUTHORIZED_FOR_KEY);
  EXPECT_EQ(client_.EncryptData(Request().WithAdvertisingToken(std::string("not a token"))).GetStatus(),
            EncryptionStatus::TOKEN_DECRYPT_FAILURE);
  EXPECT_EQ(client_.EncryptData(Request().WithKeyId(uid2test::kSiteKeyId).WithNow(
                                    Timestamp::Now().AddDays(400)))
                .GetStatus(),
            EncryptionStatus::KEY_INACTIVE);
  // The failure results carry no data.
  EXPECT_TRUE(client_.EncryptData(Request()).GetEncryptedData().empty());

  uid2::SharingClient empty;
  EXPECT_EQ(empty.EncryptData(Request().WithSiteId(uid2test::kCallerSiteId)).GetStatus(),
            EncryptionStatus::NOT_INITIALIZED);
  uid2::SharingClient moved(std::move(empty));
  EXPECT_EQ(empty.EncryptData(Request().WithSiteId(1)).GetStatus(),  // NOLINT: use after move
            EncryptionStatus::INVALID_HANDLE);
}

TEST_F(Data, DecryptStatuses) {
  EXPECT_EQ(client_.DecryptData("").GetStatus(), DecryptionStatus::INVALID_PAYLOAD);
  EXPECT_EQ(client_.DecryptData("not base64 !").GetStatus(), DecryptionStatus::INVALID_PAYLOAD);
  EXPECT_EQ(client_.DecryptData("AAAA").GetStatus(), DecryptionStatus::INVALID_PAYLOAD_TYPE);
  const auto e = client_.EncryptData(Request().WithSiteId(uid2test::kCallerSiteId));
  ASSERT_TRUE(e.IsSuccess());
  uid2::SharingClient empty;
  EXPECT_EQ(empty.DecryptData(e.GetEncryptedData()).GetStatus(), DecryptionStatus::NOT_INITIALIZED);
  const auto failed = empty.DecryptData(e.GetEncryptedData());
  EXPECT_TRUE(failed.GetDecryptedData().empty());
  EXPECT_TRUE(failed.GetEncryptedAt().IsZero());
}

TEST(DataOfficialApi, ThroughIUID2Client) {
  std::shared_ptr<uid2::IUID2Client> client = uid2::UID2ClientFactory::Create("", "", "");
  ASSERT_TRUE(std::static_pointer_cast<uid2::UID2Client>(client)
                  ->RefreshJson(DataKeysJson())
                  .IsSuccess());
  const auto token = client->Encrypt(uid2test::kRawUid1);
  ASSERT_TRUE(token.IsSuccess());
  const auto e = client->EncryptData(Request().WithAdvertisingToken(token.GetEncryptedData()));
  ASSERT_TRUE(e.IsSuccess()) << e.GetStatus();
  const auto d = client->DecryptData(e.GetEncryptedData());
  ASSERT_TRUE(d.IsSuccess()) << d.GetStatus();
  EXPECT_EQ(Text(d.GetDecryptedData()), kData);
}

TEST(DataOfficialApi, ResultFactoriesAndRequestGetters) {
  const auto ok = uid2::EncryptionDataResult::MakeSuccess("blob");
  EXPECT_TRUE(ok.IsSuccess());
  EXPECT_EQ(ok.GetEncryptedData(), "blob");
  EXPECT_EQ(uid2::EncryptionDataResult::MakeError(EncryptionStatus::KEY_INACTIVE).GetStatus(),
            EncryptionStatus::KEY_INACTIVE);
  const auto d = uid2::DecryptionDataResult::MakeSuccess({1, 2}, Timestamp::FromEpochSecond(3));
  EXPECT_EQ(d.GetDecryptedData(), (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(d.GetEncryptedAt().GetEpochSecond(), 3);
  EXPECT_EQ(uid2::DecryptionDataResult::MakeError(DecryptionStatus::INVALID_PAYLOAD).GetStatus(),
            DecryptionStatus::INVALID_PAYLOAD);

  const std::uint8_t iv[12] = {};
  const auto r = Request().WithSiteId(5).WithKeyId(6).WithAdvertisingToken("t").WithInitializationVector(iv, 12).WithNow(
      Timestamp::FromEpochSecond(7));
  EXPECT_EQ(r.GetDataSize(), kData.size());
  EXPECT_EQ(r.GetSiteId(), 5);
  EXPECT_EQ(r.GetKeyId(), 6);
  EXPECT_EQ(r.GetAdvertisingToken(), "t");
  EXPECT_EQ(r.GetInitializationVector(), iv);
  EXPECT_EQ(r.GetInitializationVectorSize(), 12u);
  EXPECT_EQ(r.GetNow().GetEpochSecond(), 7);
  EXPECT_FALSE(EncryptionDataRequest().GetNow().IsZero());  // the clock when not given
}

}  // namespace
