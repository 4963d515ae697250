// uid2.hpp — the C++17 binding of libuid2 (header-only, over uid2.h).
//
// Link with libuid2.so (`pkg-config --cflags --libs uid2`, or CMake
// `find_package(uid2 CONFIG REQUIRED)` + `target_link_libraries(app uid2::uid2)`).
//
// Two APIs over the same native clients:
//   * uid2::SharingClient, uid2::BidstreamClient — move-only RAII owners of a
//     libuid2 client handle: Refresh(), RefreshJson(),
//     DecryptTokenIntoRawUid(), EncryptRawUidIntoToken(), batch calls.
//   * The official uid2-client-cpp11 names: uid2::IUID2Client,
//     uid2::UID2Client, uid2::UID2ClientFactory::Create,
//     uid2::EUIDClientFactory::Create, Decrypt, Encrypt, Refresh, RefreshJson,
//     DecryptionResult / EncryptionResult / RefreshResult, Timestamp, so that
//     an ad server written against the official SDK recompiles with a changed
//     include and link line. (The deprecated EncryptData/DecryptData API is
//     not provided.)
//
// Errors: decrypt and encrypt report statuses, never throw (except
// std::bad_alloc, and uid2::LibraryError when the library is unusable: its ABI
// major differs from this header's or its minor is older, or a call in a child
// forked after the library was loaded).
// Refresh reports a RefreshResult. Exceptions are only for programmer errors
// (std::invalid_argument: e.g. a secret that is not base64 of 32 bytes) and
// an unusable library.
//
// Threads: every method of every client may be called from any number of
// threads at once; decrypt and encrypt never wait for a refresh.
//
// Fork: the library runs a Go runtime, which does not survive fork(). Create
// clients in each worker after fork; calls in a forked child throw
// uid2::LibraryError.
#ifndef UID2_UID2_HPP
#define UID2_UID2_HPP

#include <uid2.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uid2 {

// ---------------------------------------------------------------------------
// Time

// A point in time with millisecond precision (Unix epoch). A zero Timestamp
// passed as `now` means "the system clock" (UID2_NOW). Same API as the
// official SDK's uid2::Timestamp.
class Timestamp {
 public:
  constexpr Timestamp() = default;

  static Timestamp Now() {
    return Timestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count());
  }
  static constexpr Timestamp FromEpochSecond(std::int64_t epochSeconds) {
    return FromEpochMilli(epochSeconds * 1000);
  }
  static constexpr Timestamp FromEpochMilli(std::int64_t epochMilli) {
    return Timestamp(epochMilli);
  }

  constexpr std::int64_t GetEpochSecond() const { return epochMilli_ / 1000; }
  constexpr std::int64_t GetEpochMilli() const { return epochMilli_; }
  constexpr bool IsZero() const { return epochMilli_ == 0; }

  constexpr Timestamp AddSeconds(std::int64_t seconds) const {
    return Timestamp(epochMilli_ + seconds * 1000);
  }
  constexpr Timestamp AddDays(int days) const {
    return AddSeconds(static_cast<std::int64_t>(days) * 24 * 60 * 60);
  }

  constexpr bool operator==(Timestamp o) const { return epochMilli_ == o.epochMilli_; }
  constexpr bool operator!=(Timestamp o) const { return epochMilli_ != o.epochMilli_; }
  constexpr bool operator<(Timestamp o) const { return epochMilli_ < o.epochMilli_; }
  constexpr bool operator<=(Timestamp o) const { return epochMilli_ <= o.epochMilli_; }
  constexpr bool operator>(Timestamp o) const { return epochMilli_ > o.epochMilli_; }
  constexpr bool operator>=(Timestamp o) const { return epochMilli_ >= o.epochMilli_; }

  friend std::ostream& operator<<(std::ostream& os, Timestamp ts) {
    return os << ts.epochMilli_;
  }

 private:
  constexpr explicit Timestamp(std::int64_t epochMilli) : epochMilli_(epochMilli) {}
  std::int64_t epochMilli_ = 0;
};

// ---------------------------------------------------------------------------
// Enums. Names mirror the official SDK; the numbers are uid2.h's status
// numbers (a superset of the official statuses), not the official enums'
// implicit 0..n.

enum class IdentityScope : std::int32_t {
  UID2 = UID2_IDENTITY_SCOPE_UID2,
  EUID = UID2_IDENTITY_SCOPE_EUID,
};

enum class IdentityType : std::int32_t {
  Email = UID2_IDENTITY_TYPE_EMAIL,
  Phone = UID2_IDENTITY_TYPE_PHONE,
};

