// uid2.hpp — the C++ binding of libuid2 (header-only, over uid2.h; C++11 or
// later).
//
// Link with libuid2.so (`pkg-config --cflags --libs uid2`, or CMake
// `find_package(uid2 CONFIG REQUIRED)` + `target_link_libraries(app uid2::uid2)`).
//
// Two APIs over the same native clients:
//   * uid2::SharingClient, uid2::BidstreamClient — move-only RAII owners of a
//     libuid2 client handle: Refresh(), RefreshJson(), WaitForKeys(),
//     DecryptTokenIntoRawUid(), EncryptRawUidIntoToken(), batch calls, a
//     callback for failed refreshes.
//   * The official uid2-client-cpp11 API (uid2/uid2client.h): uid2::IUID2Client,
//     uid2::UID2Client, uid2::UID2ClientFactory::Create,
//     uid2::EUIDClientFactory::Create, Decrypt, Encrypt, Refresh, RefreshJson,
//     the deprecated EncryptData/DecryptData, their request and result types,
//     Timestamp and the enums with the official names and numbers, so that an
//     ad server written against the official SDK recompiles with a changed
//     include and link line.
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
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
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
// Inputs

// The characters an input is made of, read during the call and not kept:
// from a NUL-terminated const char*, a pointer and a length, or any string
// type with data() and size() (std::string, std::string_view, ...). It is
// what std::string_view is to C++17, for C++11 callers, and it never copies.
class StringRef {
 public:
  StringRef() noexcept : data_(""), size_(0) {}
  StringRef(const char* s) noexcept  // NOLINT: implicit, as std::string_view's
      : data_(s != nullptr ? s : ""), size_(s != nullptr ? std::strlen(s) : 0) {}
  StringRef(const char* s, std::size_t n) noexcept
      : data_(s == nullptr && n == 0 ? "" : s), size_(n) {}
  template <typename S,
            typename = typename std::enable_if<
                std::is_convertible<decltype(std::declval<const S&>().data()),
                                    const char*>::value &&
                std::is_convertible<decltype(std::declval<const S&>().size()),
                                    std::size_t>::value>::type>
  StringRef(const S& s) noexcept  // NOLINT: implicit, as std::string_view's
      : StringRef(s.data(), static_cast<std::size_t>(s.size())) {}

  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string str() const { return std::string(data_, size_); }

 private:
  const char* data_;
  std::size_t size_;
};

// ---------------------------------------------------------------------------
// Enums: the official SDK's names and numbers. The statuses continue after
// the official ones with those only libuid2 reports; the call-failure
// statuses keep uid2.h's numbers (101-107).

enum class IdentityScope {
  UID2 = 0,
  EUID = 1,
};

enum class IdentityType {
  EMAIL = 0,
  PHONE = 1,
};

// The first byte of a v3 or v4 advertising token (as in the official SDKs).
// DecryptionResult::GetAdvertisingTokenVersion() reports 2, 3 or 4 instead.
enum class AdvertisingTokenVersion {
  V3 = 112,
  V4 = 128,
};

enum class DecryptionStatus {
  SUCCESS = 0,
  NOT_AUTHORIZED_FOR_KEY = 1,
  NOT_INITIALIZED = 2,
  INVALID_PAYLOAD = 3,
  EXPIRED_TOKEN = 4,
  KEYS_NOT_SYNCED = 5,
  VERSION_NOT_SUPPORTED = 6,
  INVALID_PAYLOAD_TYPE = 7,
  INVALID_IDENTITY_SCOPE = 8,
  // libuid2's own token statuses.
  NOT_AUTHORIZED_FOR_MASTER_KEY = 9,
  INVALID_TOKEN_LIFETIME = 10,
  DOMAIN_OR_APP_NAME_CHECK_FAILED = 11,
  USER_OPTED_OUT = 12,
  // Not token statuses: the call itself failed.
  INVALID_HANDLE = 101,  // moved-from client
  INVALID_ARGUMENT = 102,
  INTERNAL_ERROR = 103,
};

enum class EncryptionStatus {
  SUCCESS = 0,
  NOT_AUTHORIZED_FOR_KEY = 1,
  NOT_AUTHORIZED_FOR_MASTER_KEY = 2,
  NOT_INITIALIZED = 3,
  KEYS_NOT_SYNCED = 4,
  TOKEN_DECRYPT_FAILURE = 5,  // EncryptData with an advertising token only
  KEY_INACTIVE = 6,           // EncryptData only
  ENCRYPTION_FAILURE = 7,
  // Not token statuses: the call itself failed.
  INVALID_HANDLE = 101,  // moved-from client
  INVALID_ARGUMENT = 102,
  INTERNAL_ERROR = 103,
  WRONG_CLIENT_TYPE = 107,
};

