#include "dicom/ct_writer.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "dicom/dicom_common.h"

namespace kiort::dicom {

AxialReorder standard_axial(const Grid3& grid) {
  AxialReorder r;
  r.grid = grid;
  // For each patient axis x, y, z: which grid axis runs along it, and in which sense.
  const Mat3& d = grid.direction();
  std::array<int, 3> axis_of{-1, -1, -1}, sign{1, 1, 1};
  for (int a = 0; a < 3; ++a) {
    const Vec3 c = d.column(a);
    const double comp[3] = {c.x, c.y, c.z};
    for (int p = 0; p < 3; ++p)
      if (std::abs(std::abs(comp[p]) - 1.0) < 1e-6) {
        axis_of[static_cast<std::size_t>(p)] = a;
        sign[static_cast<std::size_t>(p)] = comp[p] > 0 ? 1 : -1;
      }
  }
  if (axis_of[0] < 0 || axis_of[1] < 0 || axis_of[2] < 0) return r;  // oblique: as it is
  if (axis_of == std::array<int, 3>{0, 1, 2} && sign == std::array<int, 3>{1, 1, 1}) return r;
  const auto& dims = grid.dims();
  const Vec3 sp = grid.spacing();
  const double sps[3] = {sp.x, sp.y, sp.z};
  std::array<int, 3> nd{};
  double ns[3];
  for (std::size_t p = 0; p < 3; ++p) {
    nd[p] = dims[static_cast<std::size_t>(axis_of[p])];
    ns[p] = sps[axis_of[p]];
  }
  // Old index of new voxel (i, j, k): along each patient axis p, old axis axis_of[p] counts up
  // (sign +1) or down from its last voxel.
  auto old_index = [&](std::array<int, 3> n) {
    std::array<std::int64_t, 3> o{};
    for (std::size_t p = 0; p < 3; ++p)
      o[static_cast<std::size_t>(axis_of[p])] = sign[p] > 0 ? n[p] : nd[p] - 1 - n[p];
    return Index3{o[0], o[1], o[2]};
  };
  const Vec3 origin = grid.position(old_index({0, 0, 0}));
  r.grid = Grid3(nd, {ns[0], ns[1], ns[2]}, origin, Mat3::identity());
  r.source.resize(r.grid.voxel_count());
  std::size_t v = 0;
  for (int k = 0; k < nd[2]; ++k)
    for (int j = 0; j < nd[1]; ++j)
      for (int i = 0; i < nd[0]; ++i) r.source[v++] = grid.linear(old_index({i, j, k}));
  return r;
}

PatientModel to_standard_axial(const PatientModel& model) {
  const AxialReorder r = standard_axial(model.grid);
  if (r.source.empty()) return model;
  PatientModel m = model;
  m.grid = r.grid;
  m.hu = r.apply(model.hu);
  m.medium = r.apply(model.medium);
  m.density = r.apply(model.density);
  for (Structure& s : m.structures) s.mask = r.apply(s.mask);
  m.slice_sop_instance_uids.clear();
  return m;
}

std::vector<std::filesystem::path> write_ct_series(const PatientModel& model,
                                                   const std::filesystem::path& dir) {
  const auto& dims = model.grid.dims();
  const auto nz = static_cast<std::size_t>(dims[2]);
  if (model.hu.size() != model.grid.voxel_count())
    throw Error::bad_input("patient model has no CT numbers to write")
        .field("hu")
        .seen(std::to_string(model.hu.size()) + " values")
        .expected(std::to_string(model.grid.voxel_count()));
  if (model.series_uid.empty() || model.study_uid.empty() || model.frame_of_reference_uid.empty() ||
      model.slice_sop_instance_uids.size() != nz)
    throw Error::bad_input("patient model lacks DICOM UIDs").expected("UIDs (call ensure_uids)");
  if (!standard_axial(model.grid).source.empty())
    throw Error::bad_input("CT grid not in the standard axial orientation")
        .field("grid.direction")
        .expected("axes along +x, +y, +z (call to_standard_axial first)");
  if (dims[0] > 65535 || dims[1] > 65535)
    throw Error::bad_input("slice too large for DICOM").expected("rows and columns <= 65535");
  std::filesystem::create_directories(dir);

  const Vec3 row = model.grid.direction().column(0), col = model.grid.direction().column(1);
  std::string iop;
  for (const double c : {row.x, row.y, row.z, col.x, col.y, col.z}) {
    if (!iop.empty()) iop += '\\';
    iop += format_ds(c);
  }
  const Vec3 sp = model.grid.spacing();
  // PixelSpacing is row spacing (between rows, along j) \ column spacing (along i).
  const std::string pixel_spacing = format_ds(sp.y) + "\\" + format_ds(sp.x);
  const std::size_t slice_voxels =
      static_cast<std::size_t>(dims[0]) * static_cast<std::size_t>(dims[1]);
  std::vector<Uint16> pixels(slice_voxels);

  std::vector<std::filesystem::path> paths;
  for (std::size_t k = 0; k < nz; ++k) {
    DcmFileFormat file;
    DcmDataset& ds = *file.getDataset();
    ds.putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
    ds.putAndInsertString(DCM_SOPInstanceUID, model.slice_sop_instance_uids[k].c_str());
    put_patient_study_equipment(ds, model);
    ds.putAndInsertString(DCM_Modality, "CT");
    ds.putAndInsertString(DCM_SeriesInstanceUID, model.series_uid.c_str());
    ds.putAndInsertString(DCM_SeriesNumber, "1");
    ds.putAndInsertString(DCM_SeriesDescription,
                          model.source == "phantom" ? "kiort vertebra phantom" : "kiort CT");
    ds.putAndInsertString(DCM_PatientPosition, "HFS");
    ds.putAndInsertString(DCM_Laterality, "");  // type 2C; a spine is not a paired part
    ds.putAndInsertString(DCM_FrameOfReferenceUID, model.frame_of_reference_uid.c_str());
    ds.putAndInsertString(DCM_PositionReferenceIndicator, "");
    ds.putAndInsertString(DCM_InstanceNumber, std::to_string(k + 1).c_str());
    // kiort made these images (a phantom, or a NRRD/NIfTI volume converted): DERIVED\SECONDARY,
    // and no acquisition values (KVP is type 2: present, empty: not known).
    ds.putAndInsertString(DCM_ImageType, "DERIVED\\SECONDARY\\AXIAL");
    ds.putAndInsertString(DCM_DerivationDescription,
                          model.source == "phantom"
                              ? "kiort vertebra phantom (synthetic CT numbers)"
                              : "converted by kiort from a NRRD/NIfTI volume");
    ds.putAndInsertString(DCM_AcquisitionNumber, "");
    ds.putAndInsertString(DCM_KVP, "");
    const Vec3 pos = model.grid.position(Index3{0, 0, static_cast<std::int64_t>(k)});
    ds.putAndInsertString(
        DCM_ImagePositionPatient,
        (format_ds(pos.x) + "\\" + format_ds(pos.y) + "\\" + format_ds(pos.z)).c_str());
    ds.putAndInsertString(DCM_ImageOrientationPatient, iop.c_str());
    ds.putAndInsertString(DCM_PixelSpacing, pixel_spacing.c_str());
    ds.putAndInsertString(DCM_SliceThickness, format_ds(sp.z).c_str());
    ds.putAndInsertString(DCM_SliceLocation, format_ds(pos.z).c_str());
    ds.putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds.putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    ds.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(dims[1]));
    ds.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(dims[0]));
    ds.putAndInsertUint16(DCM_BitsAllocated, 16);
    ds.putAndInsertUint16(DCM_BitsStored, 16);
    ds.putAndInsertUint16(DCM_HighBit, 15);
    ds.putAndInsertUint16(DCM_PixelRepresentation, 1);
    ds.putAndInsertString(DCM_RescaleIntercept, "0");
    ds.putAndInsertString(DCM_RescaleSlope, "1");
    ds.putAndInsertString(DCM_RescaleType, "HU");
    ds.putAndInsertString(DCM_WindowCenter, "300");
    ds.putAndInsertString(DCM_WindowWidth, "1500");
    // Signed HU as the bit pattern of 16-bit words (OW).
    std::memcpy(pixels.data(), model.hu.data() + k * slice_voxels, slice_voxels * sizeof(Uint16));
    ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(),
                               static_cast<unsigned long>(slice_voxels));
    char name[32];
    std::snprintf(name, sizeof name, "CT_%04zu.dcm", k + 1);
    paths.push_back(dir / name);
    save_atomic(file, paths.back());
  }
  return paths;
}

}  // namespace kiort::dicom