enum class DecryptionStatus : std::int32_t {
  SUCCESS = UID2_STATUS_SUCCESS,
  NOT_AUTHORIZED_FOR_KEY = UID2_STATUS_NOT_AUTHORIZED_FOR_KEY,
  NOT_AUTHORIZED_FOR_MASTER_KEY = UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY,
  NOT_INITIALIZED = UID2_STATUS_NOT_INITIALIZED,
  INVALID_PAYLOAD = UID2_STATUS_INVALID_PAYLOAD,
  EXPIRED_TOKEN = UID2_STATUS_EXPIRED_TOKEN,
  KEYS_NOT_SYNCED = UID2_STATUS_KEYS_NOT_SYNCED,
  VERSION_NOT_SUPPORTED = UID2_STATUS_VERSION_NOT_SUPPORTED,
  INVALID_PAYLOAD_TYPE = UID2_STATUS_INVALID_PAYLOAD_TYPE,  // never returned
  INVALID_IDENTITY_SCOPE = UID2_STATUS_INVALID_IDENTITY_SCOPE,
  INVALID_TOKEN_LIFETIME = UID2_STATUS_INVALID_TOKEN_LIFETIME,
  DOMAIN_OR_APP_NAME_CHECK_FAILED = UID2_STATUS_DOMAIN_OR_APP_NAME_CHECK_FAILED,
  USER_OPTED_OUT = UID2_STATUS_USER_OPTED_OUT,
  // Not token statuses: the call itself failed.
  INVALID_HANDLE = UID2_STATUS_INVALID_HANDLE,      // moved-from client
  INVALID_ARGUMENT = UID2_STATUS_INVALID_ARGUMENT,
  INTERNAL_ERROR = UID2_STATUS_INTERNAL_ERROR,
};

enum class EncryptionStatus : std::int32_t {
  SUCCESS = UID2_STATUS_SUCCESS,
  NOT_AUTHORIZED_FOR_KEY = UID2_STATUS_NOT_AUTHORIZED_FOR_KEY,
  NOT_AUTHORIZED_FOR_MASTER_KEY = UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY,
  NOT_INITIALIZED = UID2_STATUS_NOT_INITIALIZED,
  KEYS_NOT_SYNCED = UID2_STATUS_KEYS_NOT_SYNCED,
  TOKEN_DECRYPT_FAILURE = UID2_STATUS_TOKEN_DECRYPT_FAILURE,  // never returned
  KEY_INACTIVE = UID2_STATUS_KEY_INACTIVE,                    // never returned
  ENCRYPTION_FAILURE = UID2_STATUS_ENCRYPTION_FAILURE,
  // Not token statuses: the call itself failed.
  INVALID_HANDLE = UID2_STATUS_INVALID_HANDLE,  // moved-from client
  INVALID_ARGUMENT = UID2_STATUS_INVALID_ARGUMENT,
  INTERNAL_ERROR = UID2_STATUS_INTERNAL_ERROR,
  WRONG_CLIENT_TYPE = UID2_STATUS_WRONG_CLIENT_TYPE,
};

// The uid2.h name of a status, e.g. "EXPIRED_TOKEN" (static storage).
inline const char* StatusName(DecryptionStatus s) noexcept {
  return uid2_status_name(static_cast<uid2_status>(s));
}
inline const char* StatusName(EncryptionStatus s) noexcept {
  return uid2_status_name(static_cast<uid2_status>(s));
}
inline std::ostream& operator<<(std::ostream& os, DecryptionStatus s) {
  return os << StatusName(s);
}
inline std::ostream& operator<<(std::ostream& os, EncryptionStatus s) {
  return os << StatusName(s);
}

// The library cannot be used: its ABI major differs from this header's, or
// the call was made in a child forked after the library was loaded.
class LibraryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Results (value types with the official getters)

class RefreshResult {
 public:
  static RefreshResult MakeSuccess() { return RefreshResult(true, std::string()); }
  static RefreshResult MakeError(std::string&& reason) {
    return RefreshResult(false, std::move(reason));
  }

  bool IsSuccess() const { return success_; }
  const std::string& GetReason() const { return reason_; }

 private:
  RefreshResult(bool success, std::string&& reason)
      : success_(success), reason_(std::move(reason)) {}
  bool success_;
  std::string reason_;
};

class DecryptionResult;
namespace detail {
DecryptionResult MakeDecryptionResult(const uid2_decryption_result& r, std::string&& uid);
}

class DecryptionResult {
 public:
  // The official SDK's factories (for code that builds results, e.g. mocks).
  static DecryptionResult MakeSuccess(std::string&& identity, Timestamp established,
                                      int siteId, int siteKeySiteId) {
    DecryptionResult r(DecryptionStatus::SUCCESS);
    r.uid_ = std::move(identity);
    r.established_ = established;
    r.siteId_ = siteId;
    r.siteKeySiteId_ = siteKeySiteId;
    return r;
  }
  static DecryptionResult MakeError(DecryptionStatus status) {
    return DecryptionResult(status);
  }
  static DecryptionResult MakeError(DecryptionStatus status, Timestamp established,
                                    int siteId, int siteKeySiteId) {
    DecryptionResult r(status);
    r.established_ = established;
    r.siteId_ = siteId;
    r.siteKeySiteId_ = siteKeySiteId;
    return r;
  }