namespace detail {

// uid2.h's status number of each enumerator.
struct StatusPair {
  int value;
  uid2_status status;
};
template <typename Enum>
struct StatusTable;
template <>
struct StatusTable<DecryptionStatus> {
  static const StatusPair* Get(std::size_t* n) {
    static const StatusPair table[] = {
        {0, UID2_STATUS_SUCCESS},
        {1, UID2_STATUS_NOT_AUTHORIZED_FOR_KEY},
        {2, UID2_STATUS_NOT_INITIALIZED},
        {3, UID2_STATUS_INVALID_PAYLOAD},
        {4, UID2_STATUS_EXPIRED_TOKEN},
        {5, UID2_STATUS_KEYS_NOT_SYNCED},
        {6, UID2_STATUS_VERSION_NOT_SUPPORTED},
        {7, UID2_STATUS_INVALID_PAYLOAD_TYPE},
        {8, UID2_STATUS_INVALID_IDENTITY_SCOPE},
        {9, UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY},
        {10, UID2_STATUS_INVALID_TOKEN_LIFETIME},
        {11, UID2_STATUS_DOMAIN_OR_APP_NAME_CHECK_FAILED},
        {12, UID2_STATUS_USER_OPTED_OUT},
        {101, UID2_STATUS_INVALID_HANDLE},
        {102, UID2_STATUS_INVALID_ARGUMENT},
        {103, UID2_STATUS_INTERNAL_ERROR},
    };
    *n = sizeof table / sizeof table[0];
    return table;
  }
};
template <>
struct StatusTable<EncryptionStatus> {
  static const StatusPair* Get(std::size_t* n) {
    static const StatusPair table[] = {
        {0, UID2_STATUS_SUCCESS},
        {1, UID2_STATUS_NOT_AUTHORIZED_FOR_KEY},
        {2, UID2_STATUS_NOT_AUTHORIZED_FOR_MASTER_KEY},
        {3, UID2_STATUS_NOT_INITIALIZED},
        {4, UID2_STATUS_KEYS_NOT_SYNCED},
        {5, UID2_STATUS_TOKEN_DECRYPT_FAILURE},
        {6, UID2_STATUS_KEY_INACTIVE},
        {7, UID2_STATUS_ENCRYPTION_FAILURE},
        {101, UID2_STATUS_INVALID_HANDLE},
        {102, UID2_STATUS_INVALID_ARGUMENT},
        {103, UID2_STATUS_INTERNAL_ERROR},
        {107, UID2_STATUS_WRONG_CLIENT_TYPE},
    };
    *n = sizeof table / sizeof table[0];
    return table;
  }
};

// A status the enum does not hold (e.g. UNSUPPORTED_HOST) is INTERNAL_ERROR.
template <typename Enum>
Enum FromUid2Status(uid2_status s) {
  std::size_t n = 0;
  const StatusPair* table = StatusTable<Enum>::Get(&n);
  for (std::size_t i = 0; i < n; ++i) {
    if (table[i].status == s) return static_cast<Enum>(table[i].value);
  }
  return Enum::INTERNAL_ERROR;
}
template <typename Enum>
uid2_status ToUid2Status(Enum e) {
  std::size_t n = 0;
  const StatusPair* table = StatusTable<Enum>::Get(&n);
  for (std::size_t i = 0; i < n; ++i) {
    if (table[i].value == static_cast<int>(e)) return table[i].status;
  }
  return UID2_STATUS_INTERNAL_ERROR;
}

}  // namespace detail

// The uid2.h name of a status, e.g. "EXPIRED_TOKEN" (static storage).
inline const char* StatusName(DecryptionStatus s) noexcept {
  return uid2_status_name(detail::ToUid2Status(s));
}
inline const char* StatusName(EncryptionStatus s) noexcept {
  return uid2_status_name(detail::ToUid2Status(s));
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
// Results (value types with the official getters and factories)

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
    return DecryptionResult(DecryptionStatus::SUCCESS, std::move(identity), established,
                            siteId, siteKeySiteId);
  }
  static DecryptionResult MakeError(DecryptionStatus status) {
    return DecryptionResult(status, std::string(), Timestamp(), -1, -1);
  }
  static DecryptionResult MakeError(DecryptionStatus status, Timestamp established,
                                    int siteId, int siteKeySiteId) {
    return DecryptionResult(status, std::string(), established, siteId, siteKeySiteId);
  }

  bool IsSuccess() const { return status_ == DecryptionStatus::SUCCESS; }
  DecryptionStatus GetStatus() const { return status_; }
  // The raw UID; empty unless IsSuccess().
  const std::string& GetUid() const { return uid_; }
  Timestamp GetEstablished() const { return established_; }
  Timestamp GetExpiry() const { return expiry_; }
  // The site that made the token (-1 when the token was not decoded).
  int GetSiteId() const { return siteId_; }
  // The site owning the token's site key (0 when unknown, -1 when the token
  // was not decoded).
  int GetSiteKeySiteId() const { return siteKeySiteId_; }
  // The identity scope of the keys.
  IdentityScope GetIdentityScope() const { return scope_; }
  // Whether the token says EMAIL or PHONE (v3 and v4 tokens that decoded).
  bool HasIdentityType() const { return identityType_ >= 0; }
  // EMAIL or PHONE; EMAIL when !HasIdentityType().
  IdentityType GetIdentityType() const {
    return identityType_ == UID2_IDENTITY_TYPE_PHONE ? IdentityType::PHONE : IdentityType::EMAIL;
  }
  // 2, 3 or 4; 0 when not decoded.
  int GetAdvertisingTokenVersion() const { return version_; }
  bool IsClientSideGenerated() const { return clientSideGenerated_; }

 private:
  DecryptionResult(DecryptionStatus status, std::string&& uid, Timestamp established,
                   int siteId, int siteKeySiteId)
      : status_(status),
        uid_(std::move(uid)),
        established_(established),
        siteId_(siteId),
        siteKeySiteId_(siteKeySiteId) {}
  friend DecryptionResult detail::MakeDecryptionResult(const uid2_decryption_result&,
                                                       std::string&&);

  DecryptionStatus status_;
  std::string uid_;
  Timestamp established_;
  Timestamp expiry_;
  int siteId_;
  int siteKeySiteId_;
  IdentityScope scope_ = IdentityScope::UID2;
  std::int32_t identityType_ = UID2_IDENTITY_TYPE_UNKNOWN;
  int version_ = 0;
  bool clientSideGenerated_ = false;
};

