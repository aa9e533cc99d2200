#include "dicom/rtstruct.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcvrds.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "dicom/dicom_common.h"
#include "patient/phantom.h"
#include "patient/rasterise.h"

namespace kiort::dicom {
namespace {

std::string get_string(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  if (item.findAndGetOFStringArray(tag, v).good()) return v.c_str();
  return {};
}

bool load(const std::filesystem::path& file, DcmFileFormat& ff) {
  return ff.loadFile(file.c_str()).good();
}

}  // namespace

bool is_rtstruct(const std::filesystem::path& file) {
  DcmFileFormat ff;
  if (!load(file, ff)) return false;
  DcmDataset& ds = *ff.getDataset();
  if (get_string(ds, DCM_Modality) == "RTSTRUCT") return true;
  return get_string(ds, DCM_SOPClassUID) == UID_RTStructureSetStorage ||
         get_string(*ff.getMetaInfo(), DCM_MediaStorageSOPClassUID) == UID_RTStructureSetStorage;
}

namespace {

// Loads an RT Structure Set and checks that it lies on the model's Frame of Reference (the
// structure set's and every ROI's). On another frame it is refused, unless accept_other_frame
// and every contour names images of this CT; then the returned text says which frame it was.
std::string load_checked(const std::filesystem::path& file, DcmFileFormat& ff,
                         const PatientModel& model, bool accept_other_frame) {
  quiet_dcmtk_logging();
  const std::string fname = file.string();
  const OFCondition cond = ff.loadFile(file.c_str());
  if (cond.bad())
    throw Error::bad_input("cannot read DICOM file")
        .file(fname)
        .seen(cond.text())
        .expected("a DICOM RT Structure Set");
  DcmDataset& ds = *ff.getDataset();
  const std::string modality = get_string(ds, DCM_Modality);
  if (modality != "RTSTRUCT")
    throw Error::bad_input("not an RT Structure Set")
        .file(fname)
        .field("(0008,0060) Modality")
        .seen(modality)
        .expected("RTSTRUCT");
  std::vector<std::string> frames;
  DcmItem* item = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_ReferencedFrameOfReferenceSequence, item, i).good();
       ++i)
    frames.push_back(get_string(*item, DCM_FrameOfReferenceUID));
  for (int i = 0; ds.findAndGetSequenceItem(DCM_StructureSetROISequence, item, i).good(); ++i) {
    const std::string frame = get_string(*item, DCM_ReferencedFrameOfReferenceUID);
    if (!frame.empty()) frames.push_back(frame);
  }
  std::string other;
  if (!model.frame_of_reference_uid.empty())
    for (const std::string& f : frames)
      if (f != model.frame_of_reference_uid) other = f;
  if (other.empty()) return {};
  if (!accept_other_frame)
    throw Error::bad_input("RT Structure Set is on another Frame of Reference than the CT")
        .file(fname)
        .field("(0020,0052) Frame of Reference UID")
        .seen(other)
        .expected(model.frame_of_reference_uid +
                  " (the CT's); if every contour references this CT's images, "
                  "--accept-other-frame reads it");
  // The override: every contour must name images of this CT, so its points were drawn on them.
  const std::set<std::string> images(model.slice_sop_instance_uids.begin(),
                                     model.slice_sop_instance_uids.end());
  std::size_t contours = 0;
  DcmItem* rc = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_ROIContourSequence, rc, i).good(); ++i) {
    DcmItem* c = nullptr;
    for (int j = 0; rc->findAndGetSequenceItem(DCM_ContourSequence, c, j).good(); ++j) {
      ++contours;
      DcmItem* img = nullptr;
      int n = 0;
      for (; c->findAndGetSequenceItem(DCM_ContourImageSequence, img, n).good(); ++n) {
        const std::string uid = get_string(*img, DCM_ReferencedSOPInstanceUID);
        if (!images.count(uid))
          throw Error::bad_input(
              "--accept-other-frame: a contour references an image that is "
              "not in this CT")
              .file(fname)
              .field("(3006,0016) ContourImageSequence of ROI " +
                     get_string(*rc, DCM_ReferencedROINumber))
              .seen(uid)
              .expected("a SOP Instance UID of the CT's slices");
      }
      if (n == 0)
        throw Error::bad_input(
            "--accept-other-frame: a contour names no image, so nothing ties "
            "it to this CT")
            .file(fname)
            .field("(3006,0016) ContourImageSequence of ROI " +
                   get_string(*rc, DCM_ReferencedROINumber))
            .expected("every contour referencing a CT image");
    }
  }
  return "structure set " + fname + " is on Frame of Reference " + other + ", not the CT's " +
         model.frame_of_reference_uid + "; read on the user's override (--accept-other-frame) " +
         "because all " + std::to_string(contours) +
         " contours reference this CT's images: its coordinates are taken as the CT's";
}

}  // namespace