  bool IsSuccess() const { return status_ == DecryptionStatus::SUCCESS; }
  DecryptionStatus GetStatus() const { return status_; }
  // The raw UID; empty unless IsSuccess().
  const std::string& GetUid() const { return uid_; }
  Timestamp GetEstablished() const { return established_; }
  Timestamp GetExpiry() const { return expiry_; }
  // The site that made the token (0 when not decoded).
  int GetSiteId() const { return siteId_; }
  // The site owning the token's site key (0 when not decoded or unknown).
  int GetSiteKeySiteId() const { return siteKeySiteId_; }
  // The identity scope of the keys.
  IdentityScope GetIdentityScope() const { return scope_; }
  // Email or Phone; empty for v2 tokens and results that were not decoded.
  std::optional<IdentityType> GetIdentityType() const {
    if (identityType_ < 0) return std::nullopt;
    return static_cast<IdentityType>(identityType_);
  }
  // 2, 3 or 4; 0 when not decoded.
  int GetAdvertisingTokenVersion() const { return version_; }
  bool IsClientSideGenerated() const { return clientSideGenerated_; }

 private:
  explicit DecryptionResult(DecryptionStatus status) : status_(status) {}
  friend DecryptionResult detail::MakeDecryptionResult(const uid2_decryption_result&,
                                                       std::string&&);

  DecryptionStatus status_;
  std::string uid_;
  Timestamp established_;
  Timestamp expiry_;
  int siteId_ = 0;
  int siteKeySiteId_ = 0;
  IdentityScope scope_ = IdentityScope::UID2;
  std::int32_t identityType_ = UID2_IDENTITY_TYPE_UNKNOWN;
  int version_ = 0;
  bool clientSideGenerated_ = false;
};

class EncryptionResult {
 public:
  static EncryptionResult MakeSuccess(std::string&& encryptedData) {
    return EncryptionResult(EncryptionStatus::SUCCESS, std::move(encryptedData));
  }
  static EncryptionResult MakeError(EncryptionStatus status) {
    return EncryptionResult(status, std::string());
  }

  bool IsSuccess() const { return status_ == EncryptionStatus::SUCCESS; }
  EncryptionStatus GetStatus() const { return status_; }
  // The token; empty unless IsSuccess().
  const std::string& GetEncryptedData() const { return encryptedData_; }

 private:
  EncryptionResult(EncryptionStatus status, std::string&& data)
      : status_(status), encryptedData_(std::move(data)) {}
  EncryptionStatus status_;
  std::string encryptedData_;
};

// What a client knows about its keys and refreshes.
struct RefreshState {
  Timestamp lastSuccess;    // last successful refresh (zero: none)
  Timestamp lastFailure;    // last failed refresh (zero: none)
  int consecutiveFailures = 0;
  bool autoRefreshRunning = false;
  bool hasKeys = false;
  int keyCount = 0;
  std::string lastError;    // message of the last failed refresh, or empty
};

// ---------------------------------------------------------------------------
// Implementation details: one crossing of the C ABI per call (per chunk of a
// batch), no logic beyond marshalling and status mapping.

