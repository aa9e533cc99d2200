// The plan report's statement of what its dose rests on (issue 16): the illustrative-calibration
// banner, the calibration's provenance, the uncertainty budget, the source model's assumed
// parameters and the shaft's shadow, each read from the evaluation summary (plan/provenance.h,
// plan/uncertainty.h). A summary from an older kiort without them writes nothing.
#pragma once

#include <nlohmann/json.hpp>

#include "report/document.h"

namespace kiort {

// True when the summary's calibration is illustrative (summary "calibration.illustrative").
bool illustrative_calibration(const nlohmann::ordered_json& summary);
// The red first-page banner of an illustrative calibration.
void add_illustrative_banner(PdfDocument& doc);
// Calibration provenance, uncertainty budget, source-model parameters and shadow.
void add_dosimetry_statement(PdfDocument& doc, const nlohmann::ordered_json& summary);

}  // namespace kiort