std::vector<std::string> read_rtstruct(const std::filesystem::path& file, PatientModel& model,
                                       bool accept_other_frame) {
  std::vector<std::string> warnings;
  const std::string fname = file.string();
  DcmFileFormat ff;
  const std::string other_frame = load_checked(file, ff, model, accept_other_frame);
  if (!other_frame.empty()) {
    warnings.push_back(other_frame);
    model.output_warnings.push_back(other_frame);
  }
  DcmDataset& ds = *ff.getDataset();
  struct Roi {
    std::string name, type;
    std::array<std::uint8_t, 3> color{255, 0, 0};
    std::map<int, std::vector<Polygon2>> slices;
    std::size_t skipped = 0, off_grid = 0, open = 0;
  };
  std::map<int, Roi> rois;
  std::vector<int> order;
  {
    DcmItem* item = nullptr;
    for (int i = 0; ds.findAndGetSequenceItem(DCM_StructureSetROISequence, item, i).good(); ++i) {
      Sint32 number = 0;
      if (item->findAndGetSint32(DCM_ROINumber, number).bad()) {
        OFString s;
        item->findAndGetOFString(DCM_ROINumber, s);
        number = std::atoi(s.c_str());
      }
      rois[number].name = get_string(*item, DCM_ROIName);
      order.push_back(number);
    }
  }
  {
    DcmItem* item = nullptr;
    for (int i = 0; ds.findAndGetSequenceItem(DCM_RTROIObservationsSequence, item, i).good(); ++i) {
      Sint32 number = 0;
      OFString s;
      if (item->findAndGetOFString(DCM_ReferencedROINumber, s).good())
        number = std::atoi(s.c_str());
      if (rois.count(number)) rois[number].type = get_string(*item, DCM_RTROIInterpretedType);
    }
  }

  const Grid3& grid = model.grid;
  const auto& dims = grid.dims();
  DcmItem* rc = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_ROIContourSequence, rc, i).good(); ++i) {
    OFString s;
    rc->findAndGetOFString(DCM_ReferencedROINumber, s);
    const int number = std::atoi(s.c_str());
    if (!rois.count(number)) {
      warnings.push_back(fname + ": ROI Contour for ROI number " + std::to_string(number) +
                         " that the Structure Set ROI Sequence does not list (skipped)");
      continue;
    }
    Roi& roi = rois[number];
    for (unsigned long c = 0; c < 3; ++c) {
      Uint16 v = 0;
      OFString cs;
      if (rc->findAndGetOFString(DCM_ROIDisplayColor, cs, c).good())
        v = static_cast<Uint16>(std::atoi(cs.c_str()));
      roi.color[c] = static_cast<std::uint8_t>(std::min<Uint16>(v, 255));
    }
    DcmItem* contour = nullptr;
    for (int j = 0; rc->findAndGetSequenceItem(DCM_ContourSequence, contour, j).good(); ++j) {
      const std::string type = get_string(*contour, DCM_ContourGeometricType);
      if (type == "OPEN_NONPLANAR" || type == "OPEN_PLANAR") {
        ++roi.open;
        continue;
      }
      if (type != "CLOSED_PLANAR") {
        ++roi.skipped;
        continue;
      }
      DcmElement* el = nullptr;
      if (contour->findAndGetElement(DCM_ContourData, el).bad() || el == nullptr)
        throw Error::bad_input("contour without Contour Data")
            .file(fname)
            .field("(3006,0050) ContourData in ROI " + std::to_string(number));
      const unsigned long n = el->getVM();
      if (n % 3 != 0 || n < 9)
        throw Error::bad_input("malformed contour")
            .file(fname)
            .field("(3006,0050) ContourData in ROI " + std::to_string(number))
            .seen(std::to_string(n) + " numbers")
            .expected("x\\y\\z triplets, at least 3 points");
      // Parse the whole DS once: indexing a DS value by position re-parses it from the start.
      OFVector<Float64> xyz;
      if (auto* dsv = dynamic_cast<DcmDecimalString*>(el)) {
        dsv->getFloat64Vector(xyz);
      } else {
        for (unsigned long p = 0; p < n; ++p) {
          Float64 x = 0;
          el->getFloat64(x, p);
          xyz.push_back(x);
        }
      }
      if (xyz.size() != n)
        throw Error::bad_input("unreadable contour data")
            .file(fname)
            .field("(3006,0050) ContourData in ROI " + std::to_string(number));
      Polygon2 poly;
      double kmin = 1e300, kmax = -1e300;
      for (unsigned long p = 0; p < n; p += 3) {
        const Vec3 ci = grid.continuous_index({xyz[p], xyz[p + 1], xyz[p + 2]});
        poly.push_back({ci.x, ci.y});
        kmin = std::min(kmin, ci.z);
        kmax = std::max(kmax, ci.z);
      }
      if (kmax - kmin > 0.05) {
        ++roi.skipped;  // not in a slice plane of this CT (an oblique contour)
        continue;
      }
      const double kc = 0.5 * (kmin + kmax);
      const long k = std::lround(kc);
      if (k < 0 || k >= dims[2] || std::abs(kc - static_cast<double>(k)) > 0.25) {
        ++roi.off_grid;
        continue;
      }
      roi.slices[static_cast<int>(k)].push_back(std::move(poly));
    }
  }

  const std::size_t slice_voxels =
      static_cast<std::size_t>(dims[0]) * static_cast<std::size_t>(dims[1]);
  for (const int number : order) {
    Roi& roi = rois[number];
    Structure st;
    st.name = roi.name;
    st.number = number;
    st.type = roi.type;
    st.origin = StructureOrigin::kRtstruct;
    st.color = roi.color;
    st.mask.assign(grid.voxel_count(), 0);
    for (const auto& [k, polys] : roi.slices)
      rasterise_even_odd(polys, dims[0], dims[1],
                         st.mask.data() + static_cast<std::size_t>(k) * slice_voxels);
    if (roi.skipped)
      warnings.push_back(fname + ": ROI '" + roi.name + "': " + std::to_string(roi.skipped) +
                         " contours that are not CLOSED_PLANAR in a CT slice plane skipped");
    if (roi.open)
      warnings.push_back(fname + ": ROI '" + roi.name + "': " + std::to_string(roi.open) +
                         " open polyline(s) (a needle or catheter) are not a volume; a plan can "
                         "follow one with kiort plan create --applicator-from " +
                         fname + ":" + roi.name);
    if (roi.off_grid)
      warnings.push_back(fname + ": ROI '" + roi.name + "': " + std::to_string(roi.off_grid) +
                         " contours outside the CT's slices (or between them) skipped");
    model.structures.push_back(std::move(st));
  }
  return warnings;
}