namespace detail {

[[noreturn]] inline void ThrowForked() {
  throw LibraryError(
      "libuid2: called in a child process forked after the library was loaded "
      "(its Go runtime does not survive fork()); create clients in each process "
      "after it forks (in each worker of a prefork server), not before");
}

// A binding built against major M, minor m accepts a library iff its major is
// M and its minor is at least m.
inline bool AbiCompatible(std::uint32_t libraryVersion, std::uint32_t major,
                          std::uint32_t minor) {
  return (libraryVersion >> 16) == major && (libraryVersion & 0xffffu) >= minor;
}

inline void CheckAbi() {
  static const bool ok = [] {
    const std::uint32_t v = uid2_abi_version();
    if (!AbiCompatible(v, UID2_ABI_VERSION_MAJOR, UID2_ABI_VERSION_MINOR)) {
      throw LibraryError("libuid2: the loaded library has ABI " +
                         std::to_string(v >> 16) + "." + std::to_string(v & 0xffffu) +
                         ", this uid2.hpp needs " +
                         std::to_string(UID2_ABI_VERSION_MAJOR) + "." +
                         std::to_string(UID2_ABI_VERSION_MINOR) + " or a later minor");
    }
    return true;
  }();
  (void)ok;
}

inline std::string LastErrorMessage(uid2_status status) {
  char buf[256];
  const std::size_t n = uid2_last_error_message(buf, sizeof buf);
  std::string msg;
  if (n < sizeof buf) {
    msg.assign(buf, n);
  } else {
    msg.resize(n + 1);
    const std::size_t m = uid2_last_error_message(msg.data(), msg.size());
    msg.resize(m < n ? m : n);
  }
  if (msg.empty()) msg = uid2_status_name(status);
  return msg;
}

// Throws for a call that failed as a whole (not on the decrypt/encrypt
// path, which reports statuses): LibraryError in a forked child, else
// std::invalid_argument with the library's message, after "uid2: what: ".
inline void ThrowUnlessSuccess(uid2_status s, const char* what) {
  if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  if (s != UID2_STATUS_SUCCESS) {
    throw std::invalid_argument(std::string("uid2: ") + what + ": " + LastErrorMessage(s));
  }
}

inline std::uint32_t ToMillis32(std::chrono::milliseconds d) {
  if (d.count() <= 0) return 0;
  if (d.count() > std::numeric_limits<std::uint32_t>::max())
    return std::numeric_limits<std::uint32_t>::max();
  return static_cast<std::uint32_t>(d.count());
}

inline bool IsTokenStatus(uid2_status s) { return s >= 0 && s < 100; }

inline DecryptionResult MakeDecryptionResult(const uid2_decryption_result& r,
                                             std::string&& uid) {
  DecryptionResult out(static_cast<DecryptionStatus>(r.status));
  out.uid_ = std::move(uid);
  out.established_ = Timestamp::FromEpochMilli(r.established_ms);
  out.expiry_ = Timestamp::FromEpochMilli(r.expiry_ms);
  out.siteId_ = r.site_id;
  out.siteKeySiteId_ = r.site_key_site_id;
  out.scope_ = static_cast<IdentityScope>(r.identity_scope);
  out.identityType_ = r.identity_type;
  out.version_ = r.advertising_token_version;
  out.clientSideGenerated_ = r.is_client_side_generated != 0;
  return out;
}

// A result for a call that failed as a whole (no token status).
inline DecryptionResult DecryptCallFailed(uid2_status s) {
  if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  return DecryptionResult::MakeError(static_cast<DecryptionStatus>(s));
}

// Turns what uid2_decrypt wrote (other than BUFFER_TOO_SMALL) into a result.
inline DecryptionResult FromDecrypt(uid2_status s, const uid2_decryption_result& r) {
  if (!IsTokenStatus(s)) return DecryptCallFailed(s);
  if (s != UID2_STATUS_SUCCESS || r.uid_len <= 0) return MakeDecryptionResult(r, std::string());
  const std::size_t n = r.uid_len > UID2_UID_INLINE_CAPACITY
                            ? std::size_t{UID2_UID_INLINE_CAPACITY}
                            : static_cast<std::size_t>(r.uid_len);
  return MakeDecryptionResult(r, std::string(r.uid, n));
}

// Raw UIDs longer than the inline buffer: decrypt again into a buffer of the
// size the library reported.
inline DecryptionResult DecryptToBuffer(uid2_client h, std::string_view token,
                                        std::string_view domain, std::int64_t now,
                                        std::size_t needed) {
  std::string uid;
  uid2_decryption_result r;
  uid2_status s = UID2_STATUS_BUFFER_TOO_SMALL;
  for (int attempt = 0; attempt < 8 && s == UID2_STATUS_BUFFER_TOO_SMALL; ++attempt) {
    uid.resize(needed);
    s = uid2_decrypt_to_buffer(h, token.data(), token.size(), domain.data(), domain.size(),
                               now, &r, uid.data(), uid.size());
    if (s == UID2_STATUS_BUFFER_TOO_SMALL && r.uid_len > 0) {
      needed = static_cast<std::size_t>(r.uid_len);
    }
  }
  if (s == UID2_STATUS_BUFFER_TOO_SMALL) return DecryptCallFailed(UID2_STATUS_INTERNAL_ERROR);
  if (!IsTokenStatus(s)) return DecryptCallFailed(s);
  if (s == UID2_STATUS_SUCCESS && r.uid_len >= 0 &&
      static_cast<std::size_t>(r.uid_len) <= uid.size()) {
    uid.resize(static_cast<std::size_t>(r.uid_len));
  } else {
    uid.clear();
  }
  return MakeDecryptionResult(r, std::move(uid));
}

inline DecryptionResult Decrypt(uid2_client h, std::string_view token,
                                std::string_view domain, Timestamp now) {
  uid2_decryption_result r;
  const uid2_status s = uid2_decrypt(h, token.data(), token.size(), domain.data(),
                                     domain.size(), now.GetEpochMilli(), &r);
  if (s == UID2_STATUS_BUFFER_TOO_SMALL) {
    return DecryptToBuffer(h, token, domain, now.GetEpochMilli(),
                           static_cast<std::size_t>(r.uid_len));
  }
  return FromDecrypt(s, r);
}

inline EncryptionResult EncryptFailed(uid2_status s) {
  if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  return EncryptionResult::MakeError(static_cast<EncryptionStatus>(s));
}

inline EncryptionResult Encrypt(uid2_client h, std::string_view rawUid, Timestamp now,
                                std::int64_t keysetId) {
  char buf[512];
  std::size_t len = 0;
  uid2_status s = uid2_encrypt(h, rawUid.data(), rawUid.size(), now.GetEpochMilli(),
                               keysetId, buf, sizeof buf, &len);
  if (s == UID2_STATUS_SUCCESS && len <= sizeof buf) {
    return EncryptionResult::MakeSuccess(std::string(buf, len));
  }
  std::string token;
  for (int attempt = 0; attempt < 8 && s == UID2_STATUS_BUFFER_TOO_SMALL; ++attempt) {
    token.resize(len);
    s = uid2_encrypt(h, rawUid.data(), rawUid.size(), now.GetEpochMilli(), keysetId,
                     token.data(), token.size(), &len);
  }
  if (s == UID2_STATUS_SUCCESS && len <= token.size()) {
    token.resize(len);
    return EncryptionResult::MakeSuccess(std::move(token));
  }
  if (s == UID2_STATUS_BUFFER_TOO_SMALL || s == UID2_STATUS_SUCCESS)
    s = UID2_STATUS_INTERNAL_ERROR;
  return EncryptFailed(s);
}

// Batches are cut into chunks so that the joined buffer stays small and its
// int32 offsets cannot overflow; an item larger than a chunk goes alone
// through the single-item call.
constexpr std::size_t kBatchChunkItems = 256;
constexpr std::size_t kBatchChunkBytes = std::size_t{1} << 20;

template <typename Items, typename Single, typename Chunk>
void ForEachChunk(const Items& items, Single single, Chunk chunk) {
  std::string joined;
  joined.reserve(std::min(kBatchChunkBytes, std::size_t{64} * 1024));
  std::vector<std::int32_t> offsets;
  offsets.reserve(kBatchChunkItems + 1);
  offsets.push_back(0);
  auto flush = [&] {
    if (offsets.size() > 1) chunk(joined, offsets);
    joined.clear();
    offsets.resize(1);
  };
  for (const auto& item : items) {
    const std::string_view sv(item);
    if (sv.size() > kBatchChunkBytes) {
      flush();
      single(sv);
      continue;
    }
    if (offsets.size() > kBatchChunkItems || joined.size() + sv.size() > kBatchChunkBytes)
      flush();
    joined.append(sv.data(), sv.size());
    offsets.push_back(static_cast<std::int32_t>(joined.size()));
  }
  flush();
}

template <typename Tokens>
std::vector<DecryptionResult> DecryptBatch(uid2_client h, const Tokens& tokens,
                                           std::string_view domain, Timestamp now) {
  std::vector<DecryptionResult> out;
  out.reserve(static_cast<std::size_t>(std::distance(std::begin(tokens), std::end(tokens))));
  // Filled by the library: not zeroed first (uid2_decryption_result is
  // trivially default-constructible).
  std::unique_ptr<uid2_decryption_result[]> results(new uid2_decryption_result[kBatchChunkItems]);
  ForEachChunk(
      tokens,
      [&](std::string_view token) { out.push_back(Decrypt(h, token, domain, now)); },
      [&](const std::string& joined, const std::vector<std::int32_t>& offsets) {
        const std::size_t count = offsets.size() - 1;
        const uid2_status s =
            uid2_decrypt_batch(h, joined.data(), offsets.data(), count, domain.data(),
                               domain.size(), now.GetEpochMilli(), results.get());
        for (std::size_t i = 0; i < count; ++i) {
          if (s != UID2_STATUS_SUCCESS) {
            out.push_back(DecryptCallFailed(s));
          } else if (results[i].status == UID2_STATUS_BUFFER_TOO_SMALL) {
            const std::string_view token(joined.data() + offsets[i],
                                         static_cast<std::size_t>(offsets[i + 1] - offsets[i]));
            out.push_back(DecryptToBuffer(h, token, domain, now.GetEpochMilli(),
                                          static_cast<std::size_t>(results[i].uid_len)));
          } else {
            out.push_back(FromDecrypt(results[i].status, results[i]));
          }
        }
      });
  return out;
}

template <typename RawUids>
std::vector<EncryptionResult> EncryptBatch(uid2_client h, const RawUids& rawUids,
                                           Timestamp now, std::int64_t keysetId) {
  std::vector<EncryptionResult> out;
  out.reserve(static_cast<std::size_t>(std::distance(std::begin(rawUids), std::end(rawUids))));
  std::string tokens;
  std::vector<std::int32_t> tokenOffsets;
  std::vector<uid2_status> statuses;
  ForEachChunk(
      rawUids,
      [&](std::string_view raw) { out.push_back(Encrypt(h, raw, now, keysetId)); },
      [&](const std::string& joined, const std::vector<std::int32_t>& offsets) {
        const std::size_t count = offsets.size() - 1;
        tokenOffsets.resize(count + 1);
        statuses.resize(count);
        // A first guess; the library reports what suffices if it is short.
        std::size_t cap = joined.size() * 2 + count * 192;
        uid2_status s = UID2_STATUS_BUFFER_TOO_SMALL;
        for (int attempt = 0; attempt < 8 && s == UID2_STATUS_BUFFER_TOO_SMALL; ++attempt) {
          if (tokens.size() < cap) tokens.resize(cap);
          std::size_t needed = 0;
          s = uid2_encrypt_batch(h, joined.data(), offsets.data(), count,
                                 now.GetEpochMilli(), keysetId, tokens.data(),
                                 tokens.size(), tokenOffsets.data(), statuses.data(),
                                 &needed);
          cap = needed;
        }
        for (std::size_t i = 0; i < count; ++i) {
          if (s != UID2_STATUS_SUCCESS) {
            out.push_back(EncryptFailed(s == UID2_STATUS_BUFFER_TOO_SMALL
                                                ? UID2_STATUS_INTERNAL_ERROR
                                                : s));
          } else if (statuses[i] == UID2_STATUS_SUCCESS) {
            out.push_back(EncryptionResult::MakeSuccess(std::string(
                tokens.data() + tokenOffsets[i],
                static_cast<std::size_t>(tokenOffsets[i + 1] - tokenOffsets[i]))));
          } else {
            out.push_back(EncryptFailed(statuses[i]));
          }
        }
      });
  return out;
}

inline RefreshResult RefreshFromStatus(uid2_status s) {
  if (s == UID2_STATUS_SUCCESS) return RefreshResult::MakeSuccess();
  if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  return RefreshResult::MakeError(LastErrorMessage(s));
}

// Owns one libuid2 client handle.
class ClientHandle {
 public:
  ClientHandle(uid2_client_type type, std::string_view baseUrl, std::string_view apiKey,
               std::string_view secretKey) {
    CheckAbi();
    // uid2_client_new takes NUL-terminated strings; an empty one means none.
    const std::string url(baseUrl), key(apiKey), secret(secretKey);
    const uid2_status s =
        uid2_client_new(type, url.empty() ? nullptr : url.c_str(),
                        key.empty() ? nullptr : key.c_str(),
                        secret.empty() ? nullptr : secret.c_str(), &handle_);
    if (s != UID2_STATUS_SUCCESS) handle_ = 0;
    ThrowUnlessSuccess(s, "cannot create client");
  }
  ~ClientHandle() { reset(); }
  ClientHandle(const ClientHandle&) = delete;
  ClientHandle& operator=(const ClientHandle&) = delete;
  ClientHandle(ClientHandle&& o) noexcept : handle_(std::exchange(o.handle_, 0)) {}
  ClientHandle& operator=(ClientHandle&& o) noexcept {
    if (this != &o) {
      reset();
      handle_ = std::exchange(o.handle_, 0);
    }
    return *this;
  }