namespace detail {

// A status and, on success, text: what EncryptionResult and
// EncryptionDataResult are (with the official factories and getters).
template <typename Result>
class EncryptedTextResult {
 public:
  static Result MakeSuccess(std::string&& encryptedData) {
    return Result(EncryptionStatus::SUCCESS, std::move(encryptedData));
  }
  static Result MakeError(EncryptionStatus status) { return Result(status, std::string()); }

  bool IsSuccess() const { return status_ == EncryptionStatus::SUCCESS; }
  EncryptionStatus GetStatus() const { return status_; }
  // The token or the encrypted data (base64); empty unless IsSuccess().
  const std::string& GetEncryptedData() const { return encryptedData_; }

 protected:
  EncryptedTextResult(EncryptionStatus status, std::string&& data)
      : status_(status), encryptedData_(std::move(data)) {}

 private:
  EncryptionStatus status_;
  std::string encryptedData_;
};

}  // namespace detail

class EncryptionResult : public detail::EncryptedTextResult<EncryptionResult> {
 private:
  friend class detail::EncryptedTextResult<EncryptionResult>;
  using EncryptedTextResult::EncryptedTextResult;
};

// ---------------------------------------------------------------------------
// The deprecated encrypted-data API (uid2-spec §2.7): a request and its
// results, as in the official SDK.

// What to encrypt and for whom: exactly one of WithSiteId,
// WithAdvertisingToken (the site of that token) or WithKeyId. The data and
// the IV are read during EncryptData, not copied.
class EncryptionDataRequest {
 public:
  EncryptionDataRequest() = default;
  EncryptionDataRequest(const std::uint8_t* data, std::size_t size)
      : data_(data), dataSize_(size) {}

  EncryptionDataRequest& WithSiteId(int siteId) {
    siteId_ = siteId;
    return *this;
  }
  // libuid2's stand-in for the official WithKey(const Key&), whose Key type
  // is not in the official public headers: a key the client has loaded.
  EncryptionDataRequest& WithKeyId(std::int64_t keyId) {
    keyId_ = keyId;
    return *this;
  }
  template <typename T>
  EncryptionDataRequest& WithAdvertisingToken(T&& token) {
    advertisingToken_ = std::forward<T>(token);
    return *this;
  }
  // 12 bytes (for byte-exact test vectors); by default a random IV.
  EncryptionDataRequest& WithInitializationVector(const std::uint8_t* iv, std::size_t size) {
    initializationVector_ = iv;
    initializationVectorSize_ = size;
    return *this;
  }
  EncryptionDataRequest& WithNow(Timestamp now) {
    now_ = now;
    return *this;
  }

  const std::uint8_t* GetData() const { return data_; }
  std::size_t GetDataSize() const { return dataSize_; }
  int GetSiteId() const { return siteId_; }
  std::int64_t GetKeyId() const { return keyId_; }
  const std::string& GetAdvertisingToken() const { return advertisingToken_; }
  const std::uint8_t* GetInitializationVector() const { return initializationVector_; }
  std::size_t GetInitializationVectorSize() const { return initializationVectorSize_; }
  // The time given, or the system clock's now.
  Timestamp GetNow() const { return now_.IsZero() ? Timestamp::Now() : now_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t dataSize_ = 0;
  int siteId_ = 0;
  std::int64_t keyId_ = 0;
  std::string advertisingToken_;
  const std::uint8_t* initializationVector_ = nullptr;
  std::size_t initializationVectorSize_ = 0;
  Timestamp now_;
};

class EncryptionDataResult : public detail::EncryptedTextResult<EncryptionDataResult> {
 private:
  friend class detail::EncryptedTextResult<EncryptionDataResult>;
  using EncryptedTextResult::EncryptedTextResult;
};

class DecryptionDataResult;
namespace detail {
DecryptionDataResult DecryptData(uid2_client h, StringRef encrypted);
}

class DecryptionDataResult {
 public:
  static DecryptionDataResult MakeSuccess(std::vector<std::uint8_t>&& decryptedData,
                                          Timestamp encryptedAt) {
    return DecryptionDataResult(DecryptionStatus::SUCCESS, std::move(decryptedData),
                                encryptedAt);
  }
  static DecryptionDataResult MakeError(DecryptionStatus status) {
    return DecryptionDataResult(status, std::vector<std::uint8_t>(), Timestamp());
  }

