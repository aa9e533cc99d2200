#include "patient/volume_io.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/read_file.h"
#include "physics/ct_calibration.h"

namespace kiort {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A volume file may be large, but never larger than this (a 512x512x2000 int16 CT is 1 GiB).
constexpr std::uintmax_t kMaxVolumeFileBytes = 4ull << 30;

// The first max_bytes of a file, gunzipped when it is gzip (zlib reads plain files unchanged):
// memory grows only with bytes actually present, up to what the header asks for.
std::string read_maybe_gz(const fs::path& path, std::uint64_t max_bytes) {
  check_input_file(path, kMaxVolumeFileBytes);
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error::bad_input("cannot open file").file(path.string());
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while (out.size() < max_bytes) {
    const auto want =
        static_cast<unsigned>(std::min<std::uint64_t>(sizeof buf, max_bytes - out.size()));
    n = gzread(f, buf, want);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string why = msg ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    throw Error::bad_input("cannot decompress file (truncated or corrupt gzip?)")
        .file(path.string())
        .seen(why);
  return out;
}

// Inflates at most max_out bytes (the header's voxel data and byte skip): a small gzip bomb
// cannot grow memory past what the header promised.
std::string gunzip_buffer(const std::string& in, const std::string& fname, std::uint64_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw Error::internal("zlib inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), 0xffffffffu));
  std::string out;
  char buf[1 << 16];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error::bad_input("cannot decompress NRRD data (truncated or corrupt gzip?)")
          .file(fname);
    }
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc != Z_STREAM_END && out.size() < max_out);
  inflateEnd(&zs);
  if (out.size() > max_out) out.resize(static_cast<std::size_t>(max_out));
  return out;
}

const std::map<std::string, std::size_t>& sample_sizes() {
  static const std::map<std::string, std::size_t> sizes = {
      {"int8", 1},   {"uint8", 1}, {"int16", 2},  {"uint16", 2},  {"int32", 4},
      {"uint32", 4}, {"int64", 8}, {"uint64", 8}, {"float32", 4}, {"float64", 8}};
  return sizes;
}

template <typename T>
T get(const std::string& buf, std::size_t offset, bool swap) {
  T v;
  char b[sizeof(T)];
  std::memcpy(b, buf.data() + offset, sizeof(T));
  if (swap) std::reverse(b, b + sizeof(T));
  std::memcpy(&v, b, sizeof(T));
  return v;
}

// Converts raw samples of a given type to doubles.
std::vector<double> decode_samples(const std::string& buf, std::size_t offset, std::size_t count,
                                   const std::string& type, bool swap, const std::string& fname) {
  const std::size_t size = sample_sizes().at(type);
  if (offset > buf.size() || (buf.size() - offset) / size < count)
    throw Error::bad_input("volume data shorter than the header says (truncated file?)")
        .file(fname)
        .seen(std::to_string(buf.size() - std::min(buf.size(), offset)) + " bytes")
        .expected(std::to_string(count * size) + " bytes");
  std::vector<double> out(count);
  for (std::size_t v = 0; v < count; ++v) {
    const std::size_t o = offset + v * size;
    double x = 0;
    if (type == "int8")
      x = get<std::int8_t>(buf, o, swap);
    else if (type == "uint8")
      x = get<std::uint8_t>(buf, o, swap);
    else if (type == "int16")
      x = get<std::int16_t>(buf, o, swap);
    else if (type == "uint16")
      x = get<std::uint16_t>(buf, o, swap);
    else if (type == "int32")
      x = get<std::int32_t>(buf, o, swap);
    else if (type == "uint32")
      x = get<std::uint32_t>(buf, o, swap);
    else if (type == "int64")
      x = static_cast<double>(get<std::int64_t>(buf, o, swap));
    else if (type == "uint64")
      x = static_cast<double>(get<std::uint64_t>(buf, o, swap));
    else if (type == "float32")
      x = get<float>(buf, o, swap);
    else
      x = get<double>(buf, o, swap);
    out[v] = x;
  }
  return out;
}

// A Grid3 from an index -> LPS affine (columns = axis steps in mm), refusing shear.
Grid3 grid_from_affine(const std::array<int, 3>& dims, const Vec3 axes[3], const Vec3& origin,
                       const std::string& fname, const std::string& field) {
  Vec3 unit[3];
  Vec3 spacing;
  for (int a = 0; a < 3; ++a) {
    const double len = norm(axes[a]);
    if (!(len > 0) || !std::isfinite(len))
      throw Error::bad_input("degenerate voxel axis")
          .file(fname)
          .field(field)
          .seen("axis " + std::to_string(a) + " of length " + std::to_string(len));
    unit[a] = axes[a] / len;
    spacing[a] = len;
  }
  for (int a = 0; a < 3; ++a)
    for (int b = a + 1; b < 3; ++b)
      if (std::abs(dot(unit[a], unit[b])) > 1e-3)
        throw Error::bad_input("sheared volume (axes not orthogonal)")
            .file(fname)
            .field(field)
            .seen("cos = " + std::to_string(dot(unit[a], unit[b])))
            .expected("orthogonal voxel axes");
  // Single-precision headers: re-orthonormalise so Grid3's check (1e-4) holds exactly.
  unit[1] = normalized(unit[1] - dot(unit[1], unit[0]) * unit[0]);
  const Vec3 c = cross(unit[0], unit[1]);
  unit[2] = dot(c, unit[2]) >= 0 ? c : -c;
  try {
    return Grid3(dims, spacing, origin, Mat3::from_columns(unit[0], unit[1], unit[2]));
  } catch (Error& e) {
    if (e.file().empty()) e.file(fname);
    throw;
  }
}

Volume read_nifti(const fs::path& path) {
  const std::string fname = path.string();
  std::string buf = read_maybe_gz(path, 348);
  if (buf.size() < 348) throw Error::bad_input("file too short for a NIfTI header").file(fname);
  const auto sizeof_hdr = get<std::int32_t>(buf, 0, false);
  bool swap = false;
  if (sizeof_hdr == 540 || get<std::int32_t>(buf, 0, true) == 540)
    throw Error::bad_input("NIfTI-2 is not supported")
        .file(fname)
        .field("sizeof_hdr")
        .seen("540")
        .expected("348 (NIfTI-1)");
  if (sizeof_hdr != 348) {
    if (get<std::int32_t>(buf, 0, true) != 348)
      throw Error::bad_input("not a NIfTI-1 file")
          .file(fname)
          .field("sizeof_hdr")
          .seen(std::to_string(sizeof_hdr))
          .expected("348");
    swap = true;
  }
  const std::string magic(buf.data() + 344, 3);
  if (magic != "n+1")
    throw Error::bad_input("not a single-file NIfTI-1 (.nii)")
        .file(fname)
        .field("magic")
        .seen(magic)
        .expected("n+1");
  std::int16_t dim[8];
  for (int i = 0; i < 8; ++i)
    dim[i] = get<std::int16_t>(buf, 40 + 2 * static_cast<std::size_t>(i), swap);
  bool extra_axes = false;  // dim[4..dim[0]] must all be 1 for a 3-D volume
  for (int i = 4; i <= dim[0] && i < 8; ++i) extra_axes = extra_axes || dim[i] != 1;
  if (dim[0] < 3 || dim[0] > 7 || extra_axes)
    throw Error::bad_input("not a 3-D volume")
        .file(fname)
        .field("dim")
        .seen(std::to_string(dim[0]) + "-D")
        .expected("3-D");
  for (int i = 1; i <= 3; ++i)
    if (dim[i] < 1)
      throw Error::bad_input("volume size must be positive")
          .file(fname)
          .field("dim[" + std::to_string(i) + "]")
          .seen(std::to_string(dim[i]))
          .expected("an integer >= 1");
  const std::array<int, 3> dims{dim[1], dim[2], dim[3]};
  const auto datatype = get<std::int16_t>(buf, 70, swap);
  static const std::map<int, std::string> types = {
      {2, "uint8"},  {4, "int16"},    {8, "int32"},    {16, "float32"}, {64, "float64"},
      {256, "int8"}, {512, "uint16"}, {768, "uint32"}, {1024, "int64"}, {1280, "uint64"}};
  if (!types.count(datatype))
    throw Error::bad_input("unsupported NIfTI datatype")
        .file(fname)
        .field("datatype")
        .seen(std::to_string(datatype))
        .expected("an integer or float scalar type");
  float pixdim[8];
  for (int i = 0; i < 8; ++i)
    pixdim[i] = get<float>(buf, 76 + 4 * static_cast<std::size_t>(i), swap);
  // vox_offset is a float in the header: a negative, fractional or NaN one would index before the
  // header or past the file (an over-read), so it is checked before any use.
  const float vox_offset_f = get<float>(buf, 108, swap);
  if (!std::isfinite(vox_offset_f) || vox_offset_f < 0 || vox_offset_f > 1e9f ||
      vox_offset_f != std::floor(vox_offset_f))
    throw Error::bad_input("bad voxel data offset")
        .file(fname)
        .field("vox_offset")
        .seen(std::to_string(vox_offset_f))
        .expected("a whole number of bytes >= 348 (352 for .nii)");
  const std::size_t vox_offset = std::max<std::size_t>(static_cast<std::size_t>(vox_offset_f), 348);
  const float slope = get<float>(buf, 112, swap), inter = get<float>(buf, 116, swap);
  if (!std::isfinite(slope) || !std::isfinite(inter) || std::abs(slope) > 1e6f ||
      std::abs(inter) > 1e6f)
    throw Error::bad_input("bad intensity scaling")
        .file(fname)
        .field("scl_slope/scl_inter")
        .seen(std::to_string(slope) + "/" + std::to_string(inter))
        .expected("finite values of magnitude <= 1e6 (0/0 means unscaled)");
  const auto qform_code = get<std::int16_t>(buf, 252, swap);
  const auto sform_code = get<std::int16_t>(buf, 254, swap);

  // Index -> RAS affine from the sform (preferred) or qform, as the NIfTI-1 standard says.
  Vec3 axes[3];
  Vec3 origin;
  std::string field;
  if (sform_code > 0) {
    field = "srow_x/srow_y/srow_z (sform)";
    float s[3][4];
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c)
        s[r][c] = get<float>(
            buf, 280 + 16 * static_cast<std::size_t>(r) + 4 * static_cast<std::size_t>(c), swap);
    for (int a = 0; a < 3; ++a) axes[a] = {s[0][a], s[1][a], s[2][a]};
    origin = {s[0][3], s[1][3], s[2][3]};
  } else if (qform_code > 0) {
    field = "quatern_b/c/d, qoffset (qform)";
    const double b = get<float>(buf, 256, swap), c = get<float>(buf, 260, swap),
                 d = get<float>(buf, 264, swap);
    const double a = std::sqrt(std::max(0.0, 1.0 - (b * b + c * c + d * d)));
    const double qfac = pixdim[0] < 0 ? -1.0 : 1.0;
    const double R[3][3] = {
        {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
        {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
        {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
    const double sc[3] = {pixdim[1], pixdim[2], qfac * pixdim[3]};
    for (int k = 0; k < 3; ++k) axes[k] = Vec3{R[0][k], R[1][k], R[2][k]} * sc[k];
    origin = {get<float>(buf, 268, swap), get<float>(buf, 272, swap), get<float>(buf, 276, swap)};
  } else {
    field = "pixdim (no sform/qform)";
    axes[0] = {pixdim[1], 0, 0};
    axes[1] = {0, pixdim[2], 0};
    axes[2] = {0, 0, pixdim[3]};
  }
  // RAS -> LPS: negate x and y.
  for (auto& ax : axes) ax = {-ax.x, -ax.y, ax.z};
  origin = {-origin.x, -origin.y, origin.z};
  Volume v;
  v.format = "nifti";
  v.grid = grid_from_affine(dims, axes, origin, fname, field);
  // Now that the header is sane, read exactly the bytes it promises (no more, however large the
  // decompressed stream would grow); decode_samples refuses a shorter file.
  const std::uint64_t need = vox_offset + static_cast<std::uint64_t>(v.grid.voxel_count()) *
                                              sample_sizes().at(types.at(datatype));
  buf = read_maybe_gz(path, need);
  v.values = decode_samples(buf, vox_offset, v.grid.voxel_count(), types.at(datatype), swap, fname);
  if (slope != 0 && !(slope == 1 && inter == 0))
    for (double& x : v.values) x = x * slope + inter;
  return v;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// Strict NRRD field parsers: a value that is not exactly what the field holds is refused, naming
// the file, the field and the value (never read as 0 or skipped).
Error bad_field(const std::string& fname, const std::string& key, const std::string& value,
                const std::string& expected) {
  return Error::bad_input("malformed NRRD header field")
      .file(fname)
      .field(key)
      .seen(value.substr(0, 80))
      .expected(expected);
}

std::int64_t parse_int_field(const std::string& text, const std::string& fname,
                             const std::string& key, std::int64_t lo, std::int64_t hi) {
  const std::string t = trim(text);
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (t.empty() || *end != '\0' || errno == ERANGE || v < lo || v > hi)
    throw bad_field(fname, key, text,
                    "an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

double parse_double_strict(const std::string& t, bool* ok) {
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  *ok = !t.empty() && *end == '\0' && std::isfinite(v);
  return v;
}

// Whitespace-separated plain numbers ("sizes", "spacings"), exactly n of them, all finite.
std::vector<double> parse_number_list(const std::string& text, std::size_t n,
                                      const std::string& fname, const std::string& key,
                                      const std::string& expected) {
  std::istringstream in(text);
  std::vector<double> out;
  std::string tok;
  while (in >> tok) {
    bool ok = false;
    const double v = parse_double_strict(tok, &ok);
    if (!ok) throw bad_field(fname, key, text, expected);
    out.push_back(v);
  }
  if (out.size() != n) throw bad_field(fname, key, text, expected);
  return out;
}

// A NRRD vector "(x,y,z)": exactly three finite numbers in parentheses.
Vec3 parse_vector(const std::string& tok, const std::string& fname, const std::string& key,
                  const std::string& whole) {
  const std::string t = trim(tok);
  const std::string expected = "a vector (x,y,z) of three finite numbers";
  if (t.size() < 2 || t.front() != '(' || t.back() != ')')
    throw bad_field(fname, key, whole, expected);
  std::vector<double> c;
  std::istringstream parts(t.substr(1, t.size() - 2));
  std::string part;
  while (std::getline(parts, part, ',')) {
    bool ok = false;
    const double v = parse_double_strict(trim(part), &ok);
    if (!ok) throw bad_field(fname, key, whole, expected);
    c.push_back(v);
  }
  if (c.size() != 3) throw bad_field(fname, key, whole, expected);
  return {c[0], c[1], c[2]};
}

Volume read_nrrd(const fs::path& path) {
  const std::string fname = path.string();
  check_input_file(path, kMaxVolumeFileBytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::bad_input("cannot open file").file(fname);
  std::string line;
  std::getline(in, line);
  if (line.rfind("NRRD000", 0) != 0)
    throw Error::bad_input("not a NRRD file")
        .file(fname)
        .field("magic")
        .seen(line.substr(0, 8))
        .expected("NRRD000x");
  std::map<std::string, std::string> f;
  std::size_t header_lines = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (++header_lines > 10000)
      throw Error::bad_input("NRRD header does not end (no blank line in 10000 lines)").file(fname);
    if (line[0] == '#') continue;
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;  // key:=value pairs carry no geometry
    std::string key = lower(line.substr(0, colon)), value = line.substr(colon + 2);
    if (key == "datafile") key = "data file";
    if (key == "byteskip") key = "byte skip";
    if (key == "lineskip") key = "line skip";
    if (key == "spacedirections") key = "space directions";
    if (key == "spaceorigin") key = "space origin";
    f[key] = value;
  }
  auto need = [&](const std::string& key) -> const std::string& {
    if (!f.count(key)) throw Error::bad_input("NRRD header field missing").file(fname).field(key);
    return f.at(key);
  };
  if (parse_int_field(need("dimension"), fname, "dimension", 1, 16) != 3)
    throw Error::bad_input("not a 3-D volume")
        .file(fname)
        .field("dimension")
        .seen(f["dimension"])
        .expected("3");
  std::array<int, 3> dims{};
  {
    std::istringstream sz(need("sizes"));
    std::vector<std::string> toks;
    std::string tok;
    while (sz >> tok) toks.push_back(tok);
    if (toks.size() != 3) throw bad_field(fname, "sizes", f["sizes"], "three integers >= 1");
    for (std::size_t a = 0; a < 3; ++a)
      dims[a] = static_cast<int>(parse_int_field(toks[a], fname, "sizes", 1, 1 << 20));
  }
  static const std::map<std::string, std::string> types = {{"signed char", "int8"},
                                                           {"int8", "int8"},
                                                           {"int8_t", "int8"},
                                                           {"char", "int8"},
                                                           {"uchar", "uint8"},
                                                           {"unsigned char", "uint8"},
                                                           {"uint8", "uint8"},
                                                           {"uint8_t", "uint8"},
                                                           {"short", "int16"},
                                                           {"short int", "int16"},
                                                           {"signed short", "int16"},
                                                           {"signed short int", "int16"},
                                                           {"int16", "int16"},
                                                           {"int16_t", "int16"},
                                                           {"ushort", "uint16"},
                                                           {"unsigned short", "uint16"},
                                                           {"unsigned short int", "uint16"},
                                                           {"uint16", "uint16"},
                                                           {"uint16_t", "uint16"},
                                                           {"int", "int32"},
                                                           {"signed int", "int32"},
                                                           {"int32", "int32"},
                                                           {"int32_t", "int32"},
                                                           {"uint", "uint32"},
                                                           {"unsigned int", "uint32"},
                                                           {"uint32", "uint32"},
                                                           {"uint32_t", "uint32"},
                                                           {"float", "float32"},
                                                           {"double", "float64"},
                                                           {"longlong", "int64"},
                                                           {"int64", "int64"},
                                                           {"ulonglong", "uint64"},
                                                           {"uint64", "uint64"}};
  const std::string type = lower(need("type"));
  if (!types.count(type))
    throw Error::bad_input("unsupported NRRD type")
        .file(fname)
        .field("type")
        .seen(type)
        .expected("a scalar integer or float type");
  const std::string encoding = lower(need("encoding"));
  if (encoding != "raw" && encoding != "gzip" && encoding != "gz")
    throw Error::bad_input("unsupported NRRD encoding")
        .file(fname)
        .field("encoding")
        .seen(encoding)
        .expected("raw or gzip");
  bool big = false;
  if (f.count("endian")) {
    const std::string e = lower(trim(f["endian"]));
    if (e != "little" && e != "big") throw bad_field(fname, "endian", f["endian"], "little or big");
    big = e == "big";
  }
  const std::int64_t line_skip =
      f.count("line skip") ? parse_int_field(f["line skip"], fname, "line skip", 0, 1 << 20) : 0;
  const std::int64_t byte_skip =
      f.count("byte skip") ? parse_int_field(f["byte skip"], fname, "byte skip", -1, 1ll << 40) : 0;
  if (byte_skip == -1 && encoding != "raw")
    throw bad_field(fname, "byte skip", f["byte skip"], ">= 0 (-1 is defined for raw data only)");

  Vec3 axes[3];
  Vec3 origin;
  bool ras = false;
  if (f.count("space")) {
    const std::string sp = lower(f["space"]);
    if (sp == "right-anterior-superior" || sp == "ras")
      ras = true;
    else if (sp != "left-posterior-superior" && sp != "lps")
      throw Error::bad_input("unsupported NRRD space")
          .file(fname)
          .field("space")
          .seen(sp)
          .expected("left-posterior-superior or right-anterior-superior");
  }
  if (f.count("space directions")) {
    const std::string& sd = f["space directions"];
    std::vector<std::string> toks;
    std::size_t p = 0;
    while ((p = sd.find_first_not_of(" \t", p)) != std::string::npos) {
      std::size_t q;
      if (sd[p] == '(') {
        q = sd.find(')', p);
        if (q == std::string::npos)
          throw bad_field(fname, "space directions", sd, "three vectors (x,y,z)");
        ++q;
      } else {
        q = sd.find_first_of(" \t", p);
        if (q == std::string::npos) q = sd.size();
      }
      toks.push_back(sd.substr(p, q - p));
      p = q;
    }
    if (toks.size() != 3) throw bad_field(fname, "space directions", sd, "three vectors (x,y,z)");
    for (std::size_t a = 0; a < 3; ++a)
      axes[a] = parse_vector(toks[a], fname, "space directions", sd);
  } else {
    std::vector<double> s =
        f.count("spacings")
            ? parse_number_list(f["spacings"], 3, fname, "spacings", "three finite spacings in mm")
            : std::vector<double>{1, 1, 1};
    axes[0] = {s[0], 0, 0};
    axes[1] = {0, s[1], 0};
    axes[2] = {0, 0, s[2]};
  }
  if (f.count("space origin"))
    origin = parse_vector(f["space origin"], fname, "space origin", f["space origin"]);
  if (ras) {
    for (auto& ax : axes) ax = {-ax.x, -ax.y, ax.z};
    origin = {-origin.x, -origin.y, origin.z};
  }
  Volume v;
  v.format = "nrrd";
  v.grid = grid_from_affine(dims, axes, origin, fname, "space directions");

  const std::size_t sample = sample_sizes().at(types.at(type));
  const std::uint64_t data_bytes = static_cast<std::uint64_t>(v.grid.voxel_count()) * sample;
  std::ifstream din;
  std::istream* data_in = &in;
  std::string data_name = fname;
  if (f.count("data file")) {
    const std::string df = trim(f["data file"]);
    // "LIST" and "%03d.raw 1 10 1" name several files; kiort reads one volume from one file.
    if (df.empty() || df == "LIST" || df.find_first_of(" \t%") != std::string::npos)
      throw bad_field(fname, "data file", df, "the name of one detached data file");
    const fs::path dp = fs::path(df).is_absolute() ? fs::path(df) : path.parent_path() / df;
    data_name = dp.string();
    check_input_file(dp, kMaxVolumeFileBytes);
    din.open(dp, std::ios::binary);
    if (!din)
      throw Error::bad_input("cannot open NRRD data file").file(data_name).field("data file");
    data_in = &din;
  }
  for (std::int64_t l = 0; l < line_skip; ++l)
    if (!std::getline(*data_in, line))
      throw bad_field(fname, "line skip", f["line skip"], "no more lines than the data file has");
  std::string data;
  if (encoding == "raw") {
    if (byte_skip == -1) {  // the data are the file's last bytes
      const auto here = data_in->tellg();
      data_in->seekg(0, std::ios::end);
      const auto end = data_in->tellg();
      if (here < 0 || end < 0 || static_cast<std::uint64_t>(end - here) < data_bytes)
        throw Error::bad_input("volume data shorter than the header says (truncated file?)")
            .file(data_name)
            .expected(std::to_string(data_bytes) + " bytes");
      data_in->seekg(end - static_cast<std::streamoff>(data_bytes));
    } else {
      data_in->ignore(static_cast<std::streamsize>(byte_skip));
    }
    // At most the bytes the header promises (the file's size was checked above).
    data.resize(static_cast<std::size_t>(data_bytes));
    data_in->read(data.data(), static_cast<std::streamsize>(data_bytes));
    data.resize(static_cast<std::size_t>(std::max<std::streamsize>(data_in->gcount(), 0)));
  } else {
    data.assign(std::istreambuf_iterator<char>(*data_in), {});
    data = gunzip_buffer(data, data_name, static_cast<std::uint64_t>(byte_skip) + data_bytes);
    if (byte_skip > 0) {
      if (data.size() < static_cast<std::uint64_t>(byte_skip))
        throw bad_field(fname, "byte skip", f["byte skip"], "fewer bytes than the data hold");
      data.erase(0, static_cast<std::size_t>(byte_skip));
    }
  }
  v.values = decode_samples(data, 0, v.grid.voxel_count(), types.at(type), big, data_name);
  return v;
}

}  // namespace

bool is_volume_file(const fs::path& path) {
  const std::string n = lower(path.filename().string());
  return ends_with(n, ".nrrd") || ends_with(n, ".nhdr") || ends_with(n, ".nii") ||
         ends_with(n, ".nii.gz");
}

Volume read_volume_data(const fs::path& path) {
  const std::string n = lower(path.filename().string());
  if (ends_with(n, ".nrrd") || ends_with(n, ".nhdr")) return read_nrrd(path);
  if (ends_with(n, ".nii") || ends_with(n, ".nii.gz")) return read_nifti(path);
  throw Error::bad_input("unknown volume format")
      .file(path.string())
      .expected(".nrrd, .nhdr, .nii or .nii.gz");
}

PatientModel read_volume(const fs::path& path) {
  Volume v = read_volume_data(path);
  PatientModel m;
  m.grid = v.grid;
  m.hu.resize(v.values.size());
  for (std::size_t i = 0; i < v.values.size(); ++i)
    m.hu[i] = static_cast<std::int16_t>(std::clamp(std::round(v.values[i]), -32768.0, 32767.0));
  m.source = path.string();
  m.assign_media(CtCalibration::load_default());
  return m;
}

std::vector<LabelName> totalsegmentator_vertebra_names() {
  // TotalSegmentator v2 "total" task class map: vertebrae_S1 = 26 up to vertebrae_C1 = 50.
  static const char* names[] = {"S1", "L5", "L4", "L3", "L2", "L1", "T12", "T11", "T10",
                                "T9", "T8", "T7", "T6", "T5", "T4", "T3",  "T2",  "T1",
                                "C7", "C6", "C5", "C4", "C3", "C2", "C1"};
  std::vector<LabelName> out;
  for (int i = 0; i < 25; ++i) out.push_back({26 + i, std::string("vertebrae_") + names[i]});
  return out;
}

std::vector<LabelName> read_label_names(const fs::path& path) {
  const std::string fname = path.string();
  std::ifstream in(path);
  if (!in) throw Error::bad_input("cannot open label name table").file(fname);
  std::vector<LabelName> out;
  const std::string n = lower(path.filename().string());
  if (ends_with(n, ".json")) {
    try {
      const auto j = nlohmann::json::parse(in);
      if (j.is_object()) {
        for (const auto& [k, val] : j.items())
          out.push_back({std::stoi(k), val.get<std::string>()});
      } else {
        for (const auto& e : j)
          out.push_back({e.at("label").get<int>(), e.at("name").get<std::string>()});
      }
    } catch (const std::exception& e) {
      throw Error::bad_input("malformed label name table")
          .file(fname)
          .seen(e.what())
          .expected(R"({"31": "vertebrae_L1", ...} or [{"label": 31, "name": "..."}])");
    }
    return out;
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto sep = line.find_first_of(",\t");
    if (sep == std::string::npos) continue;
    const std::string a = line.substr(0, sep);
    std::string b = line.substr(sep + 1);
    const auto sep2 = b.find_first_of(",\t");
    if (sep2 != std::string::npos) b = b.substr(0, sep2);
    char* end = nullptr;
    const long label = std::strtol(a.c_str(), &end, 10);
    if (end == a.c_str()) {
      if (line_no == 1) continue;  // header
      throw Error::bad_input("label is not an integer")
          .file(fname + ":" + std::to_string(line_no))
          .seen(a);
    }
    out.push_back({static_cast<int>(label), b});
  }
  return out;
}

std::vector<std::string> add_label_map(PatientModel& model, const fs::path& label_map,
                                       const std::optional<fs::path>& names_file) {
  std::vector<std::string> warnings;
  const std::string fname = label_map.string();
  const Volume v = read_volume_data(label_map);
  const Grid3& a = model.grid;
  const Grid3& b = v.grid;
  bool same = a.dims() == b.dims() && norm(a.origin() - b.origin()) < 1e-3 &&
              norm(a.spacing() - b.spacing()) < 1e-4;
  for (int c = 0; c < 3 && same; ++c)
    same = norm(a.direction().column(c) - b.direction().column(c)) < 1e-4;
  // Some tools write a label map on the CT's voxels with an axis flipped or permuted (e.g. rows
  // running the other way): the same lattice of voxel centres. Map voxel by voxel then.
  std::vector<std::size_t> to_label;
  if (!same && a.voxel_count() == b.voxel_count()) {
    const Vec3 c0 = b.continuous_index(a.position(Index3{0, 0, 0}));
    std::array<std::int64_t, 3> base{}, step[3]{};
    bool lattice = true;
    for (int d = 0; d < 3 && lattice; ++d) {
      base[static_cast<std::size_t>(d)] = std::llround(c0[d]);
      lattice = std::abs(c0[d] - static_cast<double>(base[static_cast<std::size_t>(d)])) < 1e-3;
    }
    for (int c = 0; c < 3 && lattice; ++c) {
      Index3 e{0, 0, 0};
      (c == 0 ? e.i : c == 1 ? e.j : e.k) = 1;
      const Vec3 dc = b.continuous_index(a.position(e)) - c0;
      int units = 0;
      for (int d = 0; d < 3; ++d) {
        const auto r = std::llround(dc[d]);
        lattice = lattice && std::abs(dc[d] - static_cast<double>(r)) < 1e-3;
        step[c][static_cast<std::size_t>(d)] = r;
        units += r != 0;
      }
      lattice = lattice && units == 1;
    }
    const Index3 far{a.dims()[0] - 1, a.dims()[1] - 1, a.dims()[2] - 1};
    if (lattice) {
      const Vec3 cf = b.continuous_index(a.position(far));
      lattice = b.in_range(Index3{std::llround(cf.x), std::llround(cf.y), std::llround(cf.z)}) &&
                b.in_range(Index3{base[0], base[1], base[2]});
    }
    if (lattice) {
      to_label.resize(a.voxel_count());
      for (int k = 0; k < a.dims()[2]; ++k)
        for (int j = 0; j < a.dims()[1]; ++j)
          for (int i = 0; i < a.dims()[0]; ++i) {
            Index3 q{base[0], base[1], base[2]};
            for (int c = 0; c < 3; ++c) {
              const std::int64_t n_c = c == 0 ? i : c == 1 ? j : k;
              q.i += n_c * step[c][0];
              q.j += n_c * step[c][1];
              q.k += n_c * step[c][2];
            }
            to_label[a.linear(Index3{i, j, k})] = b.linear(q);
          }
      warnings.push_back(fname +
                         ": label map axes differ from the CT's (same voxels, an axis flipped or "
                         "permuted); mapped voxel by voxel");
      same = true;
    }
  }
  if (!same)
    throw Error::bad_input("label map is not on the CT's grid")
        .file(fname)
        .field("dims/origin/spacing/direction")
        .seen(std::to_string(b.dims()[0]) + "x" + std::to_string(b.dims()[1]) + "x" +
              std::to_string(b.dims()[2]))
        .expected("the CT's grid " + std::to_string(a.dims()[0]) + "x" +
                  std::to_string(a.dims()[1]) + "x" + std::to_string(a.dims()[2]) +
                  " (resample the label map first)");
  std::vector<LabelName> names;
  if (names_file) {
    names = read_label_names(*names_file);
  } else {
    std::string stem = label_map.filename().string();
    for (const char* ext : {".nii.gz", ".nii", ".nrrd", ".nhdr"})
      if (ends_with(lower(stem), ext)) {
        stem = stem.substr(0, stem.size() - std::strlen(ext));
        break;
      }
    for (const char* ext : {".json", ".csv", ".tsv"}) {
      const fs::path side = label_map.parent_path() / (stem + ext);
      if (fs::exists(side)) {
        names = read_label_names(side);
        break;
      }
    }
    if (names.empty()) names = totalsegmentator_vertebra_names();
  }
  std::map<int, std::string> name_of;
  for (const auto& n : names) name_of[n.label] = n.name;
  const std::size_t first_new = model.structures.size();
  std::vector<int> unnamed;
  std::map<int, std::size_t> index;  // label -> structure index
  const std::size_t n = v.values.size();
  for (std::size_t i = 0; i < n; ++i) {
    const double x = v.values[to_label.empty() ? i : to_label[i]];
    if (x == 0) continue;
    const int label = static_cast<int>(std::lround(x));
    auto it = index.find(label);
    if (it == index.end()) {
      Structure s;
      s.number = label;
      s.origin = StructureOrigin::kLabelMap;
      s.type = "ORGAN";
      if (name_of.count(label)) {
        s.name = name_of[label];
      } else {
        s.name = "label_" + std::to_string(label);
        unnamed.push_back(label);
      }
      s.color = {static_cast<std::uint8_t>(37 * label % 256),
                 static_cast<std::uint8_t>(91 * label % 256),
                 static_cast<std::uint8_t>(173 * label % 256)};
      s.mask.assign(n, 0);
      model.structures.push_back(std::move(s));
      it = index.emplace(label, model.structures.size() - 1).first;
    }
    model.structures[it->second].mask[i] = 1;
  }
  if (!unnamed.empty()) {
    std::sort(unnamed.begin(), unnamed.end());
    std::string list;
    for (const int l : unnamed) {
      if (!list.empty()) list += ' ';
      list += std::to_string(l);
    }
    warnings.push_back(fname + ": " + std::to_string(unnamed.size()) +
                       " label(s) without a name in the table, named label_<n>: " + list);
  }
  // In label order, as the name tables list them (not in order of first appearance).
  std::stable_sort(model.structures.begin() + static_cast<std::ptrdiff_t>(first_new),
                   model.structures.end(),
                   [](const Structure& x, const Structure& y) { return x.number < y.number; });
  return warnings;
}

Structure derive_spinal_canal(const Grid3& grid, const std::vector<std::uint8_t>& vertebra_mask) {
  if (vertebra_mask.size() != grid.voxel_count())
    throw Error::bad_input("vertebra mask does not match the grid")
        .seen(std::to_string(vertebra_mask.size()))
        .expected(std::to_string(grid.voxel_count()));
  if (std::abs(grid.direction().column(2).z) < 0.9)
    throw Error::bad_input("slices are not axial")
        .field("direction")
        .expected("the grid's k axis near superior-inferior");
  const auto& d = grid.dims();
  const int nx = d[0], ny = d[1], nz = d[2];
  const std::size_t slice = static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny);
  Structure canal;
  canal.name = "SpinalCanal (derived)";
  canal.type = "ORGAN";
  canal.origin = StructureOrigin::kDerived;
  canal.color = {0, 160, 255};
  canal.mask.assign(vertebra_mask.size(), 0);

  // The vertebra's centroid: the canal lies behind it (+y in LPS) and near its midline.
  Vec3 centroid;
  double count = 0;
  for (std::size_t v = 0; v < vertebra_mask.size(); ++v)
    if (vertebra_mask[v]) {
      centroid += grid.position(grid.index3(v));
      count += 1;
    }
  if (count == 0) throw Error::bad_input("vertebra mask is empty").field("mask");
  centroid = centroid / count;
  const double midline_mm = 12.0;  // the canal's half-width is under ~13 mm at every level

  std::vector<int> comp(slice);
  std::vector<std::size_t> stack;
  for (int k = 0; k < nz; ++k) {
    const std::uint8_t* m = vertebra_mask.data() + static_cast<std::size_t>(k) * slice;
    bool any = false;
    for (std::size_t v = 0; v < slice && !any; ++v) any = m[v] != 0;
    if (!any) continue;
    // Candidate voxels: not bone, and inside the bone's convex hull (per row and column span
    // would be cheaper; a true hull handles the open arch): first the row-wise span of the hull.
    // Convex hull of bone voxel centres (monotone chain) in index space.
    std::vector<std::array<double, 2>> pts;
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i)
        if (m[static_cast<std::size_t>(i + nx * j)]) pts.push_back({double(i), double(j)});
    std::sort(pts.begin(), pts.end());
    auto crossz = [](const std::array<double, 2>& o, const std::array<double, 2>& a,
                     const std::array<double, 2>& b) {
      return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    };
    std::vector<std::array<double, 2>> hull(2 * pts.size());
    std::size_t h = 0;
    for (std::size_t p = 0; p < pts.size(); ++p) {
      while (h >= 2 && crossz(hull[h - 2], hull[h - 1], pts[p]) <= 0) --h;
      hull[h++] = pts[p];
    }
    for (std::size_t p = pts.size() - 1, t = h + 1; p-- > 0;) {
      while (h >= t && crossz(hull[h - 2], hull[h - 1], pts[p]) <= 0) --h;
      hull[h++] = pts[p];
    }
    hull.resize(h > 1 ? h - 1 : h);
    auto in_hull = [&](int i, int j) {
      if (hull.size() < 3) return false;
      for (std::size_t e = 0; e < hull.size(); ++e)
        if (crossz(hull[e], hull[(e + 1) % hull.size()], {double(i), double(j)}) < 0) return false;
      return true;
    };
    // Connected components (4-neighbour) of non-bone voxels inside the hull.
    std::fill(comp.begin(), comp.end(), -1);
    int ncomp = 0;
    struct Comp {
      double n = 0;
      Vec3 sum;
      bool touches_hull_edge = false;
      std::vector<std::size_t> voxels;
    };
    std::vector<Comp> comps;
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const std::size_t s0 = static_cast<std::size_t>(i + nx * j);
        if (m[s0] || comp[s0] >= 0 || !in_hull(i, j)) continue;
        comps.emplace_back();
        Comp& c = comps.back();
        comp[s0] = ncomp;
        stack.assign(1, s0);
        while (!stack.empty()) {
          const std::size_t s = stack.back();
          stack.pop_back();
          c.voxels.push_back(s);
          const int ci = static_cast<int>(s % static_cast<std::size_t>(nx));
          const int cj = static_cast<int>(s / static_cast<std::size_t>(nx));
          c.sum += grid.position(Index3{ci, cj, k});
          c.n += 1;
          const int nb[4][2] = {{ci + 1, cj}, {ci - 1, cj}, {ci, cj + 1}, {ci, cj - 1}};
          for (const auto& q : nb) {
            if (q[0] < 0 || q[1] < 0 || q[0] >= nx || q[1] >= ny) continue;
            const std::size_t t = static_cast<std::size_t>(q[0] + nx * q[1]);
            if (m[t] || comp[t] >= 0) continue;
            if (!in_hull(q[0], q[1])) {
              c.touches_hull_edge = true;
              continue;
            }
            comp[t] = ncomp;
            stack.push_back(t);
          }
        }
        ++ncomp;
      }
    // Bone positions of this slice, to see what lies in front of and behind a candidate.
    std::vector<Vec3> bone;
    for (const auto& q : pts) bone.push_back(grid.position(Vec3{q[0], q[1], double(k)}));
    // The canal has the body straight in front of it and the arch behind it (the arch may be
    // open on this slice, so behind means anywhere within a canal half-width of the midline);
    // gaps beside the spinous process have no body in front of them.
    auto between_body_and_arch = [&](const Vec3& cen) {
      bool front = false, back = false;
      for (const Vec3& r : bone) {
        const double dx = std::abs(r.x - cen.x);
        front = front || (dx < 4.0 && r.y < cen.y);
        back = back || (dx < midline_mm && r.y > cen.y + 2.0);
      }
      return front && back;
    };
    // The canal: an enclosed hole (the foramen) or, where the arch is open on this slice, the
    // largest hull gap; either way behind the centroid and on the midline.
    int best = -1;
    double best_score = 0;
    for (int c = 0; c < ncomp; ++c) {
      const Comp& cc = comps[static_cast<std::size_t>(c)];
      const Vec3 cen = cc.sum / cc.n;
      if (cen.y <= centroid.y || std::abs(cen.x - centroid.x) > midline_mm) continue;
      if (!between_body_and_arch(cen)) continue;
      const double score = cc.n * (cc.touches_hull_edge ? 1.0 : 4.0);  // prefer enclosed holes
      if (score > best_score) {
        best_score = score;
        best = c;
      }
    }
    if (best < 0) continue;
    for (const std::size_t s : comps[static_cast<std::size_t>(best)].voxels)
      canal.mask[static_cast<std::size_t>(k) * slice + s] = 1;
  }
  return canal;
}

}  // namespace kiort