  uid2_client get() const noexcept { return handle_; }

  RefreshResult Refresh(std::chrono::milliseconds timeout) {
    return RefreshFromStatus(uid2_refresh(handle_, ToMillis32(timeout)));
  }
  RefreshResult RefreshJson(std::string_view json) {
    // uid2_refresh_json refuses a NULL pointer; an empty view may have one.
    const char* p = json.data() != nullptr ? json.data() : "";
    return RefreshFromStatus(uid2_refresh_json(handle_, p, json.size()));
  }
  void StartAutoRefresh(std::chrono::milliseconds interval, std::chrono::milliseconds timeout) {
    const uid2_status s =
        uid2_auto_refresh_start(handle_, ToMillis32(interval), ToMillis32(timeout));
    ThrowUnlessSuccess(s, "cannot start automatic refresh");
  }
  void StopAutoRefresh() {
    const uid2_status s = uid2_auto_refresh_stop(handle_);
    if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  }
  RefreshState GetRefreshState() const {
    uid2_refresh_state st{};
    char err[512];
    err[0] = '\0';
    const uid2_status s = uid2_refresh_state_get(handle_, &st, err, sizeof err);
    if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
    RefreshState out;
    if (s != UID2_STATUS_SUCCESS) {
      out.lastError = uid2_status_name(s);
      return out;
    }
    out.lastSuccess = Timestamp::FromEpochMilli(st.last_success_ms);
    out.lastFailure = Timestamp::FromEpochMilli(st.last_failure_ms);
    out.consecutiveFailures = st.consecutive_failures;
    out.autoRefreshRunning = st.auto_refresh_running != 0;
    out.hasKeys = st.has_keys != 0;
    out.keyCount = st.key_count;
    err[sizeof err - 1] = '\0';
    out.lastError = err;
    return out;
  }

