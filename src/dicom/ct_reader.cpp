#include "dicom/ct_reader.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>

#include "core/error.h"
#include "dicom/dicom_common.h"
#include "patient/phantom.h"
#include "physics/ct_calibration.h"

namespace kiort::dicom {
namespace {

namespace fs = std::filesystem;

std::string get_string(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  if (item.findAndGetOFStringArray(tag, v).good()) return v.c_str();
  return {};
}

std::vector<double> get_numbers(DcmItem& item, const DcmTagKey& tag) {
  std::vector<double> out;
  DcmElement* el = nullptr;
  if (item.findAndGetElement(tag, el).bad() || el == nullptr) return out;
  for (unsigned long i = 0; i < el->getVM(); ++i) {
    Float64 v = 0;
    if (el->getFloat64(v, i).good()) out.push_back(v);
  }
  return out;
}

bool has_dicm_magic(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char buf[132] = {};
  in.read(buf, 132);
  return in.gcount() == 132 && std::string(buf + 128, 4) == "DICM";
}

struct Slice {
  fs::path file;
  std::string series, sop, frame, study, patient_id, patient_name, modality;
  std::vector<double> ipp, iop, spacing;
  int rows = 0, cols = 0;
  double slope = 1, intercept = 0, gantry_tilt = 0, thickness = 0;
  bool sop_from_meta = false;
  double s = 0;  // position along the slice normal
};

// Appends item to a comma-separated list (GCC 12 warns on `"" + std::string` in ternaries).
void append(std::string& list, const std::string& item, const char* sep = ", ") {
  if (!list.empty()) list += sep;
  list += item;
}

// Transfer syntaxes whose pixel data GDCM (with OpenJPEG and CharLS) decodes.
const std::map<std::string, std::string> kCompressed = {
    {"1.2.840.10008.1.2.4.50", "JPEG Baseline"},
    {"1.2.840.10008.1.2.4.51", "JPEG Extended"},
    {"1.2.840.10008.1.2.4.57", "JPEG Lossless"},
    {"1.2.840.10008.1.2.4.70", "JPEG Lossless SV1"},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000"},
    {"1.2.840.10008.1.2.5", "RLE Lossless"},
};

std::string supported_syntaxes() {
  std::string s = "Implicit/Explicit VR Little Endian, Explicit VR Big Endian, Deflated";
  for (const auto& [uid, name] : kCompressed) append(s, name);
  return s;
}

// The stored pixel values of one slice as raw 16-bit words (8-bit data widened).
std::vector<std::uint16_t> read_pixels(const Slice& sl, int& bits_allocated, int& bits_stored,
                                       int& pixel_representation) {
  const std::string fname = sl.file.string();
  DcmFileFormat ff;
  OFCondition cond = ff.loadFile(sl.file.c_str());
  if (cond.bad())
    throw Error::bad_input("cannot read DICOM file (truncated or corrupt?)")
        .file(fname)
        .seen(cond.text());
  DcmDataset& ds = *ff.getDataset();
  Uint16 ba = 16, bs = 16, pr = 0, spp = 1;
  ds.findAndGetUint16(DCM_BitsAllocated, ba);
  ds.findAndGetUint16(DCM_BitsStored, bs);
  ds.findAndGetUint16(DCM_PixelRepresentation, pr);
  ds.findAndGetUint16(DCM_SamplesPerPixel, spp);
  bits_allocated = ba;
  bits_stored = bs;
  pixel_representation = pr;
  if (spp != 1)
    throw Error::bad_input("CT slice is not greyscale")
        .file(fname)
        .field("(0028,0002) SamplesPerPixel")
        .seen(std::to_string(spp))
        .expected("1");
  if (ba != 16 && ba != 8)
    throw Error::bad_input("unsupported pixel size")
        .file(fname)
        .field("(0028,0100) BitsAllocated")
        .seen(std::to_string(ba))
        .expected("8 or 16");
  const std::size_t count = static_cast<std::size_t>(sl.rows) * static_cast<std::size_t>(sl.cols);
  std::vector<std::uint16_t> out;  // allocated once the pixel data are known to hold count pixels
  const DcmXfer xfer(ds.getOriginalXfer());
  const std::string ts = xfer.getXferID();
  if (!xfer.isEncapsulated()) {
    DcmElement* px = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, px).bad() || px == nullptr)
      throw Error::bad_input("CT slice without pixel data")
          .file(fname)
          .field("(7FE0,0010) PixelData");
    const std::size_t need = count * (ba / 8);
    if (px->getLength() < need)
      throw Error::bad_input("pixel data shorter than Rows x Columns (truncated file?)")
          .file(fname)
          .field("(7FE0,0010) PixelData")
          .seen(std::to_string(px->getLength()) + " bytes")
          .expected(std::to_string(need) + " bytes");
    out.resize(count);
    if (ba == 16) {
      Uint16* data = nullptr;
      cond = px->getUint16Array(data);
      if (cond.bad() || data == nullptr)
        throw Error::bad_input("cannot read pixel data (truncated file?)")
            .file(fname)
            .seen(cond.text());
      std::copy(data, data + count, out.begin());
    } else {
      Uint8* data = nullptr;
      cond = px->getUint8Array(data);
      if (cond.bad() || data == nullptr)
        throw Error::bad_input("cannot read pixel data (truncated file?)")
            .file(fname)
            .seen(cond.text());
      std::copy(data, data + count, out.begin());
    }
    return out;
  }
  if (!kCompressed.count(ts))
    throw Error::bad_input("cannot decode this transfer syntax")
        .file(fname)
        .field("(0002,0010) TransferSyntaxUID")
        .seen(ts + " (" + xfer.getXferName() + ")")
        .expected(supported_syntaxes());
  // DCMTK has no JPEG 2000 codec: GDCM (built with OpenJPEG and CharLS) decodes them all.
  gdcm::ImageReader reader;
  reader.SetFileName(sl.file.c_str());
  if (!reader.Read())
    throw Error::bad_input("cannot read compressed CT slice")
        .file(fname)
        .field("(0002,0010) " + ts);
  const gdcm::Image& img = reader.GetImage();
  std::vector<char> buf(img.GetBufferLength());
  if (!img.GetBuffer(buf.data()))
    throw Error::bad_input("cannot decode pixel data of this transfer syntax")
        .file(fname)
        .field("(0002,0010) TransferSyntaxUID")
        .seen(ts + " (" + kCompressed.at(ts) + ")");
  const std::size_t bytes = ba / 8;
  if (buf.size() < count * bytes)
    throw Error::bad_input("decoded pixel data shorter than Rows x Columns")
        .file(fname)
        .seen(std::to_string(buf.size()) + " bytes")
        .expected(std::to_string(count * bytes));
  out.resize(count);
  for (std::size_t v = 0; v < count; ++v) {
    if (bytes == 2) {
      std::uint16_t w;
      std::memcpy(&w, buf.data() + 2 * v, 2);
      out[v] = w;
    } else {
      out[v] = static_cast<std::uint8_t>(buf[v]);
    }
  }
  return out;
}

