#include "source/phase_space.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/read_file.h"

namespace kiort {
namespace {

constexpr const char* kItems[7] = {"X", "Y", "Z", "U", "V", "W", "weight"};

// Header blocks: "$NAME:" followed by lines up to the next "$". "//" starts a comment.
std::map<std::string, std::vector<std::string>> header_blocks(const std::filesystem::path& file) {
  check_input_file(file, 1u << 20, "phase-space header");  // a few KB; never /dev/zero
  std::ifstream in(file);
  if (!in) throw Error::bad_input("cannot read phase-space header").file(file.string());
  std::map<std::string, std::vector<std::string>> blocks;
  std::string line, current;
  while (std::getline(in, line)) {
    if (const auto c = line.find("//"); c != std::string::npos) line.erase(c);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (line[0] == '$') {
      const auto colon = line.find(':');
      current = line.substr(1, colon == std::string::npos ? std::string::npos : colon - 1);
      blocks[current];
      continue;
    }
    if (!current.empty()) blocks[current].push_back(line);
  }
  return blocks;
}

std::uint64_t parse_uint(const std::string& s, const std::filesystem::path& file,
                         const std::string& block) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (v < 0 || used != s.size()) throw std::invalid_argument("negative or trailing text");
    return static_cast<std::uint64_t>(v);
  } catch (const std::exception&) {
    throw Error::bad_input("not a non-negative integer")
        .file(file.string())
        .field("$" + block)
        .seen(s)
        .expected("an integer >= 0");
  }
}

double parse_double(const std::string& s, const std::filesystem::path& file,
                    const std::string& block) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used != s.size() || !std::isfinite(v)) throw std::invalid_argument("not finite");
    return v;
  } catch (const std::exception&) {
    throw Error::bad_input("not a number").file(file.string()).field("$" + block).seen(s);
  }
}

std::pair<std::filesystem::path, std::filesystem::path> file_pair(const std::filesystem::path& p) {
  std::filesystem::path stem = p;
  if (p.extension() == ".IAEAheader" || p.extension() == ".IAEAphsp") stem.replace_extension();
  return {std::filesystem::path(stem.string() + ".IAEAheader"),
          std::filesystem::path(stem.string() + ".IAEAphsp")};
}

template <typename T>
T read_value(const unsigned char* p, bool swap) {
  std::array<unsigned char, sizeof(T)> b;
  std::memcpy(b.data(), p, sizeof(T));
  if (swap) std::reverse(b.begin(), b.end());
  T v;
  std::memcpy(&v, b.data(), sizeof(T));
  return v;
}

}  // namespace