 private:
  void reset() noexcept {
    if (handle_ != 0) uid2_client_free(handle_);
    handle_ = 0;
  }
  uid2_client handle_ = 0;
};

}  // namespace detail

namespace detail {

// What both client kinds share.
template <uid2_client_type Type>
class BasicClient {
 public:
  // A client that only loads keys with RefreshJson.
  BasicClient() : handle_(Type, {}, {}, {}) {}
  // baseUrl e.g. "https://prod.uidapi.com"; apiKey is the bearer API key;
  // secretKey the base64 client secret. Throws std::invalid_argument for a
  // secret that is not base64 of 32 bytes.
  BasicClient(std::string_view baseUrl, std::string_view apiKey, std::string_view secretKey)
      : handle_(Type, baseUrl, apiKey, secretKey) {}

  // Fetches keys over HTTP and swaps them in; a failure keeps the previous
  // keys. timeout 0 means 30 s.
  RefreshResult Refresh(std::chrono::milliseconds timeout = std::chrono::milliseconds{}) {
    return handle_.Refresh(timeout);
  }
  // Loads keys from a key response ({"body": ...}) or its body, without HTTP.
  RefreshResult RefreshJson(std::string_view json) { return handle_.RefreshJson(json); }
  // Refreshes over HTTP in the background: now, then every interval (0: one
  // hour, +-10% jitter), retrying sooner after a failure. Throws
  // std::invalid_argument for a client without base URL, API key or secret.
  void StartAutoRefresh(std::chrono::milliseconds interval = std::chrono::milliseconds{},
                        std::chrono::milliseconds timeout = std::chrono::milliseconds{}) {
    handle_.StartAutoRefresh(interval, timeout);
  }
  void StopAutoRefresh() { handle_.StopAutoRefresh(); }
  RefreshState GetRefreshState() const { return handle_.GetRefreshState(); }
  // The libuid2 handle, for the C API (0 after a move).
  uid2_client native_handle() const noexcept { return handle_.get(); }