  bool IsSuccess() const { return status_ == DecryptionStatus::SUCCESS; }
  DecryptionStatus GetStatus() const { return status_; }
  const std::vector<std::uint8_t>& GetDecryptedData() const { return decryptedData_; }
  Timestamp GetEncryptedAt() const { return encryptedAt_; }
  // The site the data was encrypted for (0 unless IsSuccess()).
  int GetSiteId() const { return siteId_; }

 private:
  DecryptionDataResult(DecryptionStatus status, std::vector<std::uint8_t>&& data,
                       Timestamp encryptedAt)
      : status_(status), decryptedData_(std::move(data)), encryptedAt_(encryptedAt) {}
  friend DecryptionDataResult detail::DecryptData(uid2_client, StringRef);

  DecryptionStatus status_;
  std::vector<std::uint8_t> decryptedData_;
  Timestamp encryptedAt_;
  int siteId_ = 0;
};

// One completed refresh attempt that failed (see SetRefreshFailureCallback).
struct RefreshEvent {
  std::uint64_t seq = 0;       // 1 for the client's first refresh attempt, +1 each
  std::uint64_t missed = 0;    // attempts that ended since the previous event seen
  Timestamp time;              // when the attempt ended
  bool automatic = false;      // made by automatic refresh
  int keyCount = 0;            // keys the client holds after it (the old ones)
  int consecutiveFailures = 0; // failures since the last success, this one included
  std::string message;         // why it failed (no secrets)
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

inline bool CheckAbiOnce() {
  const std::uint32_t v = uid2_abi_version();
  if (!AbiCompatible(v, UID2_ABI_VERSION_MAJOR, UID2_ABI_VERSION_MINOR)) {
    throw LibraryError("libuid2: the loaded library has ABI " + std::to_string(v >> 16) + "." +
                       std::to_string(v & 0xffffu) + ", this uid2.hpp needs " +
                       std::to_string(UID2_ABI_VERSION_MAJOR) + "." +
                       std::to_string(UID2_ABI_VERSION_MINOR) + " or a later minor");
  }
  return true;
}

inline void CheckAbi() {
  static const bool ok = CheckAbiOnce();
  (void)ok;
}

// A message the library copied into buf (cap bytes) whose full length is n:
// when it did not fit, copy again into a buffer of the full length.
template <typename Copy>
std::string CopiedMessage(const char* buf, std::size_t cap, std::size_t n, Copy copyAgain) {
  if (n < cap) return std::string(buf, n);
  std::string msg(n + 1, '\0');
  const std::size_t m = copyAgain(&msg[0], msg.size());
  msg.resize(m < n ? m : n);
  return msg;
}

inline std::string LastErrorMessage(uid2_status status) {
  char buf[256];
  const std::size_t n = uid2_last_error_message(buf, sizeof buf);
  std::string msg = CopiedMessage(buf, sizeof buf, n, [](char* p, std::size_t cap) {
    return uid2_last_error_message(p, cap);
  });
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

// Whether uid2.h decoded the token's fields for this status (see
// uid2_decryption_result); the others are errors without them, which the
// official SDK reports with site ids of -1.
inline bool HasDecodedFields(uid2_status s) {
  return s == UID2_STATUS_SUCCESS || s == UID2_STATUS_EXPIRED_TOKEN ||
         s == UID2_STATUS_USER_OPTED_OUT || s == UID2_STATUS_DOMAIN_OR_APP_NAME_CHECK_FAILED ||
         s == UID2_STATUS_INVALID_TOKEN_LIFETIME;
}

inline DecryptionResult MakeDecryptionResult(const uid2_decryption_result& r,
                                             std::string&& uid) {
  const bool decoded = HasDecodedFields(r.status);
  DecryptionResult out(FromUid2Status<DecryptionStatus>(r.status), std::move(uid),
                       Timestamp::FromEpochMilli(r.established_ms), decoded ? r.site_id : -1,
                       decoded ? r.site_key_site_id : -1);
  out.expiry_ = Timestamp::FromEpochMilli(r.expiry_ms);
  out.scope_ = r.identity_scope == UID2_IDENTITY_SCOPE_EUID ? IdentityScope::EUID
                                                            : IdentityScope::UID2;
  out.identityType_ = r.identity_type;
  out.version_ = r.advertising_token_version;
  out.clientSideGenerated_ = r.is_client_side_generated != 0;
  return out;
}

// A result for a call that failed as a whole (no token status).
inline DecryptionResult DecryptCallFailed(uid2_status s) {
  if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  return DecryptionResult::MakeError(FromUid2Status<DecryptionStatus>(s));
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
inline DecryptionResult DecryptToBuffer(uid2_client h, StringRef token, StringRef domain,
                                        std::int64_t now, std::size_t needed) {
  std::string uid;
  uid2_decryption_result r;
  uid2_status s = UID2_STATUS_BUFFER_TOO_SMALL;
  for (int attempt = 0; attempt < 8 && s == UID2_STATUS_BUFFER_TOO_SMALL; ++attempt) {
    uid.resize(needed > 0 ? needed : 1);
    s = uid2_decrypt_to_buffer(h, token.data(), token.size(), domain.data(), domain.size(),
                               now, &r, &uid[0], uid.size());
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

inline DecryptionResult Decrypt(uid2_client h, StringRef token, StringRef domain,
                                Timestamp now) {
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
  return EncryptionResult::MakeError(FromUid2Status<EncryptionStatus>(s));
}

// Calls write(buf, cap, &len) into a 512-byte stack buffer, then, while it
// reports BUFFER_TOO_SMALL, into a string of the size it asked for. Returns
// the status; *out holds the text on SUCCESS.
template <typename Write>
uid2_status WriteText(Write write, std::string* out) {
  char buf[512];
  std::size_t len = 0;
  uid2_status s = write(buf, sizeof buf, &len);
  if (s == UID2_STATUS_SUCCESS && len <= sizeof buf) {
    out->assign(buf, len);
    return s;
  }
  for (int attempt = 0; attempt < 8 && s == UID2_STATUS_BUFFER_TOO_SMALL; ++attempt) {
    out->resize(len > 0 ? len : 1);
    s = write(&(*out)[0], out->size(), &len);
  }
  if (s == UID2_STATUS_SUCCESS && len <= out->size()) {
    out->resize(len);
    return s;
  }
  out->clear();
  return s == UID2_STATUS_BUFFER_TOO_SMALL || s == UID2_STATUS_SUCCESS
             ? UID2_STATUS_INTERNAL_ERROR
             : s;
}

inline EncryptionResult Encrypt(uid2_client h, StringRef rawUid, Timestamp now,
                                std::int64_t keysetId) {
  std::string token;
  const uid2_status s = WriteText(
      [&](char* buf, std::size_t cap, std::size_t* len) {
        return uid2_encrypt(h, rawUid.data(), rawUid.size(), now.GetEpochMilli(), keysetId, buf,
                            cap, len);
      },
      &token);
  if (s != UID2_STATUS_SUCCESS) return EncryptFailed(s);
  return EncryptionResult::MakeSuccess(std::move(token));
}

inline EncryptionDataResult EncryptData(uid2_client h, const EncryptionDataRequest& request) {
  uid2_encrypt_data_request q;
  std::memset(&q, 0, sizeof q);
  q.data = request.GetData();
  q.data_len = request.GetDataSize();
  q.site_id = request.GetSiteId();
  const std::string& adToken = request.GetAdvertisingToken();
  if (!adToken.empty()) {
    q.advertising_token = adToken.data();
    q.advertising_token_len = adToken.size();
  }
  q.key_id = request.GetKeyId();
  q.iv = request.GetInitializationVector();
  q.iv_len = request.GetInitializationVectorSize();
  q.now_ms = request.GetNow().GetEpochMilli();
  std::string out;
  const uid2_status s = WriteText(
      [&](char* buf, std::size_t cap, std::size_t* len) {
        return uid2_encrypt_data(h, &q, buf, cap, len);
      },
      &out);
  if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  if (s != UID2_STATUS_SUCCESS) {
    return EncryptionDataResult::MakeError(FromUid2Status<EncryptionStatus>(s));
  }
  return EncryptionDataResult::MakeSuccess(std::move(out));
}

inline DecryptionDataResult DecryptData(uid2_client h, StringRef encrypted) {
  // The plaintext is never longer than the blob's text.
  std::vector<std::uint8_t> data(encrypted.size() > 0 ? encrypted.size() : 1);
  std::size_t len = 0;
  std::int64_t encryptedAtMs = 0;
  std::int32_t siteId = 0;
  const uid2_status s = uid2_decrypt_data(h, encrypted.data(), encrypted.size(), data.data(),
                                          data.size(), &len, &encryptedAtMs, &siteId);
  if (s == UID2_STATUS_FORKED_PROCESS) ThrowForked();
  if (s != UID2_STATUS_SUCCESS || len > data.size()) {
    return DecryptionDataResult::MakeError(FromUid2Status<DecryptionStatus>(
        s == UID2_STATUS_SUCCESS || s == UID2_STATUS_BUFFER_TOO_SMALL ? UID2_STATUS_INTERNAL_ERROR
                                                                       : s));
  }
  data.resize(len);
  DecryptionDataResult out = DecryptionDataResult::MakeSuccess(
      std::move(data), Timestamp::FromEpochMilli(encryptedAtMs));
  out.siteId_ = siteId;
  return out;
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
    const StringRef sv(item);
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
                                           StringRef domain, Timestamp now) {
  std::vector<DecryptionResult> out;
  out.reserve(static_cast<std::size_t>(std::distance(std::begin(tokens), std::end(tokens))));
  // Filled by the library: not zeroed first (uid2_decryption_result is
  // trivially default-constructible).
  std::unique_ptr<uid2_decryption_result[]> results(new uid2_decryption_result[kBatchChunkItems]);
  ForEachChunk(
      tokens,
      [&](StringRef token) { out.push_back(Decrypt(h, token, domain, now)); },
      [&](const std::string& joined, const std::vector<std::int32_t>& offsets) {
        const std::size_t count = offsets.size() - 1;
        const uid2_status s =
            uid2_decrypt_batch(h, joined.data(), offsets.data(), count, domain.data(),
                               domain.size(), now.GetEpochMilli(), results.get());
        for (std::size_t i = 0; i < count; ++i) {
          if (s != UID2_STATUS_SUCCESS) {
            out.push_back(DecryptCallFailed(s));
          } else if (results[i].status == UID2_STATUS_BUFFER_TOO_SMALL) {
            const StringRef token(joined.data() + offsets[i],
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
      [&](StringRef raw) { out.push_back(Encrypt(h, raw, now, keysetId)); },
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
                                 now.GetEpochMilli(), keysetId, &tokens[0],
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

// The thread that delivers failed refreshes of one client handle to a
// callback. It waits in uid2_refresh_event_wait, which returns
// INVALID_HANDLE once the handle is freed: the owner frees the handle, then
// joins the thread.
class RefreshListener {
 public:
  using Callback = std::function<void(const RefreshEvent&)>;

  RefreshListener(uid2_client handle, Callback callback) : callback_(std::move(callback)) {
    // Attempts that ended before the callback was set are not reported: the
    // thread starts after the newest one (only the newest is kept, so a wait
    // after 0 would deliver a stale failure).
    uid2_refresh_event e;
    const std::uint64_t seen =
        uid2_refresh_event_wait(handle, 0, 0, &e, nullptr, 0, nullptr) == UID2_STATUS_SUCCESS ? e.seq : 0;
    thread_ = std::thread([this, handle, seen] { Run(handle, seen); });
  }
  // Call after the handle is freed.
  ~RefreshListener() {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // the callback destroyed its own client
    } else {
      thread_.join();
    }
  }
  RefreshListener(const RefreshListener&) = delete;
  RefreshListener& operator=(const RefreshListener&) = delete;

  void Set(Callback callback) {
    std::lock_guard<std::mutex> lock(mu_);
    callback_ = std::move(callback);
  }

 private:
  void Run(uid2_client handle, std::uint64_t seen) {
    for (;;) {
      uid2_refresh_event e;
      char buf[512];
      std::size_t len = 0;
      const uid2_status s =
          uid2_refresh_event_wait(handle, seen, 60000, &e, buf, sizeof buf, &len);
      if (s == UID2_STATUS_TIMED_OUT) continue;
      if (s != UID2_STATUS_SUCCESS) return;  // freed (or forked)
      RefreshEvent ev;
      ev.seq = e.seq;
      ev.missed = e.seq - seen - 1;
      seen = e.seq;
      if (e.success != 0) continue;
      ev.time = Timestamp::FromEpochMilli(e.time_ms);
      ev.automatic = e.automatic != 0;
      ev.keyCount = e.key_count;
      ev.consecutiveFailures = e.consecutive_failures;
      // A longer message is cut: the event is gone once a newer one exists.
      ev.message.assign(buf, std::min(len, sizeof buf - 1));
      Callback callback;
      {
        std::lock_guard<std::mutex> lock(mu_);
        callback = callback_;
      }
      if (!callback) continue;
      try {
        callback(ev);
      } catch (...) {
        // An exception cannot leave this thread; the callback's own problem.
      }
    }
  }

  std::mutex mu_;
  Callback callback_;
  std::thread thread_;
};

// Owns one libuid2 client handle (and the thread of its failure callback).
class ClientHandle {
 public:
  ClientHandle(uid2_client_type type, StringRef baseUrl, StringRef apiKey,
               StringRef secretKey) {
    CheckAbi();
    // uid2_client_new takes NUL-terminated strings; an empty one means none.
    const std::string url(baseUrl.str()), key(apiKey.str()), secret(secretKey.str());
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
  ClientHandle(ClientHandle&& o) noexcept
      : handle_(o.handle_), listener_(std::move(o.listener_)) {
    o.handle_ = 0;
  }
  ClientHandle& operator=(ClientHandle&& o) noexcept {
    if (this != &o) {
      reset();
      handle_ = o.handle_;
      o.handle_ = 0;
      listener_ = std::move(o.listener_);
    }
    return *this;
  }

  uid2_client get() const noexcept { return handle_; }

  RefreshResult Refresh(std::chrono::milliseconds timeout) {
    return RefreshFromStatus(uid2_refresh(handle_, ToMillis32(timeout)));
  }
  RefreshResult RefreshJson(StringRef json) {
    return RefreshFromStatus(uid2_refresh_json(handle_, json.data(), json.size()));
  }
  RefreshResult WaitForKeys(std::chrono::milliseconds timeout) const {
    return RefreshFromStatus(uid2_wait_for_keys(handle_, ToMillis32(timeout)));
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
  void SetRefreshFailureCallback(RefreshListener::Callback callback) {
    // Callers on several threads: one makes the listener, the others set it.
    // (A mutex member would make the handle immovable; this call is rare.)
    static std::mutex creating;
    std::lock_guard<std::mutex> lock(creating);
    if (listener_) {
      listener_->Set(std::move(callback));
    } else if (callback && handle_ != 0) {
      listener_.reset(new RefreshListener(handle_, std::move(callback)));
    }
  }
  RefreshState GetRefreshState() const {
    uid2_refresh_state st;
    std::memset(&st, 0, sizeof st);
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
    if (handle_ != 0) uid2_client_free(handle_);  // ends the listener's wait
    handle_ = 0;
    listener_.reset();
  }
  uid2_client handle_ = 0;
  std::unique_ptr<RefreshListener> listener_;
};

// What both client kinds share.
template <uid2_client_type Type>
class BasicClient {
 public:
  // A client that only loads keys with RefreshJson.
  BasicClient() : handle_(Type, StringRef(), StringRef(), StringRef()) {}
  // baseUrl e.g. "https://prod.uidapi.com"; apiKey is the bearer API key;
  // secretKey the base64 client secret. Throws std::invalid_argument for a
  // secret that is not base64 of 32 bytes.
  BasicClient(StringRef baseUrl, StringRef apiKey, StringRef secretKey)
      : handle_(Type, baseUrl, apiKey, secretKey) {}

  // Fetches keys over HTTP and swaps them in; a failure keeps the previous
  // keys. timeout 0 means 30 s.
  RefreshResult Refresh(std::chrono::milliseconds timeout = std::chrono::milliseconds{}) {
    return handle_.Refresh(timeout);
  }
  // Loads keys from a key response ({"body": ...}) or its body, without HTTP.
  RefreshResult RefreshJson(StringRef json) { return handle_.RefreshJson(json); }
  // Refreshes over HTTP in the background: now, then every interval (0: one
  // hour, +-10% jitter), retrying sooner after a failure. Returns at once:
  // WaitForKeys waits for the first keys. Throws std::invalid_argument for a
  // client without base URL, API key or secret.
  void StartAutoRefresh(std::chrono::milliseconds interval = std::chrono::milliseconds{},
                        std::chrono::milliseconds timeout = std::chrono::milliseconds{}) {
    handle_.StartAutoRefresh(interval, timeout);
  }
  void StopAutoRefresh() { handle_.StopAutoRefresh(); }
  // Waits until the client has keys (from any refresh) or timeout passes (0:
  // do not wait). Success at once if it has keys; otherwise an error whose
  // reason says why, with the last refresh failure's if there was one.
  RefreshResult WaitForKeys(std::chrono::milliseconds timeout) const {
    return handle_.WaitForKeys(timeout);
  }
  // Calls callback, on a thread of this client's, for each refresh that fails
  // (automatic or not) from now on; RefreshEvent::missed counts attempts it
  // did not see while busy. Replaces the previous callback; an empty one stops
  // the calls. The thread ends when the client is destroyed (after a callback
  // in progress returns: do not destroy the client from within its callback
  // while another thread waits for it). Exceptions from the callback are
  // dropped.
  void SetRefreshFailureCallback(std::function<void(const RefreshEvent&)> callback) {
    handle_.SetRefreshFailureCallback(std::move(callback));
  }
  RefreshState GetRefreshState() const { return handle_.GetRefreshState(); }

  // Deprecated in the official SDKs: the legacy encrypted-data blob.
  EncryptionDataResult EncryptData(const EncryptionDataRequest& request) const {
    return detail::EncryptData(handle_.get(), request);
  }
  DecryptionDataResult DecryptData(StringRef encryptedData) const {
    return detail::DecryptData(handle_.get(), encryptedData);
  }

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

  DecryptionResult DecryptTokenIntoRawUid(StringRef token, Timestamp now = Timestamp()) const {
    return detail::Decrypt(handle_.get(), token, StringRef(), now);
  }
  // keysetId 0: the default keyset of the caller's site.
  EncryptionResult EncryptRawUidIntoToken(StringRef rawUid, Timestamp now = Timestamp(),
                                          std::int64_t keysetId = 0) const {
    return detail::Encrypt(handle_.get(), rawUid, now, keysetId);
  }
  // Batch calls: any container of items convertible to StringRef (strings,
  // string views, C strings); results in input order.
  template <typename Tokens>
  std::vector<DecryptionResult> DecryptTokensIntoRawUids(const Tokens& tokens,
                                                         Timestamp now = Timestamp()) const {
    return detail::DecryptBatch(handle_.get(), tokens, StringRef(), now);
  }
  template <typename RawUids>
  std::vector<EncryptionResult> EncryptRawUidsIntoTokens(const RawUids& rawUids,
                                                         Timestamp now = Timestamp(),
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
  DecryptionResult DecryptTokenIntoRawUid(StringRef token, StringRef domainOrAppName = StringRef(),
                                          Timestamp now = Timestamp()) const {
    return detail::Decrypt(handle_.get(), token, domainOrAppName, now);
  }
  template <typename Tokens>
  std::vector<DecryptionResult> DecryptTokensIntoRawUids(
      const Tokens& tokens, StringRef domainOrAppName = StringRef(),
      Timestamp now = Timestamp()) const {
    return detail::DecryptBatch(handle_.get(), tokens, domainOrAppName, now);
  }
};

// ---------------------------------------------------------------------------
// The official uid2-client-cpp11 API (uid2/uid2client.h), same signatures.

class IUID2Client {
 public:
  virtual ~IUID2Client() = default;
  // Refreshes keys over HTTP. Call at start-up and then regularly (hourly).
  virtual RefreshResult Refresh() = 0;
  virtual DecryptionResult Decrypt(const std::string& token) = 0;
  virtual EncryptionResult Encrypt(const std::string& uid) = 0;
  // Deprecated in the official SDK: the legacy encrypted-data blob.
  virtual EncryptionDataResult EncryptData(const EncryptionDataRequest& request) = 0;
  virtual DecryptionDataResult DecryptData(const std::string& encryptedData) = 0;
};

// The legacy client: a sharing client (keys from /v2/key/sharing). The
// identity scope comes from the key response's identity_scope; a response
// that names none (the legacy array of keys) takes the constructor's. (The
// official SDK's clients always use the factory's scope.)
class UID2Client : public IUID2Client {
 public:
  UID2Client(std::string endpoint, std::string authKey, std::string secretKey,
             IdentityScope identityScope)
      : client_(endpoint, authKey, secretKey), scope_(identityScope) {
    detail::ThrowUnlessSuccess(
        uid2_client_set_default_identity_scope(client_.native_handle(),
                                               identityScope == IdentityScope::EUID
                                                   ? UID2_IDENTITY_SCOPE_EUID
                                                   : UID2_IDENTITY_SCOPE_UID2),
        "cannot create client");
  }
  UID2Client(UID2Client&&) noexcept = default;
  UID2Client& operator=(UID2Client&&) noexcept = default;

  RefreshResult Refresh() override { return client_.Refresh(); }
  RefreshResult RefreshJson(const std::string& json) { return client_.RefreshJson(json); }
  DecryptionResult Decrypt(const std::string& token) override {
    return client_.DecryptTokenIntoRawUid(token);
  }
  DecryptionResult Decrypt(const std::string& token, Timestamp now) {
    return client_.DecryptTokenIntoRawUid(token, now);
  }
  EncryptionResult Encrypt(const std::string& uid) override {
    return client_.EncryptRawUidIntoToken(uid);
  }
  EncryptionResult Encrypt(const std::string& uid, Timestamp now) {
    return client_.EncryptRawUidIntoToken(uid, now);
  }
  EncryptionDataResult EncryptData(const EncryptionDataRequest& request) override {
    return client_.EncryptData(request);
  }
  DecryptionDataResult DecryptData(const std::string& encryptedData) override {
    return client_.DecryptData(encryptedData);
  }

  // libuid2's additions.
  template <typename Tokens>
  std::vector<DecryptionResult> DecryptBatch(const Tokens& tokens, Timestamp now = Timestamp()) {
    return client_.DecryptTokensIntoRawUids(tokens, now);
  }
  template <typename Uids>
  std::vector<EncryptionResult> EncryptBatch(const Uids& uids, Timestamp now = Timestamp()) {
    return client_.EncryptRawUidsIntoTokens(uids, now);
  }
  RefreshResult WaitForKeys(std::chrono::milliseconds timeout) const {
    return client_.WaitForKeys(timeout);
  }
  void StartAutoRefresh(std::chrono::milliseconds interval = std::chrono::milliseconds{},
                        std::chrono::milliseconds timeout = std::chrono::milliseconds{}) {
    client_.StartAutoRefresh(interval, timeout);
  }
  void StopAutoRefresh() { client_.StopAutoRefresh(); }
  void SetRefreshFailureCallback(std::function<void(const RefreshEvent&)> callback) {
    client_.SetRefreshFailureCallback(std::move(callback));
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
  static std::shared_ptr<IUID2Client> Create(std::string endpoint, std::string authKey,
                                             std::string secretKey) {
    return std::make_shared<UID2Client>(std::move(endpoint), std::move(authKey),
                                        std::move(secretKey), IdentityScope::UID2);
  }
};

class EUIDClientFactory {
 public:
  static std::shared_ptr<IUID2Client> Create(std::string endpoint, std::string authKey,
                                             std::string secretKey) {
    return std::make_shared<UID2Client>(std::move(endpoint), std::move(authKey),
                                        std::move(secretKey), IdentityScope::EUID);
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
                                                          StringRef rawUid,
                                                          const std::array<std::uint8_t, 24>& nonces,
                                                          Timestamp now = Timestamp(),
                                                          std::int64_t keysetId = 0) {
  std::string token;
  const uid2_status s = detail::WriteText(
      [&](char* buf, std::size_t cap, std::size_t* len) {
        return uid2_encrypt_with_nonces_insecure_for_tests(
            client.native_handle(), rawUid.data(), rawUid.size(), now.GetEpochMilli(), keysetId,
            nonces.data(), buf, cap, len);
      },
      &token);
  if (s != UID2_STATUS_SUCCESS) return detail::EncryptFailed(s);
  return EncryptionResult::MakeSuccess(std::move(token));
}

}  // namespace testing
}  // namespace uid2

#endif  // UID2_UID2_HPP