// Attribute checks made on the header alone (pass 1), before any pixel buffer is allocated: the
// pixel data must hold exactly Rows x Columns x BitsAllocated/8 bytes, and every number that
// scales or places the image must be finite and in its range.
void check_slice_attributes(DcmDataset& ds, Slice& sl) {
  const std::string fname = sl.file.string();
  auto bad = [&](const char* what, const char* tag, const std::string& seen, const char* expected) {
    return Error::bad_input(what).file(fname).field(tag).seen(seen).expected(expected);
  };
  // 65535 x 65535 is legal in the tag but not a CT slice; bounding it keeps a 36 KB file from
  // asking for gigabytes.
  if (sl.rows > 8192 || sl.cols > 8192)
    throw bad("image size out of range", "(0028,0010) Rows / (0028,0011) Columns",
              std::to_string(sl.rows) + " x " + std::to_string(sl.cols), "at most 8192 x 8192");
  OFString frames;
  if (ds.findAndGetOFString(DCM_NumberOfFrames, frames).good() && !frames.empty() &&
      std::string(frames.c_str()) != "1")
    throw bad("multi-frame images are not supported", "(0028,0008) NumberOfFrames", frames.c_str(),
              "1 (one slice per file)");
  Uint16 ba = 16, bs = 16, hb = 15;
  const bool has_ba = ds.findAndGetUint16(DCM_BitsAllocated, ba).good();
  const bool has_bs = ds.findAndGetUint16(DCM_BitsStored, bs).good();
  if (ba != 8 && ba != 16)
    throw bad("unsupported pixel size", "(0028,0100) BitsAllocated", std::to_string(ba), "8 or 16");
  if (has_bs && (bs < 1 || bs > ba))
    throw bad("BitsStored out of range", "(0028,0101) BitsStored", std::to_string(bs),
              ("1 to BitsAllocated (" + std::to_string(ba) + ")").c_str());
  if (has_bs && ds.findAndGetUint16(DCM_HighBit, hb).good() && hb != bs - 1)
    throw bad("HighBit does not match BitsStored", "(0028,0102) HighBit", std::to_string(hb),
              ("BitsStored - 1 = " + std::to_string(bs - 1)).c_str());
  (void)has_ba;
  DcmElement* px = nullptr;
  if (!DcmXfer(ds.getOriginalXfer()).isEncapsulated() &&
      ds.findAndGetElement(DCM_PixelData, px).good() && px != nullptr) {
    const Uint32 len = px->getLength();
    {  // native (not encapsulated) pixel data
      const std::uint64_t need =
          static_cast<std::uint64_t>(sl.rows) * static_cast<std::uint64_t>(sl.cols) * (ba / 8u);
      if (len < need || len > need + 1)  // +1: the pad byte of an odd length
        throw bad("pixel data length does not match Rows x Columns x BitsAllocated",
                  "(7FE0,0010) PixelData", std::to_string(len) + " bytes",
                  (std::to_string(need) + " bytes (" + std::to_string(sl.rows) + " x " +
                   std::to_string(sl.cols) + " x " + std::to_string(ba / 8) + ")")
                      .c_str());
    }
  }
  auto finite_all = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
  };
  if (!finite_all(sl.ipp))
    throw bad("position is not finite", "(0020,0032) ImagePositionPatient", "NaN or Inf",
              "3 finite coordinates (mm)");
  if (!finite_all(sl.iop))
    throw bad("orientation is not finite", "(0020,0037) ImageOrientationPatient", "NaN or Inf",
              "6 finite direction cosines");
  for (const double x : sl.spacing)
    if (!(x > 0) || !(x < 1000))
      throw bad("pixel spacing out of range", "(0028,0030) PixelSpacing", std::to_string(x),
                "two numbers in (0, 1000) mm");
  // CT rescale: HU = stored * slope + intercept. A slope of 0 makes every voxel one value, NaN
  // makes them all undefined, 1e30 overflows; scanners write 1 (or a small positive factor).
  if (!(sl.slope > 1e-6 && sl.slope <= 1000))
    throw bad("RescaleSlope out of range", "(0028,1053) RescaleSlope", std::to_string(sl.slope),
              "a finite number in (1e-6, 1000]");
  if (!(std::abs(sl.intercept) <= 1e5))
    throw bad("RescaleIntercept out of range", "(0028,1052) RescaleIntercept",
              std::to_string(sl.intercept), "a finite number of magnitude <= 1e5");
  if (!std::isfinite(sl.gantry_tilt) || std::abs(sl.gantry_tilt) > 90)
    throw bad("GantryDetectorTilt out of range", "(0018,1120) GantryDetectorTilt",
              std::to_string(sl.gantry_tilt), "-90 to 90 degrees");
  if (!get_numbers(ds, DCM_SliceThickness).empty() && !(sl.thickness > 0 && sl.thickness < 1000))
    throw bad("SliceThickness out of range", "(0018,0050) SliceThickness",
              std::to_string(sl.thickness), "a positive thickness under 1000 mm (or empty)");
}

}  // namespace