 protected:
  ClientHandle handle_;
};

}  // namespace detail

// Decrypts and encrypts sharing tokens (keys from /v2/key/sharing).
class SharingClient : public detail::BasicClient<UID2_CLIENT_SHARING> {
 public:
  using BasicClient::BasicClient;

  DecryptionResult DecryptTokenIntoRawUid(std::string_view token, Timestamp now = {}) const {
    return detail::Decrypt(handle_.get(), token, {}, now);
  }
  // keysetId 0: the default keyset of the caller's site.
  EncryptionResult EncryptRawUidIntoToken(std::string_view rawUid, Timestamp now = {},
                                          std::int64_t keysetId = 0) const {
    return detail::Encrypt(handle_.get(), rawUid, now, keysetId);
  }
  // Batch calls: any container of items convertible to std::string_view;
  // results in input order.
  template <typename Tokens>
  std::vector<DecryptionResult> DecryptTokensIntoRawUids(const Tokens& tokens,
                                                         Timestamp now = {}) const {
    return detail::DecryptBatch(handle_.get(), tokens, {}, now);
  }
  template <typename RawUids>
  std::vector<EncryptionResult> EncryptRawUidsIntoTokens(const RawUids& rawUids,
                                                         Timestamp now = {},
                                                         std::int64_t keysetId = 0) const {
    return detail::EncryptBatch(handle_.get(), rawUids, now, keysetId);
  }
};

// Decrypts bidstream tokens (keys from /v2/key/bidstream) and checks the
// domain or app name of client-side-generated tokens.
class BidstreamClient : public detail::BasicClient<UID2_CLIENT_BIDSTREAM> {
 public:
  using BasicClient::BasicClient;

  // domainOrAppName: the registrable domain (lower case) or app name where
  // the token was found; empty for none.
  DecryptionResult DecryptTokenIntoRawUid(std::string_view token,
                                          std::string_view domainOrAppName = {},
                                          Timestamp now = {}) const {
    return detail::Decrypt(handle_.get(), token, domainOrAppName, now);
  }
  template <typename Tokens>
  std::vector<DecryptionResult> DecryptTokensIntoRawUids(const Tokens& tokens,
                                                         std::string_view domainOrAppName = {},
                                                         Timestamp now = {}) const {
    return detail::DecryptBatch(handle_.get(), tokens, domainOrAppName, now);
  }
};

