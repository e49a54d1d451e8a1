#pragma once
// The zip records both the writer and the reader use (PKWARE APPNOTE 6.3):
// signatures, flags, limits past which zip64 takes over, DOS times.
#include <cstdint>

namespace berth::archive::zip {

inline constexpr std::uint32_t kLocalHeader = 0x04034b50;
inline constexpr std::uint32_t kDataDescriptor = 0x08074b50;
inline constexpr std::uint32_t kCentralHeader = 0x02014b50;
inline constexpr std::uint32_t kZip64End = 0x06064b50;
inline constexpr std::uint32_t kZip64Locator = 0x07064b50;
inline constexpr std::uint32_t kEnd = 0x06054b50;

inline constexpr std::uint16_t kFlagEncrypted = 1 << 0;
inline constexpr std::uint16_t kFlagDescriptor = 1 << 3;
inline constexpr std::uint16_t kFlagUtf8 = 1 << 11;

inline constexpr std::uint16_t kStored = 0;
inline constexpr std::uint16_t kDeflated = 8;

inline constexpr std::uint16_t kExtraZip64 = 0x0001;
inline constexpr std::uint16_t kExtraTimestamp = 0x5455;  // "UT": mtime as Unix seconds

inline constexpr std::uint32_t kMax32 = 0xFFFFFFFF;  // in a 32-bit field: "see the zip64 record"
inline constexpr std::uint16_t kMax16 = 0xFFFF;
inline constexpr std::uint16_t kMadeByUnix = (3 << 8) | 45;

inline constexpr std::uint32_t kUnixFile = 0100000, kUnixDir = 0040000, kUnixSymlink = 0120000, kUnixTypeMask = 0170000;

struct DosTime {
  std::uint16_t time = 0, date = 0;
};
DosTime dos_time(std::int64_t unix_seconds);  // UTC; before 1980 is 1980-01-01
std::int64_t unix_time(DosTime t);            // UTC

}  // namespace berth::archive::zip