std::vector<Vec3> read_rtstruct_polyline(const std::filesystem::path& file, const std::string& roi,
                                         const PatientModel& model, bool accept_other_frame) {
  const std::string fname = file.string();
  DcmFileFormat ff;
  load_checked(file, ff, model, accept_other_frame);
  DcmDataset& ds = *ff.getDataset();
  std::string number, names;
  DcmItem* item = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_StructureSetROISequence, item, i).good(); ++i) {
    const std::string name = get_string(*item, DCM_ROIName);
    if (!names.empty()) names += ", ";
    names += name;
    if (name == roi) number = get_string(*item, DCM_ROINumber);
  }
  if (number.empty())
    throw Error::bad_input("no such ROI in the structure set")
        .file(fname)
        .field("(3006,0026) ROIName")
        .seen(roi)
        .expected("one of: " + names);
  std::vector<Vec3> points;
  int open = 0;
  DcmItem* rc = nullptr;
  for (int i = 0; ds.findAndGetSequenceItem(DCM_ROIContourSequence, rc, i).good(); ++i) {
    if (get_string(*rc, DCM_ReferencedROINumber) != number) continue;
    DcmItem* c = nullptr;
    for (int j = 0; rc->findAndGetSequenceItem(DCM_ContourSequence, c, j).good(); ++j) {
      const std::string type = get_string(*c, DCM_ContourGeometricType);
      if (type != "OPEN_NONPLANAR" && type != "OPEN_PLANAR") continue;
      ++open;
      OFString data;
      c->findAndGetOFStringArray(DCM_ContourData, data);
      std::vector<double> xyz;
      std::stringstream ss(data.c_str());
      std::string tok;
      while (std::getline(ss, tok, '\\')) {
        char* end = nullptr;
        const double v = std::strtod(tok.c_str(), &end);
        if (end == tok.c_str() || !std::isfinite(v))
          throw Error::bad_input("unreadable contour data")
              .file(fname)
              .field("(3006,0050) ContourData of ROI " + roi)
              .seen(tok);
        xyz.push_back(v);
      }
      if (xyz.size() % 3 != 0 || xyz.size() < 6)
        throw Error::bad_input("an open polyline needs at least two x\\y\\z points")
            .file(fname)
            .field("(3006,0050) ContourData of ROI " + roi)
            .seen(std::to_string(xyz.size()) + " numbers");
      for (std::size_t p = 0; p < xyz.size(); p += 3)
        points.push_back({xyz[p], xyz[p + 1], xyz[p + 2]});
    }
  }
  if (open != 1)
    throw Error::bad_input(open == 0 ? "the ROI has no open polyline (needle or catheter)"
                                     : "the ROI has several open polylines; a channel is one")
        .file(fname)
        .field("(3006,0042) ContourGeometricType of ROI " + roi)
        .seen(std::to_string(open) + " OPEN_NONPLANAR/OPEN_PLANAR contours")
        .expected("exactly one");
  return points;
}

