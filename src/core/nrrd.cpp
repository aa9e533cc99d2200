#include "core/nrrd.h"

#include <bit>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace kiort {

void write_nrrd(const std::filesystem::path& path, const Grid3& grid,
                const std::vector<double>& values, const std::string& description,
                const std::string& units, const std::vector<std::string>& warnings) {
  static_assert(std::endian::native == std::endian::little, "NRRD writer assumes little endian");
  if (values.size() != grid.voxel_count())
    throw Error::internal("NRRD values do not match the grid").file(path.string());
  std::ostringstream h;
  h << std::setprecision(17);
  h << "NRRD0004\n# written by kiort\n";
  for (std::string w : warnings) {
    for (char& ch : w)
      if (ch == '\n' || ch == '\r') ch = ' ';
    h << "# WARNING: " << w << "\n";
  }
  h << "content: " << description << "\n";
  h << "type: float\ndimension: 3\nspace: left-posterior-superior\n";
  h << "sizes: " << grid.dims()[0] << " " << grid.dims()[1] << " " << grid.dims()[2] << "\n";
  h << "space directions:";
  for (int a = 0; a < 3; ++a) {
    const Vec3 d = grid.direction().column(a) * grid.spacing()[a];
    h << " (" << d.x << "," << d.y << "," << d.z << ")";
  }
  h << "\nkinds: domain domain domain\n";
  h << "units: \"" << units << "\"\n";
  h << "endian: little\nencoding: raw\n";
  h << "space origin: (" << grid.origin().x << "," << grid.origin().y << "," << grid.origin().z
    << ")\n\n";
  const std::string header = h.str();
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    std::vector<float> buf(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) buf[i] = static_cast<float>(values[i]);
    out.write(reinterpret_cast<const char*>(buf.data()),
              static_cast<std::streamsize>(buf.size() * sizeof(float)));
  });
}

}  // namespace kiort