IaeaHeader read_iaea_header(const std::filesystem::path& header_file) {
  const auto blocks = header_blocks(header_file);
  IaeaHeader h;
  h.file = header_file;
  auto need = [&](const std::string& name) -> const std::vector<std::string>& {
    const auto it = blocks.find(name);
    if (it == blocks.end() || it->second.empty())
      throw Error::bad_input("phase-space header lacks a block")
          .file(header_file.string())
          .field("$" + name)
          .expected(
              "the IAEA header blocks $RECORD_CONTENTS, $RECORD_LENGTH, $BYTE_ORDER, $PARTICLES");
    return it->second;
  };
  if (const auto it = blocks.find("TITLE"); it != blocks.end() && !it->second.empty())
    h.title = it->second.front();
  const auto& contents = need("RECORD_CONTENTS");
  if (contents.size() < 9)
    throw Error::bad_input(
        "$RECORD_CONTENTS needs 9 entries (X Y Z U V W weight, extra floats, extra longs)")
        .file(header_file.string())
        .field("$RECORD_CONTENTS")
        .seen(std::to_string(contents.size()) + " entries");
  for (int i = 0; i < 7; ++i) {
    const auto v = parse_uint(contents[std::size_t(i)], header_file, "RECORD_CONTENTS");
    if (v > 1)
      throw Error::bad_input("stored flag must be 0 or 1")
          .file(header_file.string())
          .field(std::string("$RECORD_CONTENTS ") + kItems[i])
          .seen(contents[std::size_t(i)]);
    h.stored[std::size_t(i)] = v == 1;
  }
  // Bounded before the int casts: a record holds at most a few dozen extra numbers.
  auto small = [&](const std::string& text, const char* what, std::uint64_t max) {
    const auto v = parse_uint(text, header_file, "RECORD_CONTENTS");
    if (v > max)
      throw Error::bad_input("value out of range")
          .file(header_file.string())
          .field(std::string("$") + what)
          .seen(text)
          .expected("at most " + std::to_string(max));
    return int(v);
  };
  h.extra_floats = small(contents[7], "RECORD_CONTENTS extra floats", 64);
  h.extra_longs = small(contents[8], "RECORD_CONTENTS extra longs", 64);
  // Constants for the items that are not stored, in order. W is never a constant in practice
  // (its sign rides on the particle code) but the format allows it.
  std::vector<std::string> constants;
  if (const auto it = blocks.find("RECORD_CONSTANT"); it != blocks.end()) constants = it->second;
  std::size_t next = 0;
  for (int i = 0; i < 7; ++i) {
    h.constant[std::size_t(i)] = i == 6 ? 1.0 : 0.0;
    if (h.stored[std::size_t(i)]) continue;
    if (next >= constants.size())
      throw Error::bad_input("no constant given for an item that is not stored")
          .file(header_file.string())
          .field(std::string("$RECORD_CONSTANT ") + kItems[i]);
    h.constant[std::size_t(i)] = parse_double(constants[next++], header_file, "RECORD_CONSTANT");
  }
  const auto record_length =
      parse_uint(need("RECORD_LENGTH").front(), header_file, "RECORD_LENGTH");
  h.record_length = record_length > 4096 ? -1 : int(record_length);
  int expected = 1 + 4;  // particle code, energy
  for (int i = 0; i < 7; ++i)
    if (h.stored[std::size_t(i)] && i != 5) expected += 4;  // W is computed from U and V
  expected += 4 * (h.extra_floats + h.extra_longs);
  if (h.record_length != expected)
    throw Error::bad_input("record length does not match $RECORD_CONTENTS")
        .file(header_file.string())
        .field("$RECORD_LENGTH")
        .seen(need("RECORD_LENGTH").front())
        .expected(std::to_string(expected) + " bytes");
  if (const auto it = blocks.find("BYTE_ORDER"); it != blocks.end() && !it->second.empty())
    h.byte_order = int(parse_uint(it->second.front(), header_file, "BYTE_ORDER"));
  if (h.byte_order != 1234 && h.byte_order != 4321)
    throw Error::bad_input("unsupported byte order")
        .file(header_file.string())
        .field("$BYTE_ORDER")
        .seen(std::to_string(h.byte_order))
        .expected("1234 (little endian) or 4321 (big endian)");
  h.particles = parse_uint(need("PARTICLES").front(), header_file, "PARTICLES");
  if (const auto it = blocks.find("PHOTONS"); it != blocks.end() && !it->second.empty())
    h.photons = parse_uint(it->second.front(), header_file, "PHOTONS");
  for (const char* key : {"ORIG_HISTORIES", "ORIGINAL_HISTORIES"})
    if (const auto it = blocks.find(key); it != blocks.end() && !it->second.empty())
      h.original_histories = parse_uint(it->second.front(), header_file, key);
  // $CHECKSUM is the data file's size in bytes (the IAEA format, IAEA(NDS)-0484).
  if (const auto it = blocks.find("CHECKSUM"); it != blocks.end() && !it->second.empty())
    h.checksum = parse_uint(it->second.front(), header_file, "CHECKSUM");
  return h;
}

double PhaseSpace::mean_energy_kev() const {
  double s = 0, w = 0;
  for (const auto& p : photons) {
    s += double(p.e_kev) * p.weight;
    w += p.weight;
  }
  return w > 0 ? s / w : 0.0;
}