void write_rtstruct(const PatientModel& model, const std::filesystem::path& path,
                    const RtstructOptions& options) {
  const auto& dims = model.grid.dims();
  const auto nz = static_cast<std::size_t>(dims[2]);
  if (model.series_uid.empty() || model.frame_of_reference_uid.empty() ||
      model.slice_sop_instance_uids.size() != nz)
    throw Error::bad_input("patient model lacks DICOM UIDs").expected("UIDs (call ensure_uids)");
  DcmFileFormat file;
  DcmDataset& ds = *file.getDataset();
  ds.putAndInsertString(DCM_SOPClassUID, UID_RTStructureSetStorage);
  const std::string sop_uid = options.sop_instance_uid.empty()
                                  ? deterministic_uid(model.series_uid + "/rtstruct-instance")
                                  : options.sop_instance_uid;
  ds.putAndInsertString(DCM_SOPInstanceUID, sop_uid.c_str());
  put_patient_study_equipment(ds, model);
  ds.putAndInsertString(DCM_Modality, "RTSTRUCT");
  const std::string series_uid = options.series_uid.empty()
                                     ? deterministic_uid(model.series_uid + "/rtstruct-series")
                                     : options.series_uid;
  ds.putAndInsertString(DCM_SeriesInstanceUID, series_uid.c_str());
  ds.putAndInsertString(DCM_SeriesNumber, "2");
  ds.putAndInsertString(DCM_OperatorsName, "");
  ds.putAndInsertString(DCM_InstanceNumber, "1");
  // The Frame of Reference module (part of the RT Structure Set IOD in current editions).
  ds.putAndInsertString(DCM_FrameOfReferenceUID, model.frame_of_reference_uid.c_str());
  ds.putAndInsertString(DCM_PositionReferenceIndicator, "");
  ds.putAndInsertString(DCM_StructureSetLabel, options.label.c_str());
  if (!options.description.empty())
    ds.putAndInsertString(DCM_StructureSetDescription, options.description.c_str());
  ds.putAndInsertString(DCM_StructureSetDate, "");
  ds.putAndInsertString(DCM_StructureSetTime, "");

  DcmItem* frame = nullptr;
  ds.findOrCreateSequenceItem(DCM_ReferencedFrameOfReferenceSequence, frame, -2);
  frame->putAndInsertString(DCM_FrameOfReferenceUID, model.frame_of_reference_uid.c_str());
  DcmItem* study = nullptr;
  frame->findOrCreateSequenceItem(DCM_RTReferencedStudySequence, study, -2);
  // The SOP class the standard gives for this reference (Study Component Management).
  study->putAndInsertString(DCM_ReferencedSOPClassUID, "1.2.840.10008.3.1.2.3.2");
  study->putAndInsertString(DCM_ReferencedSOPInstanceUID, model.study_uid.c_str());
  DcmItem* series = nullptr;
  study->findOrCreateSequenceItem(DCM_RTReferencedSeriesSequence, series, -2);
  series->putAndInsertString(DCM_SeriesInstanceUID, model.series_uid.c_str());
  for (std::size_t k = 0; k < nz; ++k) {
    DcmItem* img = nullptr;
    series->findOrCreateSequenceItem(DCM_ContourImageSequence, img, -2);
    img->putAndInsertString(DCM_ReferencedSOPClassUID, UID_CTImageStorage);
    img->putAndInsertString(DCM_ReferencedSOPInstanceUID, model.slice_sop_instance_uids[k].c_str());
  }

  const std::size_t slice_voxels =
      static_cast<std::size_t>(dims[0]) * static_cast<std::size_t>(dims[1]);
  for (std::size_t s = 0; s < model.structures.size(); ++s) {
    const Structure& st = model.structures[s];
    const int number = st.number > 0 ? st.number : static_cast<int>(s + 1);
    const std::string num = std::to_string(number);
    DcmItem* roi = nullptr;
    ds.findOrCreateSequenceItem(DCM_StructureSetROISequence, roi, -2);
    roi->putAndInsertString(DCM_ROINumber, num.c_str());
    roi->putAndInsertString(DCM_ReferencedFrameOfReferenceUID,
                            model.frame_of_reference_uid.c_str());
    roi->putAndInsertString(DCM_ROIName, st.name.c_str());
    roi->putAndInsertString(DCM_ROIGenerationAlgorithm,
                            st.origin == StructureOrigin::kRtstruct ? "MANUAL" : "AUTOMATIC");

    DcmItem* rc = nullptr;
    ds.findOrCreateSequenceItem(DCM_ROIContourSequence, rc, -2);
    rc->putAndInsertString(DCM_ReferencedROINumber, num.c_str());
    const std::string color = std::to_string(st.color[0]) + "\\" + std::to_string(st.color[1]) +
                              "\\" + std::to_string(st.color[2]);
    rc->putAndInsertString(DCM_ROIDisplayColor, color.c_str());
    if (st.mask.size() == model.grid.voxel_count()) {
      for (std::size_t k = 0; k < nz; ++k) {
        const auto loops =
            trace_mask_boundaries(st.mask.data() + k * slice_voxels, dims[0], dims[1]);
        for (const Polygon2& loop : loops) {
          std::string data;
          data.reserve(loop.size() * 30);
          for (const Point2& p : loop) {
            const Vec3 r = model.grid.position(Vec3{p[0], p[1], static_cast<double>(k)});
            for (const double c : {r.x, r.y, r.z}) {
              if (!data.empty()) data += '\\';
              data += format_ds(c);
            }
          }
          DcmItem* c = nullptr;
          rc->findOrCreateSequenceItem(DCM_ContourSequence, c, -2);
          DcmItem* img = nullptr;
          c->findOrCreateSequenceItem(DCM_ContourImageSequence, img, -2);
          img->putAndInsertString(DCM_ReferencedSOPClassUID, UID_CTImageStorage);
          img->putAndInsertString(DCM_ReferencedSOPInstanceUID,
                                  model.slice_sop_instance_uids[k].c_str());
          c->putAndInsertString(DCM_ContourGeometricType, "CLOSED_PLANAR");
          c->putAndInsertString(DCM_NumberOfContourPoints, std::to_string(loop.size()).c_str());
          c->putAndInsertString(DCM_ContourData, data.c_str());
        }
      }
    }

    DcmItem* obs = nullptr;
    ds.findOrCreateSequenceItem(DCM_RTROIObservationsSequence, obs, -2);
    obs->putAndInsertString(DCM_ObservationNumber, num.c_str());
    obs->putAndInsertString(DCM_ReferencedROINumber, num.c_str());
    obs->putAndInsertString(DCM_RTROIInterpretedType, st.type.c_str());
    obs->putAndInsertString(DCM_ROIInterpreter, "");
  }
  // Marker points: one POINT contour each, on the slice nearest to it (a contour names the image
  // it lies on), numbered after the largest structure number.
  int next_number = 0;
  for (std::size_t s = 0; s < model.structures.size(); ++s)
    next_number = std::max(next_number, model.structures[s].number > 0 ? model.structures[s].number
                                                                       : static_cast<int>(s + 1));
  auto add_roi = [&](const std::string& num, const std::string& name,
                     const std::array<std::uint8_t, 3>& rgb) {
    DcmItem* roi = nullptr;
    ds.findOrCreateSequenceItem(DCM_StructureSetROISequence, roi, -2);
    roi->putAndInsertString(DCM_ROINumber, num.c_str());
    roi->putAndInsertString(DCM_ReferencedFrameOfReferenceUID,
                            model.frame_of_reference_uid.c_str());
    roi->putAndInsertString(DCM_ROIName, name.c_str());
    roi->putAndInsertString(DCM_ROIGenerationAlgorithm, "AUTOMATIC");
    DcmItem* rc = nullptr;
    ds.findOrCreateSequenceItem(DCM_ROIContourSequence, rc, -2);
    rc->putAndInsertString(DCM_ReferencedROINumber, num.c_str());
    const std::string color =
        std::to_string(rgb[0]) + "\\" + std::to_string(rgb[1]) + "\\" + std::to_string(rgb[2]);
    rc->putAndInsertString(DCM_ROIDisplayColor, color.c_str());
    return rc;
  };
  auto add_observation = [&](const std::string& num, const std::string& type) {
    DcmItem* obs = nullptr;
    ds.findOrCreateSequenceItem(DCM_RTROIObservationsSequence, obs, -2);
    obs->putAndInsertString(DCM_ObservationNumber, num.c_str());
    obs->putAndInsertString(DCM_ReferencedROINumber, num.c_str());
    obs->putAndInsertString(DCM_RTROIInterpretedType, type.c_str());
    obs->putAndInsertString(DCM_ROIInterpreter, "");
  };
  // Open polylines: one OPEN_NONPLANAR contour each (it lies on no single image, so it names
  // none: the Contour Image Sequence is type 3).
  for (const PolylineRoi& line : options.lines) {
    if (line.points_lps.size() < 2)
      throw Error::bad_input("an open polyline ROI needs at least two points")
          .field("ROI " + line.name)
          .seen(std::to_string(line.points_lps.size()) + " points");
    const std::string num = std::to_string(++next_number);
    DcmItem* rc = add_roi(num, line.name, line.color);
    DcmItem* c = nullptr;
    rc->findOrCreateSequenceItem(DCM_ContourSequence, c, -2);
    c->putAndInsertString(DCM_ContourGeometricType, "OPEN_NONPLANAR");
    c->putAndInsertString(DCM_NumberOfContourPoints,
                          std::to_string(line.points_lps.size()).c_str());
    std::string data;
    for (const Vec3& p : line.points_lps)
      for (const double x : {p.x, p.y, p.z}) {
        if (!data.empty()) data += '\\';
        data += format_ds(x);
      }
    c->putAndInsertString(DCM_ContourData, data.c_str());
    add_observation(num, line.type);
  }
  for (const PointRoi& pt : options.points) {
    const std::string num = std::to_string(++next_number);
    DcmItem* rc = add_roi(num, pt.name, pt.color);
    const double kz = std::round(model.grid.continuous_index(pt.position_lps).z);
    const auto k = static_cast<std::size_t>(std::clamp(kz, 0.0, static_cast<double>(nz - 1)));
    DcmItem* c = nullptr;
    rc->findOrCreateSequenceItem(DCM_ContourSequence, c, -2);
    DcmItem* img = nullptr;
    c->findOrCreateSequenceItem(DCM_ContourImageSequence, img, -2);
    img->putAndInsertString(DCM_ReferencedSOPClassUID, UID_CTImageStorage);
    img->putAndInsertString(DCM_ReferencedSOPInstanceUID, model.slice_sop_instance_uids[k].c_str());
    c->putAndInsertString(DCM_ContourGeometricType, "POINT");
    c->putAndInsertString(DCM_NumberOfContourPoints, "1");
    const std::string data = format_ds(pt.position_lps.x) + "\\" + format_ds(pt.position_lps.y) +
                             "\\" + format_ds(pt.position_lps.z);
    c->putAndInsertString(DCM_ContourData, data.c_str());
    add_observation(num, pt.type);
  }
  save_atomic(file, path);
}

}  // namespace kiort::dicom