CtReadResult read_ct_series(const fs::path& path, const std::optional<std::string>& series_uid) {
  quiet_dcmtk_logging();
  CtReadResult result;
  auto warn = [&](std::string w) { result.warnings.push_back(std::move(w)); };
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path)) {
    files.push_back(path);
  } else {
    throw Error::bad_input("no such file or folder")
        .file(path.string())
        .expected("a folder holding a DICOM CT series, or a DICOM file");
  }

  // Pass 1: headers only (long values such as pixel data are not loaded).
  std::vector<Slice> all;
  std::map<std::string, std::size_t> other_modalities;
  std::size_t sop_from_meta = 0;
  for (const fs::path& f : files) {
    const std::string fname = f.string();
    DcmFileFormat ff;
    const OFCondition cond = ff.loadFile(f.c_str(), EXS_Unknown, EGL_noChange, 4096);
    if (cond.bad()) {
      if (has_dicm_magic(f))
        throw Error::bad_input("DICOM file cannot be read (truncated or corrupt)")
            .file(fname)
            .seen(cond.text())
            .expected("a complete DICOM file");
      warn(fname + ": not a DICOM file (skipped)");
      continue;
    }
    DcmDataset& ds = *ff.getDataset();
    Slice sl;
    sl.file = f;
    sl.modality = get_string(ds, DCM_Modality);
    if (sl.modality == "RTSTRUCT") {
      result.rtstruct_files.push_back(f);
      continue;
    }
    if (sl.modality != "CT") {
      ++other_modalities[sl.modality.empty() ? "(none)" : sl.modality];
      // In a folder, other modalities are skipped (and said so); a single file or a chosen series
      // is judged below, once the series is known.
      if (files.size() > 1 && !series_uid) continue;
    }
    sl.series = get_string(ds, DCM_SeriesInstanceUID);
    sl.sop = get_string(ds, DCM_SOPInstanceUID);
    if (sl.sop.empty()) {
      sl.sop = get_string(*ff.getMetaInfo(), DCM_MediaStorageSOPInstanceUID);
      sl.sop_from_meta = !sl.sop.empty();
      if (sl.sop_from_meta) ++sop_from_meta;
    }
    sl.frame = get_string(ds, DCM_FrameOfReferenceUID);
    sl.study = get_string(ds, DCM_StudyInstanceUID);
    sl.patient_id = get_string(ds, DCM_PatientID);
    sl.patient_name = get_string(ds, DCM_PatientName);
    sl.ipp = get_numbers(ds, DCM_ImagePositionPatient);
    sl.iop = get_numbers(ds, DCM_ImageOrientationPatient);
    sl.spacing = get_numbers(ds, DCM_PixelSpacing);
    Uint16 rows = 0, cols = 0;
    ds.findAndGetUint16(DCM_Rows, rows);
    ds.findAndGetUint16(DCM_Columns, cols);
    sl.rows = rows;
    sl.cols = cols;
    const auto slope = get_numbers(ds, DCM_RescaleSlope);
    const auto intercept = get_numbers(ds, DCM_RescaleIntercept);
    if (!slope.empty()) sl.slope = slope[0];
    if (!intercept.empty()) sl.intercept = intercept[0];
    const auto tilt = get_numbers(ds, DCM_GantryDetectorTilt);
    if (!tilt.empty()) sl.gantry_tilt = tilt[0];
    const auto thick = get_numbers(ds, DCM_SliceThickness);
    if (!thick.empty()) sl.thickness = thick[0];
    if (sl.modality == "CT") check_slice_attributes(ds, sl);
    all.push_back(std::move(sl));
  }

  // Group by Series Instance UID and choose the series.
  std::map<std::string, std::vector<const Slice*>> groups;
  for (const Slice& s : all) groups[s.series].push_back(&s);
  std::vector<const Slice*> chosen;
  if (series_uid) {
    if (!groups.count(*series_uid)) {
      std::string have;
      for (const auto& [uid, g] : groups) append(have, uid);
      throw Error::bad_input("no such series in the folder")
          .file(path.string())
          .field("(0020,000E) SeriesInstanceUID")
          .seen(*series_uid)
          .expected("one of: " + (have.empty() ? std::string("(no CT series found)") : have));
    }
    chosen = groups[*series_uid];
  } else if (groups.size() == 1) {
    chosen = groups.begin()->second;
  } else if (groups.empty()) {
    std::string others;
    for (const auto& [m, n] : other_modalities) append(others, m + " x" + std::to_string(n));
    throw Error::bad_input("no CT image series found")
        .file(path.string())
        .field("(0008,0060) Modality")
        .seen(others.empty() ? "no DICOM image files" : others)
        .expected("files with Modality CT");
  } else {
    std::string list;
    for (const auto& [uid, g] : groups)
      append(list,
             (uid.empty() ? std::string("(empty)") : uid) + " (" + std::to_string(g.size()) +
                 " files, e.g. " + g.front()->file.filename().string() + ")",
             "; ");
    throw Error::bad_input("several CT series in the folder; choose one with --series")
        .file(path.string())
        .field("(0020,000E) SeriesInstanceUID")
        .seen(list)
        .expected("one series, or --series UID");
  }
  for (const auto& [m, n] : other_modalities)
    if (files.size() > 1 && !series_uid)
      warn(path.string() + ": " + std::to_string(n) + " file(s) of modality " + m +
           " skipped (not CT)");
  for (const Slice* s : chosen)
    if (s->modality != "CT")
      throw Error::bad_input("not a CT image")
          .file(s->file.string())
          .field("(0008,0060) Modality")
          .seen(s->modality)
          .expected("CT");
  if (chosen.front()->series.empty())
    warn(path.string() + ": Series Instance UID (0020,000E) is empty; the " +
         std::to_string(chosen.size()) +
         " CT files are taken as one series (its UID derived from the slices' UIDs)");
  if (sop_from_meta)
    warn(path.string() + ": " + std::to_string(sop_from_meta) +
         " file(s) have SOP Instance UID (0008,0018) only in the file meta header "
         "(0002,0003); used that (tolerated)");

  // Geometry: every slice must share orientation, pixel spacing, size and frame of reference.
  const Slice& first = *chosen.front();
  for (const Slice* s : chosen) {
    const std::string fname = s->file.string();
    if (s->iop.size() != 6)
      throw Error::bad_input("missing or malformed orientation")
          .file(fname)
          .field("(0020,0037) ImageOrientationPatient")
          .seen(std::to_string(s->iop.size()) + " values")
          .expected("6 direction cosines");
    if (s->ipp.size() != 3)
      throw Error::bad_input("missing or malformed position")
          .file(fname)
          .field("(0020,0032) ImagePositionPatient")
          .seen(std::to_string(s->ipp.size()) + " values")
          .expected("3 coordinates (mm)");
    if (s->spacing.size() != 2 || s->spacing[0] <= 0 || s->spacing[1] <= 0)
      throw Error::bad_input("missing or malformed pixel spacing")
          .file(fname)
          .field("(0028,0030) PixelSpacing")
          .seen(std::to_string(s->spacing.size()) + " values")
          .expected("2 positive numbers (mm)");
    if (s->rows <= 0 || s->cols <= 0)
      throw Error::bad_input("missing image size")
          .file(fname)
          .field("(0028,0010) Rows / (0028,0011) Columns");
    for (int c = 0; c < 6; ++c)
      if (std::abs(s->iop[static_cast<std::size_t>(c)] - first.iop[static_cast<std::size_t>(c)]) >
          1e-4)
        throw Error::bad_input("slice orientation differs within the series")
            .file(fname)
            .field("(0020,0037) ImageOrientationPatient")
            .seen(std::to_string(s->iop[static_cast<std::size_t>(c)]))
            .expected(std::to_string(first.iop[static_cast<std::size_t>(c)]) + " as in " +
                      first.file.filename().string());
    for (int c = 0; c < 2; ++c)
      if (std::abs(s->spacing[static_cast<std::size_t>(c)] -
                   first.spacing[static_cast<std::size_t>(c)]) >
          1e-4 * first.spacing[static_cast<std::size_t>(c)])
        throw Error::bad_input("pixel spacing differs within the series")
            .file(fname)
            .field("(0028,0030) PixelSpacing")
            .seen(std::to_string(s->spacing[static_cast<std::size_t>(c)]))
            .expected(std::to_string(first.spacing[static_cast<std::size_t>(c)]) + " as in " +
                      first.file.filename().string());
    if (s->rows != first.rows || s->cols != first.cols)
      throw Error::bad_input("image size differs within the series")
          .file(fname)
          .field("(0028,0010) Rows / (0028,0011) Columns")
          .seen(std::to_string(s->rows) + " x " + std::to_string(s->cols))
          .expected(std::to_string(first.rows) + " x " + std::to_string(first.cols));
    if (s->patient_id != first.patient_id)
      throw Error::bad_input("Patient ID differs within the series")
          .file(fname)
          .field("(0010,0020) PatientID")
          .seen(s->patient_id)
          .expected(first.patient_id + " as in " + first.file.filename().string());
    if (s->frame != first.frame)
      throw Error::bad_input("Frame of Reference differs within the series")
          .file(fname)
          .field("(0020,0052) FrameOfReferenceUID")
          .seen(s->frame)
          .expected(first.frame);
  }
  Vec3 row{first.iop[0], first.iop[1], first.iop[2]}, col{first.iop[3], first.iop[4], first.iop[5]};
  if (std::abs(norm(row) - 1) > 1e-3 || std::abs(norm(col) - 1) > 1e-3 ||
      std::abs(dot(row, col)) > 1e-3)
    throw Error::bad_input("orientation cosines are not orthonormal")
        .file(first.file.string())
        .field("(0020,0037) ImageOrientationPatient")
        .expected("two orthogonal unit vectors");
  // Scanners write 6 decimals or so: re-orthonormalise so the grid's matrix is exact.
  row = normalized(row);
  col = normalized(col - dot(col, row) * row);
  const Vec3 normal = cross(row, col);

  std::vector<Slice> sorted;
  for (const Slice* s : chosen) {
    Slice c = *s;
    c.s = dot(Vec3{c.ipp[0], c.ipp[1], c.ipp[2]}, normal);
    sorted.push_back(std::move(c));
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Slice& a, const Slice& b) { return a.s < b.s; });
  // Duplicates: the same position twice. The very same instance twice is safe to drop.
  for (std::size_t k = 0; k + 1 < sorted.size();) {
    if (std::abs(sorted[k + 1].s - sorted[k].s) < 1e-3) {
      if (!sorted[k].sop.empty() && sorted[k].sop == sorted[k + 1].sop) {
        warn(sorted[k + 1].file.string() + ": the same slice (SOP Instance UID " + sorted[k].sop +
             ") as " + sorted[k].file.filename().string() + " (duplicate file ignored)");
        sorted.erase(sorted.begin() + static_cast<std::ptrdiff_t>(k + 1));
        continue;
      }
      throw Error::bad_input("duplicated slice position")
          .file(sorted[k + 1].file.string())
          .field("(0020,0032) ImagePositionPatient")
          .seen(std::to_string(sorted[k + 1].s) + " mm along the slice normal, as " +
                sorted[k].file.filename().string())
          .expected("one slice per position");
    }
    ++k;
  }
  const std::size_t nz = sorted.size();
  double dz = first.thickness > 0 ? first.thickness : 1.0;
  if (nz == 1) {
    warn(sorted[0].file.string() + ": a single slice; slice spacing taken from SliceThickness (" +
         std::to_string(dz) + " mm)");
  } else {
    std::vector<double> gaps;
    for (std::size_t k = 0; k + 1 < nz; ++k) gaps.push_back(sorted[k + 1].s - sorted[k].s);
    std::vector<double> g = gaps;
    std::nth_element(g.begin(), g.begin() + static_cast<std::ptrdiff_t>(g.size() / 2), g.end());
    dz = g[g.size() / 2];
    for (std::size_t k = 0; k + 1 < nz; ++k) {
      const double gap = gaps[k];
      if (std::abs(gap - dz) > 0.01 * dz + 1e-3) {
        const double ratio = gap / dz;
        if (ratio > 1.5 && std::abs(ratio - std::round(ratio)) < 0.1)
          throw Error::bad_input("missing slice(s) in the series")
              .file(sorted[k].file.string())
              .field("(0020,0032) ImagePositionPatient")
              .seen("a gap of " + std::to_string(gap) + " mm to " +
                    sorted[k + 1].file.filename().string() + " (" +
                    std::to_string(static_cast<int>(std::round(ratio)) - 1) + " slice(s) missing)")
              .expected("uniform spacing of " + std::to_string(dz) + " mm");
        throw Error::bad_input("non-uniform slice spacing")
            .file(sorted[k + 1].file.string())
            .field("(0020,0032) ImagePositionPatient")
            .seen(std::to_string(gap) + " mm from " + sorted[k].file.filename().string())
            .expected("uniform spacing of " + std::to_string(dz) + " mm");
      }
      // Gantry tilt shears the volume: consecutive positions step off the slice normal.
      const Vec3 d{sorted[k + 1].ipp[0] - sorted[k].ipp[0], sorted[k + 1].ipp[1] - sorted[k].ipp[1],
                   sorted[k + 1].ipp[2] - sorted[k].ipp[2]};
      const Vec3 off = d - dot(d, normal) * normal;
      if (norm(off) > 0.01 * dz + 1e-3)
        throw Error::bad_input("slices are sheared (gantry tilt?)")
            .file(sorted[k + 1].file.string())
            .field("(0020,0032) ImagePositionPatient / (0018,1120) GantryDetectorTilt")
            .seen(std::to_string(norm(off)) + " mm off the slice normal, tilt " +
                  std::to_string(sorted[k + 1].gantry_tilt) + " deg")
            .expected("positions along the normal of ImageOrientationPatient (no tilt)");
    }
  }
  for (const Slice& s : sorted)
    if (std::abs(s.gantry_tilt) > 1e-3) {
      warn(s.file.string() + ": GantryDetectorTilt " + std::to_string(s.gantry_tilt) +
           " deg, but the positions are not sheared (used as they are)");
      break;
    }

  PatientModel& m = result.model;
  m.grid = Grid3(
      {first.cols, first.rows, static_cast<int>(nz)}, {first.spacing[1], first.spacing[0], dz},
      {sorted[0].ipp[0], sorted[0].ipp[1], sorted[0].ipp[2]}, Mat3::from_columns(row, col, normal));
  {
    DcmFileFormat ff;
    if (ff.loadFile(first.file.c_str(), EXS_Unknown, EGL_noChange, 4096).good())
      read_patient_study(*ff.getDataset(), m);
  }
  m.patient_id = first.patient_id;
  m.patient_name = first.patient_name;
  m.study_uid = first.study;
  m.series_uid = first.series;
  m.frame_of_reference_uid = first.frame;
  // UIDs the data set lacks and the meta header cannot give (it holds only the SOP Instance UID):
  // derived from the slices' own UIDs, so every export of this series references the same study
  // and series, and said so.
  if (m.study_uid.empty() || m.series_uid.empty()) {
    std::string key = "kiort-ct/" + first.frame;
    for (const Slice& s : sorted) key += "/" + s.sop;
    if (m.series_uid.empty()) m.series_uid = deterministic_uid(key + "/series");
    if (m.study_uid.empty()) {
      m.study_uid = deterministic_uid(key + "/study");
      warn(path.string() +
           ": Study Instance UID (0020,000D) is empty and not in the meta header; "
           "kiort's objects use " +
           m.study_uid + ", derived from the slices' UIDs");
    }
  }
  m.source = path.string();
  const std::size_t slice_voxels =
      static_cast<std::size_t>(first.rows) * static_cast<std::size_t>(first.cols);
  if (static_cast<std::uint64_t>(slice_voxels) * nz > (1ull << 31))
    throw Error::bad_input("CT series too large")
        .file(path.string())
        .seen(std::to_string(first.cols) + " x " + std::to_string(first.rows) + " x " +
              std::to_string(nz) + " voxels")
        .expected("at most 2^31 voxels (crop or resample the series)");
  m.hu.resize(slice_voxels * nz);
  std::size_t clamped = 0;
  for (std::size_t k = 0; k < nz; ++k) {
    const Slice& s = sorted[k];
    m.slice_sop_instance_uids.push_back(s.sop);
    int ba = 16, bs = 16, pr = 0;
    const std::vector<std::uint16_t> raw = read_pixels(s, ba, bs, pr);
    const int stored = std::clamp(bs, 1, ba);
    for (std::size_t v = 0; v < slice_voxels; ++v) {
      double value;
      if (pr == 1) {
        // Sign-extend from BitsStored.
        const auto word =
            static_cast<std::int32_t>(static_cast<std::uint32_t>(raw[v]) << (32 - stored));
        value = static_cast<double>(word >> (32 - stored));
      } else {
        value = static_cast<double>(raw[v] & ((1u << stored) - 1u));
      }
      const double hu = std::round(value * s.slope + s.intercept);
      const double c = std::clamp(hu, -32768.0, 32767.0);
      if (c != hu) ++clamped;
      m.hu[k * slice_voxels + v] = static_cast<std::int16_t>(c);
    }
  }
  if (clamped)
    warn(path.string() + ": " + std::to_string(clamped) +
         " voxels beyond the 16-bit HU range were clamped");
  m.assign_media(CtCalibration::load_default());
  return result;
}

}  // namespace kiort::dicom