PhaseSpace read_iaea_phase_space(const std::filesystem::path& path, std::uint64_t max_photons) {
  // Named paths, not a structured binding: the record checks' lambda captures them (clang 14,
  // which builds the fuzz targets, cannot capture structured bindings).
  const auto files = file_pair(path);
  const std::filesystem::path& header_file = files.first;
  const std::filesystem::path& data_file = files.second;
  PhaseSpace ps;
  ps.header = read_iaea_header(header_file);
  const IaeaHeader& h = ps.header;
  std::ifstream in(data_file, std::ios::binary);
  if (!in) throw Error::bad_input("cannot read phase-space data").file(data_file.string());
  const auto size = std::filesystem::file_size(data_file);
  if (size % std::uint64_t(h.record_length) != 0)
    throw Error::bad_input("data file is not a whole number of records (truncated?)")
        .file(data_file.string())
        .seen(std::to_string(size) + " bytes")
        .expected("a multiple of $RECORD_LENGTH = " + std::to_string(h.record_length));
  if (h.checksum && *h.checksum != size)
    throw Error::bad_input("data file size contradicts the header's checksum")
        .file(data_file.string())
        .field("$CHECKSUM")
        .seen(std::to_string(size) + " bytes in the data file")
        .expected(std::to_string(*h.checksum) + " bytes as " + header_file.filename().string() +
                  " says");
  const std::uint64_t n = size / std::uint64_t(h.record_length);
  if (n != h.particles)
    throw Error::bad_input("record count contradicts the header")
        .file(data_file.string())
        .field("$PARTICLES")
        .seen(std::to_string(n) + " records in the data file")
        .expected(std::to_string(h.particles) + " as the header says");
  const bool swap = (h.byte_order == 1234) != (std::endian::native == std::endian::little);
  std::vector<unsigned char> buf(std::size_t(h.record_length) * 65536);
  std::uint64_t index = 0;
  while (index < n) {
    const std::uint64_t chunk = std::min<std::uint64_t>(65536, n - index);
    in.read(reinterpret_cast<char*>(buf.data()),
            std::streamsize(chunk * std::uint64_t(h.record_length)));
    if (!in) throw Error::bad_input("read error").file(data_file.string());
    for (std::uint64_t k = 0; k < chunk; ++k, ++index) {
      const unsigned char* p = buf.data() + k * std::uint64_t(h.record_length);
      const auto code = static_cast<std::int8_t>(p[0]);
      const int type = std::abs(int(code));
      auto bad = [&](const std::string& what, const std::string& seen) {
        return Error::bad_input(what)
            .file(data_file.string())
            .field("record " + std::to_string(index + 1))
            .seen(seen);
      };
      if (type < 1 || type > 5)
        throw bad("unknown particle code", std::to_string(int(code)))
            .expected("1..5 (photon, electron, positron, neutron, proton), signed by W");
      float e = read_value<float>(p + 1, swap);
      if (e < 0) {
        ++ps.new_histories;
        e = -e;
      }
      if (!std::isfinite(e) || e <= 0 || e > 1.0f)
        throw bad("energy out of range", std::to_string(e) + " MeV").expected("0 < E <= 1 MeV");
      std::size_t off = 5;
      float item[7];
      for (int i = 0; i < 7; ++i) {
        if (i == 5) continue;  // W follows from U, V
        if (h.stored[std::size_t(i)]) {
          item[i] = read_value<float>(p + off, swap);
          off += 4;
        } else {
          item[i] = static_cast<float>(h.constant[std::size_t(i)]);
        }
      }
      if (type != 1) {
        ++ps.other_particles;
        continue;
      }
      const double uv = double(item[3]) * item[3] + double(item[4]) * item[4];
      if (!(uv <= 1.0 + 1e-5) || !std::isfinite(item[0]) || !std::isfinite(item[1]) ||
          !std::isfinite(item[2]) || !std::isfinite(item[6]) || item[6] < 0)
        throw bad("invalid direction, position or weight",
                  "u^2 + v^2 = " + std::to_string(uv) + ", weight " + std::to_string(item[6]));
      const double w = (code < 0 ? -1.0 : 1.0) * std::sqrt(std::max(0.0, 1.0 - uv));
      if (max_photons == 0 || ps.photons.size() < max_photons) {
        ps.photons.push_back({1000.0f * e, 10.0f * item[0], 10.0f * item[1], 10.0f * item[2],
                              item[3], item[4], static_cast<float>(w), item[6]});
        ps.total_weight += item[6];
      }
    }
  }
  if (ps.photons.empty())
    throw Error::bad_input("phase space holds no photons").file(data_file.string());
  return ps;
}