// ---------------------------------------------------------------------------
// The official uid2-client-cpp11 API.

class IUID2Client {
 public:
  virtual ~IUID2Client() = default;
  // Refreshes keys over HTTP. Call at start-up and then regularly (hourly).
  virtual RefreshResult Refresh() = 0;
  virtual DecryptionResult Decrypt(std::string_view token) = 0;
  virtual EncryptionResult Encrypt(std::string_view uid) = 0;
};

// The legacy client: a sharing client (keys from /v2/key/sharing). The
// identity scope comes from the key response's identity_scope; a response
// that names none (the legacy array of keys) takes the constructor's. (The
// official SDK's clients always use the factory's scope.)
class UID2Client : public IUID2Client {
 public:
  UID2Client(std::string_view endpoint, std::string_view authKey, std::string_view secretKey,
             IdentityScope identityScope)
      : client_(endpoint, authKey, secretKey), scope_(identityScope) {
    detail::ThrowUnlessSuccess(
        uid2_client_set_default_identity_scope(client_.native_handle(),
                                               static_cast<uid2_identity_scope>(identityScope)),
        "cannot create client");
  }
  UID2Client(UID2Client&&) noexcept = default;
  UID2Client& operator=(UID2Client&&) noexcept = default;

  RefreshResult Refresh() override { return client_.Refresh(); }
  RefreshResult RefreshJson(std::string_view json) { return client_.RefreshJson(json); }
  DecryptionResult Decrypt(std::string_view token) override {
    return client_.DecryptTokenIntoRawUid(token);
  }
  DecryptionResult Decrypt(std::string_view token, Timestamp now) {
    return client_.DecryptTokenIntoRawUid(token, now);
  }
  EncryptionResult Encrypt(std::string_view uid) override {
    return client_.EncryptRawUidIntoToken(uid);
  }
  EncryptionResult Encrypt(std::string_view uid, Timestamp now) {
    return client_.EncryptRawUidIntoToken(uid, now);
  }
  template <typename Tokens>
  std::vector<DecryptionResult> DecryptBatch(const Tokens& tokens, Timestamp now = {}) {
    return client_.DecryptTokensIntoRawUids(tokens, now);
  }
  template <typename Uids>
  std::vector<EncryptionResult> EncryptBatch(const Uids& uids, Timestamp now = {}) {
    return client_.EncryptRawUidsIntoTokens(uids, now);
  }

  IdentityScope GetIdentityScope() const { return scope_; }
  SharingClient& GetSharingClient() { return client_; }
  uid2_client native_handle() const noexcept { return client_.native_handle(); }

 private:
  SharingClient client_;
  IdentityScope scope_;
};

class UID2ClientFactory {
 public:
  static std::shared_ptr<IUID2Client> Create(std::string_view endpoint, std::string_view authKey,
                                             std::string_view secretKey) {
    return std::make_shared<UID2Client>(endpoint, authKey, secretKey, IdentityScope::UID2);
  }
};

class EUIDClientFactory {
 public:
  static std::shared_ptr<IUID2Client> Create(std::string_view endpoint, std::string_view authKey,
                                             std::string_view secretKey) {
    return std::make_shared<UID2Client>(endpoint, authKey, secretKey, IdentityScope::EUID);
  }
};

// ---------------------------------------------------------------------------
// INSECURE — FOR TESTS ONLY.

namespace testing {

// As SharingClient::EncryptRawUidIntoToken, but with the two AES-GCM nonces
// given (master layer, then site layer, 12 bytes each) so that test vectors
// are byte-exact. Reusing a nonce with the same key destroys the
// confidentiality and integrity of every token made with it: never call
// this outside tests.
inline EncryptionResult EncryptWithNoncesInsecureForTests(const SharingClient& client,
                                                          std::string_view rawUid,
                                                          const std::array<std::uint8_t, 24>& nonces,
                                                          Timestamp now = {},
                                                          std::int64_t keysetId = 0) {
  std::string token(512, '\0');
  std::size_t len = 0;
  uid2_status s = UID2_STATUS_BUFFER_TOO_SMALL;
  for (int attempt = 0; attempt < 8 && s == UID2_STATUS_BUFFER_TOO_SMALL; ++attempt) {
    if (len > token.size()) token.resize(len);
    s = uid2_encrypt_with_nonces_insecure_for_tests(
        client.native_handle(), rawUid.data(), rawUid.size(), now.GetEpochMilli(), keysetId,
        nonces.data(), token.data(), token.size(), &len);
  }
  if (s != UID2_STATUS_SUCCESS) return detail::EncryptFailed(s);
  token.resize(len);
  return EncryptionResult::MakeSuccess(std::move(token));
}

}  // namespace testing
}  // namespace uid2

#endif  // UID2_UID2_HPP