void write_iaea_phase_space(const std::filesystem::path& stem,
                            const std::vector<PhaseSpacePhoton>& photons,
                            std::uint64_t original_histories, const std::string& title) {
  const auto [header_file, data_file] = file_pair(stem);
  std::string data;
  data.reserve(photons.size() * 29);
  const bool swap = std::endian::native != std::endian::little;
  auto put = [&](float v) {
    std::array<char, 4> b;
    std::memcpy(b.data(), &v, 4);
    if (swap) std::reverse(b.begin(), b.end());
    data.append(b.data(), 4);
  };
  for (const auto& p : photons) {
    data.push_back(static_cast<char>(p.w < 0 ? -1 : 1));
    put(-p.e_kev / 1000.0f);  // every photon opens its own history
    put(p.x_mm / 10.0f);
    put(p.y_mm / 10.0f);
    put(p.z_mm / 10.0f);
    put(p.u);
    put(p.v);
    put(p.weight);
  }
  std::ostringstream h;
  h << "$IAEA_INDEX:\n0\n\n$TITLE:\n"
    << title << "\n\n$FILE_TYPE:\n0\n\n$CHECKSUM:\n"
    << data.size() << "\n\n$RECORD_CONTENTS:\n"
    << "    1     // X is stored ?\n    1     // Y is stored ?\n    1     // Z is stored ?\n"
    << "    1     // U is stored ?\n    1     // V is stored ?\n    1     // W is stored ?\n"
    << "    1     // Weight is stored ?\n    0     // Extra floats stored ?\n"
    << "    0     // Extra longs stored ?\n\n$RECORD_CONSTANT:\n\n$RECORD_LENGTH:\n29\n\n"
    << "$BYTE_ORDER:\n1234\n\n$ORIG_HISTORIES:\n"
    << original_histories << "\n\n$PARTICLES:\n"
    << photons.size() << "\n\n$PHOTONS:\n"
    << photons.size() << "\n\n"
    << "$COORDINATE_SYSTEM_DESCRIPTION:\n// origin at the source, +z along the probe's forward "
       "axis, cm\n";
  write_file_atomic(data_file, data);
  write_file_atomic(header_file, h.str());
}

PhaseSpaceSource::PhaseSpaceSource(const PhaseSpace& phsp, Vec3 tip_lps, Vec3 axis_lps)
    : phsp_(&phsp), tip_(tip_lps) {
  const Vec3 z = normalized(axis_lps);
  const Perpendiculars f = perpendiculars(z);
  const Vec3 x = f.e1 * -1.0, y = f.e2 * -1.0;  // the file's x and y: (-e1, -e2, z) is right-handed
  rot_ = Mat3::from_columns(x, y, z);
  for (const auto& p : phsp.photons) max_e_ = std::max(max_e_, double(p.e_kev));
  mean_e_ = phsp.mean_energy_kev();
}

Photon PhaseSpaceSource::sample(Philox& rng) const {
  const auto& v = phsp_->photons;
  const auto i = std::min(v.size() - 1, std::size_t(rng.uniform() * double(v.size())));
  const PhaseSpacePhoton& p = v[i];
  const Vec3 r = tip_ + rot_ * Vec3{p.x_mm, p.y_mm, p.z_mm};
  const Vec3 u = normalized(rot_ * Vec3{p.u, p.v, p.w});
  return {r, u, double(p.e_kev), double(p.weight)};
}

std::string PhaseSpaceSource::describe() const {
  return "IAEA phase space " + phsp_->header.file.filename().string() + " (" +
         std::to_string(phsp_->photons.size()) + " photons)";
}

}  // namespace kiort
